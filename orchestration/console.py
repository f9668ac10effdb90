"""What `cli run` prints for a person, and the run's log file that keeps everything else.

The console gets one line per step of the run (loading, checks, dbt build, publishing) and a
progress figure for the long ones: rows loaded, dbt nodes done of dbt's total, check suites done.
Everything else, Dagster's own log and dbt's per-node lines (which dagster-dbt writes to
`sys.stdout`), goes to the run's log file under the data folder, ANSI colour codes stripped; with
`--verbose` to the console as well. On a terminal the progress figure is one line rewritten in
place; otherwise (a file, a pipe, CI) it is a few plain lines, and no colour code is written.

Dagster's events reach the console through a Dagster logger (`logger_def()`, selected in the run
config), the printed lines through `capturing()`, which swaps `sys.stdout` / `sys.stderr`.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from dagster import AssetCheckSeverity, DagsterEventType, LoggerDefinition

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# dbt's per-node lines: "12 of 574 START sql table model ...", "12 of 574 OK created ...", "PASS", "WARN 3"...
DBT_NODE = re.compile(r"^\s*(\d+) of (\d+) ([A-Z]+)\b")
DBT_FAILED, DBT_WARNED, DBT_SKIPPED = {"ERROR", "FAIL"}, {"WARN"}, {"SKIP"}
STEP_TITLES = {
    "raw_tables": "loading the landing files",
    "gx_raw_suites": "Great Expectations suites on the raw tables",
    "dbt_models": "dbt build",
    "gx_public_suites": "Great Expectations suites on the public tables",
    "serving_database": "publishing",
}
AS_OF_NOTE = "as-of range "  # the dbt step's first log line names the days it computes
PLAIN_PROGRESS_STEPS = 4  # off a terminal, a progress line at each quarter of a step...
PLAIN_PROGRESS_AFTER_SECONDS = 10  # ...that has run this long (a short step gets its result line only)
GREEN, RED, BOLD, RESET, CLEAR_LINE = "\x1b[32m", "\x1b[31m", "\x1b[1m", "\x1b[0m", "\x1b[K"


def elapsed(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"


@dataclass
class StepProgress:
    """What one step has done so far, from its events and (dbt) its printed lines."""

    key: str
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int | None = None
    outcomes: dict[str, int] = field(default_factory=dict)  # dbt statuses or check outcomes
    rows_loaded: int = 0
    rows_rejected: int = 0
    tables: int = 0
    shown_quarter: int = 0

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def figure(self) -> str:
        """The progress figure while the step runs."""
        if self.key == "dbt_models":
            return f"dbt: {self.done:,} of {self.total:,} nodes done" if self.total else "dbt: starting"
        return f"{self.done} of {self.total} suites done" if self.total else f"{self.done} done"

    def result(self) -> str:
        """The step's closing line."""
        took = elapsed(time.monotonic() - self.started)
        if self.key == "raw_tables":
            broken = self.outcomes.get("failed", 0)
            too_broken = f"; {broken} too broken" if broken else ""
            return (f"{self.tables} raw tables: {self.rows_loaded:,} rows loaded, "
                    f"{self.rows_rejected:,} rejected{too_broken} ({took})")
        if self.key == "dbt_models" and self.total:
            failed = sum(n for status, n in self.outcomes.items() if status in DBT_FAILED)
            warned = sum(n for status, n in self.outcomes.items() if status in DBT_WARNED)
            skipped = sum(n for status, n in self.outcomes.items() if status in DBT_SKIPPED)
            return (f"dbt: {self.done:,} of {self.total:,} nodes done: {failed} failed, {warned} warned, "
                    f"{skipped} skipped ({took})")
        if self.outcomes:
            counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
            return f"{self.figure()}: {counts} ({took})"
        return f"done ({took})"


