"""`make run` (`python -m orchestration.cli run`) for a person: what can go wrong ends in one line.

Every expected failure (a bad option value, a landing folder named by mistake, a landing file that
cannot be loaded, input too broken, a failed blocking check, another refresh running) ends with an
`error:` line naming the problem and what to do, a non-zero exit status, no traceback unless
`--verbose`, the full message in the run log, and the serving file as it was. Two runs started
together never overlap: one publishes, the other is refused before it touches anything.

Runs are in process on a copy of the session's published base (tests/ops_pipeline.py), except the
two started together, which are two processes.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration import cli, preflight, project, run_lock, sources
from orchestration.contract import DOMAIN_TABLES
from orchestration.project import MARTS_SCHEMA, PUBLIC_TABLES
from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import (
    LANDING,
    add_bad_subscriptions,
    copy_base,
    drop_recent_usage,
    environment_for,
    fingerprint,
    latest_complete_day,
    lock_held_elsewhere,
    use_next_landing,
)

AFTER_THE_DATA = (latest_complete_day() + timedelta(days=30)).isoformat()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the published base, and the environment `make run` would see, pointing at it."""
    root = copy_base(tmp_path / "data")
    environment = {**environment_for(root), "DBT_USE_COLORS": "false", "DAGSTER_DISABLE_TELEMETRY": "true",
                   "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    for key, value in environment.items():  # restored after the test, whatever the CLI sets
        monkeypatch.setenv(key, value)
    # The session's base parsed the project already: these runs skip the CLI's own parse.
    monkeypatch.setattr(project, "prepare_manifest", lambda **_: project.dbt_project.manifest_path)
    return root


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["run", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_error(err: str) -> str:
    """The line the run ends with, checked to be the only `error:` line."""
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err
    return errors[0]


def no_traceback(*texts: str) -> bool:
    return not any(marker in text for text in texts for marker in ("Traceback", "Stack Trace"))


def run_log_message(root: Path) -> str:
    """`ops.run_log.message` of the latest run recorded in the warehouse, which must have failed."""
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        status, message = con.execute(
            "select status, message from ops.run_log order by finished_at desc limit 1"
        ).fetchone()
    assert status == "failed"
    return message


# ----------------------------------------------------------------------- before the run starts


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--as-of-date", "not-a-date"], "as-of date 'not-a-date' is not a day: write it as YYYY-MM-DD"),
        (["--start", "2025-06-01"], "a range needs both a start and an end day"),
        (["--start", "2025-06-09", "--end", "2025-06-01"], "the range starts on 2025-06-09, after its end"),
    ],
    ids=["not-a-date", "start-without-end", "reversed-range"],
)
def test_a_bad_option_value_is_one_line(data: Path, capsys: pytest.CaptureFixture[str], options: list[str],
                                        says: str) -> None:
    before = digest(data / "serving.duckdb")
    code, out, err = run_cli(capsys, *options)
    assert code == cli.EXIT_USAGE
    assert says in last_error(err) and out == "" and no_traceback(err)
    assert digest(data / "serving.duckdb") == before


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_a_named_landing_folder_missing_or_empty_publishes_no_demo_data(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    named = tmp_path / "my_landing"  # e.g. a typo in CS_LANDING_DIR
    if state == "empty":
        named.mkdir()
    monkeypatch.setenv("CS_LANDING_DIR", str(named))
    before, warehouse_before = digest(data / "serving.duckdb"), digest(data / "warehouse.duckdb")

    code, out, err = run_cli(capsys)

    assert code == cli.EXIT_FAILED
    what = "does not exist" if state == "missing" else "holds no landing file"
    line = last_error(err)
    assert f"the landing folder {named} (CS_LANDING_DIR) {what}" in line and "make demo" in line
    assert out == "" and no_traceback(err)
    if state == "missing":
        assert not named.exists()  # not created, and no demo data generated into it
    else:
        assert not any(named.iterdir())
    assert digest(data / "serving.duckdb") == before and digest(data / "warehouse.duckdb") == warehouse_before


def test_demo_data_only_in_the_default_landing_folder_or_when_asked(isolated_env: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert preflight.needs_demo_data(demo=False)  # the default folder, missing: a first `make run`
    (isolated_env / "landing").mkdir(parents=True)
    (isolated_env / "landing" / ".accounts.csv.partial").write_text("x")  # skipped by the loader
    assert preflight.needs_demo_data(demo=False)
    (isolated_env / "landing" / "accounts.csv").write_text("x")
    assert not preflight.needs_demo_data(demo=True)  # files are there: load them, generate nothing
    monkeypatch.setenv("CS_LANDING_DIR", str(isolated_env / "mine"))
    with pytest.raises(preflight.UserError, match="does not exist"):
        preflight.needs_demo_data(demo=False)
    assert preflight.needs_demo_data(demo=True)  # `make demo` with a folder of one's own


def test_a_demo_shape_chooses_the_sources_of_its_domains(isolated_env: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for domain in DOMAIN_TABLES:  # unset for the test; whatever choose_demo_shape sets is undone after it
        monkeypatch.setenv(sources.environment_var(domain), "contract")
        monkeypatch.delenv(sources.environment_var(domain))
    monkeypatch.setenv("CS_DEMO_SHAPE", "stripe, salesforce,segment,zendesk")
    assert preflight.choose_demo_shape() == ("stripe", "salesforce", "segment", "zendesk")
    assert sources.chosen().by_domain == {"accounts": "salesforce", "billing": "stripe", "usage": "segment",
                                          "support": "zendesk", "success": "salesforce"}
    # the landing folder holds contract-shaped files: not loaded as if they were the demo's shape
    (isolated_env / "landing").mkdir(parents=True)
    (isolated_env / "landing" / "accounts.csv").write_text("x")
    with pytest.raises(preflight.UserError, match="another shape"):
        preflight.choose_demo_shape()
    # a source var naming something else, an unknown or doubled connector: one line each
    monkeypatch.setenv("CS_DEMO_SHAPE", "hubspot")
    with pytest.raises(preflight.UserError, match="CS_ACCOUNTS_SOURCE is 'salesforce'"):
        preflight.choose_demo_shape()
    for shape, message in (("stripe,chargebee", "unknown connector"), ("segment,amplitude", "both provide")):
        monkeypatch.setenv("CS_DEMO_SHAPE", shape)
        with pytest.raises(preflight.UserError, match=message):
            preflight.choose_demo_shape()


def test_a_second_run_is_refused_at_once_naming_the_run_that_holds_the_lock(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, warehouse_before = digest(data / "serving.duckdb"), digest(data / "warehouse.duckdb")
    with lock_held_elsewhere(data, seconds=120) as holder:
        started = time.monotonic()
        code, out, err = run_cli(capsys)
        took = time.monotonic() - started
    assert code == cli.EXIT_LOCKED and took < 30
    line = last_error(err)
    assert f"another refresh (run holder-r, pid {holder.pid}, started " in line and "--wait" in line
    assert no_traceback(out, err) and "==>" not in out  # nothing started
    assert digest(data / "serving.duckdb") == before and digest(data / "warehouse.duckdb") == warehouse_before


def test_the_lock_is_reentrant_in_its_process_and_says_nothing_once_released(isolated_env: Path) -> None:
    with run_lock.hold("outer-run", "a test") as path:
        with run_lock.hold("inner-run", "a test"):  # the job `cli run` executes in its own process
            assert run_lock.read_holder(path).run_id == "outer-run"
        assert run_lock.read_holder(path).pid == os.getpid()
    assert run_lock.read_holder(path) == run_lock.Holder()


def test_with_wait_a_run_starts_once_the_other_is_done(data: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with lock_held_elsewhere(data, seconds=3):
        code, out, err = run_cli(capsys, "--wait", "--as-of-date", AFTER_THE_DATA)
    assert "==> waiting for another refresh (run holder-r" in out
    # It ran once the lock was free (and failed as it should: this day is after the data).
    assert code == cli.EXIT_FAILED and f"as-of day {AFTER_THE_DATA} is after" in last_error(err)


def test_an_unexpected_error_is_one_line_and_its_traceback_is_kept(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(cli, "check_warehouse_free", broken)
    code, out, err = run_cli(capsys)
    line = last_error(err)
    assert code == cli.EXIT_FAILED and "something nobody foresaw (unexpected" in line
    assert no_traceback(out, err)
    log = Path(re.search(r"the traceback is in (\S+),", line).group(1))
    assert "Traceback" in log.read_text()
    code, out, err = run_cli(capsys, "--verbose")
    assert code == cli.EXIT_FAILED and "Traceback" in err


# ------------------------------------------------------------------------------ in the run


def _without_column(root: Path, table: str, column: str) -> None:
    """Replace a table's landing file with a CSV that lacks a column."""
    path = root / LANDING / f"{table}.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select * exclude ({column}) from read_parquet('{path}')) "
                    f"to '{path.with_suffix('.csv')}' (header)")
    path.unlink()


def _unreadable(root: Path, table: str) -> None:
    (root / LANDING / f"{table}.parquet").write_bytes(b"not a parquet file")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("breakage", "options", "says", "logged"),
    [
        (lambda root: _without_column(root, "accounts", "account_name"), [],
         "accounts: accounts.csv lacks column(s) account_name",
         ["accounts: accounts.csv lacks column(s) account_name (it has: account_id",
          "fix the landing files in"]),
        (lambda root: _unreadable(root, "accounts"), [],
         "accounts: cannot read accounts.parquet",
         ["accounts: cannot read accounts.parquet", "fix the landing files in"]),
        (add_bad_subscriptions, [],
         "1 blocking check(s) failed (raw/subscriptions rejects_within_limit)",
         ["check raw/subscriptions rejects_within_limit failed", "out_of_range:mrr", "raw.rejects"]),
        (drop_recent_usage, [],
         "1 blocking check(s) failed (raw/usage_events gx_raw_usage_events)",
         ["check raw/usage_events gx_raw_usage_events failed", "expect_table_row_count_to_be_between"]),
        (lambda root: None, ["--as-of-date", AFTER_THE_DATA],
         f"as-of day {AFTER_THE_DATA} is after",
         [f"as-of day {AFTER_THE_DATA} is after", "ask for an earlier day"]),
    ],
    ids=["missing-column", "unreadable-file", "too-broken", "failed-blocking-check", "as-of-after-the-data"],
)
def test_an_expected_failure_in_the_run_says_what_to_do(
    data: Path, capsys: pytest.CaptureFixture[str], breakage, options: list[str], says: str, logged: list[str]
) -> None:
    serving = data / "serving.duckdb"
    before, modified = digest(serving), serving.stat().st_mtime_ns
    breakage(data)

    code, out, err = run_cli(capsys, *options)

    assert code == cli.EXIT_FAILED
    line = last_error(err)
    assert line.startswith("error: nothing published: ") and says in line
    assert "FAILED" in out and f"Nothing published: {serving} is unchanged." in out
    assert no_traceback(out, err)
    message = run_log_message(data)
    for phrase in logged:  # in the summary and, whole, in the run log
        assert phrase in out and phrase in message
    assert digest(serving) == before and serving.stat().st_mtime_ns == modified


@pytest.mark.slow
def test_verbose_prints_dagster_lines_and_the_traceback(data: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _without_column(data, "accounts", "account_name")
    code, out, err = run_cli(capsys, "--verbose")
    assert code == cli.EXIT_FAILED and "lacks column(s) account_name" in last_error(err)
    assert "STEP_FAILURE" in out and "Stack Trace" in out


# ----------------------------------------------------------------------- two runs at once


@pytest.mark.slow
def test_two_runs_started_together_one_publishes_the_other_is_refused(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    use_next_landing(root)  # one more day to publish
    env = {**os.environ, **environment_for(root), "PYTHONPATH": str(PROJECT_DIR)}
    runs = [subprocess.Popen([sys.executable, "-m", "orchestration.cli", "run"], cwd=PROJECT_DIR, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = {run.pid: (*run.communicate(timeout=1200), run.returncode) for run in runs}

    by_code = {code: (pid, out, err) for pid, (out, err, code) in outputs.items()}
    assert sorted(by_code) == [cli.EXIT_PUBLISHED, cli.EXIT_LOCKED], outputs
    winner, out, err = by_code[cli.EXIT_PUBLISHED]
    _, lost_out, lost_err = by_code[cli.EXIT_LOCKED]
    assert f"pid {winner}," in last_error(lost_err) and lost_out == ""  # refused before anything

    # Nothing lost: the serving file is the winner's, whole.
    run_id = re.search(r"^Run (\w{8}) \(refresh.*PUBLISHED$", out, re.MULTILINE).group(1)
    with duckdb.connect(str(root / "serving.duckdb"), read_only=True) as con:
        published = con.execute("select run_id, as_of_date from run_log where status = 'published' "
                                "order by finished_at desc limit 1").fetchone()
        seen = dict((table, count) for table, count, _ in fingerprint(con))
    assert published[0].startswith(run_id) and published[1] == latest_complete_day()
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        built = {table: con.execute(f"select count(*) from {MARTS_SCHEMA}.{table}").fetchone()[0]
                 for table in PUBLIC_TABLES}
    # every public table whole (a table may be empty on this short dataset, e.g. renewals beyond it)
    assert {table: seen.get(table) for table in PUBLIC_TABLES} == built and sum(built.values()) > 0

    # A console for people: steps and progress, no dbt lines, no colour codes off a terminal.
    lines = out.splitlines()
    assert err == "" and "\x1b" not in out and len(lines) < 60
    assert "==> dbt build" in lines
    assert any(re.fullmatch(r"    dbt: \d+ of \d+ nodes done: .*", line) for line in lines)
    assert not any(re.match(r"\d+ of \d+ (START|OK)", line) for line in lines)
    log = Path(re.search(r"^Log of this run .*: (\S+)$", out, re.MULTILINE).group(1))
    assert log.parent == root / "logs" and re.search(r"^\d+ of \d+ OK ", log.read_text(), re.MULTILINE)