class LineSink(io.TextIOBase):
    """A text stream that hands each complete line to a function (stands in for sys.stdout)."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        super().__init__()
        self._on_line = on_line
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._on_line(line)
        return len(text)

    def close_pending(self) -> None:
        if self._pending:
            self._on_line(self._pending)
            self._pending = ""


class RunConsole:
    """The console and the log file of one `cli run` (a context manager that opens the log)."""

    def __init__(self, log_path: Path, *, verbose: bool = False, quiet: bool = False,
                 check_totals: Mapping[str, int] | None = None, out: TextIO | None = None,
                 err: TextIO | None = None) -> None:
        self.log_path = log_path
        self.verbose, self.quiet = verbose, quiet
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.tty = self.out.isatty()
        self.check_totals = dict(check_totals or {})
        self._log: TextIO | None = None
        self._step: StepProgress | None = None
        self._progress_shown = False  # a progress line is on the terminal, to be rewritten
        self._guard = threading.RLock()

    def __enter__(self) -> RunConsole:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in __exit__)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._guard:
            self._end_progress_line()
            if self._log is not None:
                self._log.close()
                self._log = None

    # ------------------------------------------------------------------------ for the caller

    def say(self, text: str, *, always: bool = False) -> None:
        """A line for the person (kept in the log too); `always`: even with --quiet."""
        with self._guard:
            self._to_log(text)
            if always or not self.quiet:
                self._end_progress_line()
                print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        """The closing `error:` line, on stderr, whatever --quiet says."""
        with self._guard:
            self._to_log(f"error: {text}")
            self._end_progress_line()
            print(f"{self.paint('error:', RED)} {text}", file=self.err, flush=True)

    def log_only(self, text: str) -> None:
        with self._guard:
            self._to_log(text)

    def paint(self, text: str, colour: str) -> str:
        return f"{colour}{text}{RESET}" if self.tty else text

    @contextmanager
    def capturing(self) -> Iterator[None]:
        """Send what the block prints (dbt's lines, among others) to the log, and parse dbt's progress."""
        sinks = LineSink(self._printed), LineSink(self._printed)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = sinks
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved
            for sink in sinks:
                sink.close_pending()

    def logger_def(self) -> LoggerDefinition:
        """A Dagster logger that hands every record of the run to this console."""
        console = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                console._dagster_record(record)

        def make_logger(_init_context: Any) -> logging.Logger:
            found = logging.Logger("cs_cli", level=logging.DEBUG)
            found.addHandler(Handler())
            return found

        return LoggerDefinition(make_logger, description="`cli run`: progress lines and the run's log file")

    # ---------------------------------------------------------------------------- internals

    def _to_log(self, text: str) -> None:
        if self._log is not None:
            self._log.write(ANSI.sub("", text) + "\n")
            self._log.flush()

    def _echo(self, text: str) -> None:
        """Dagster's and dbt's own lines: on the console only with --verbose."""
        if self.verbose:
            self._end_progress_line()
            print(text if self.tty else ANSI.sub("", text), file=self.out, flush=True)

    def _printed(self, line: str) -> None:
        with self._guard:
            self._to_log(line)
            self._echo(line)
            node = DBT_NODE.match(ANSI.sub("", line))
            step = self._step
            if node and step is not None and step.key == "dbt_models" and node.group(3) != "START":
                step.done, step.total = int(node.group(1)), int(node.group(2))
                step.done = min(step.done, step.total)
                step.count(node.group(3))
                self._show_progress(step)

    def _dagster_record(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        with self._guard:
            line = (f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(record.created))} UTC - "
                    f"{record.levelname} - {record.getMessage()}")
            self._to_log(line)
            self._echo(line)
            event = meta.get("dagster_event")
            if event is not None:
                self._on_event(event)
                return
            message = str(meta.get("orig_message", ""))
            if meta.get("step_key") == "dbt_models" and message.startswith(AS_OF_NOTE):
                self._detail(message.split(": dbt ", 1)[0])

    def _on_event(self, event: Any) -> None:
        kind, step = event.event_type, self._step
        if kind == DagsterEventType.STEP_START:
            self._step = StepProgress(event.step_key, total=self.check_totals.get(event.step_key))
            self.say(f"{self.paint('==>', BOLD)} {STEP_TITLES.get(event.step_key, event.step_key)}")
        elif step is None or event.step_key != step.key:
            return
        elif kind == DagsterEventType.ASSET_MATERIALIZATION and step.key == "raw_tables":
            metadata = event.event_specific_data.materialization.metadata
            step.tables += 1
            step.rows_loaded += _number(metadata.get("rows_loaded"))
            step.rows_rejected += _number(metadata.get("rows_rejected"))
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION and step.key != "dbt_models":
            evaluation = event.event_specific_data
            step.count("passed" if evaluation.passed else
                       "failed" if evaluation.severity == AssetCheckSeverity.ERROR else "warned")
            step.done += 1
            if step.key != "raw_tables":
                self._show_progress(step)
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            failed = kind == DagsterEventType.STEP_FAILURE
            self._detail(step.result() if not failed else self.paint("failed", RED) + " (why: below)")
            self._step = None

    def _detail(self, text: str) -> None:
        self.say(f"    {text}")

    def _show_progress(self, step: StepProgress) -> None:
        if self.quiet or self.verbose or not step.total:
            return
        if self.tty:
            print(f"\r    {step.figure()}{CLEAR_LINE}", end="", file=self.out, flush=True)
            self._progress_shown = True
            return
        quarter = step.done * PLAIN_PROGRESS_STEPS // step.total
        if time.monotonic() - step.started < PLAIN_PROGRESS_AFTER_SECONDS:
            return
        if step.shown_quarter < quarter < PLAIN_PROGRESS_STEPS:  # the last one is the step's result
            step.shown_quarter = quarter
            print(f"    {step.figure()}", file=self.out, flush=True)

    def _end_progress_line(self) -> None:
        if self._progress_shown:
            print(f"\r{CLEAR_LINE}", end="", file=self.out, flush=True)
            self._progress_shown = False


def _number(value: Any) -> int:
    found = getattr(value, "value", value)
    return int(found) if isinstance(found, (int, float)) else 0
