"""The commands `make run` and `make dev` call: `python -m orchestration.cli run|dev`.

`run` materialises the whole asset graph through Dagster, in this process, recorded in the
Dagster instance under DAGSTER_HOME (so `make dev` shows its history): landing -> raw -> dbt ->
checks -> publish. Without options the dbt step computes the default as-of range (the whole
history on a first build, then from the day after the last day built to the latest complete day
of the data; see orchestration/as_of.py); `--as-of-date` or `--start/--end` ask for past days, in
one run. It prints a line per step with its progress (orchestration/console.py; `--verbose` adds
Dagster's and dbt's own lines, which the run's log file under the data folder keeps either way),
then the run's summary from the run log.

What a person can get wrong ends in one `error:` line that says what to do, never a traceback
(unless `--verbose`): an option value, a landing folder they named that is missing or empty, a
landing file that cannot be loaded, input too broken or a failed blocking check, another refresh
running. Exit status: 0 published, 1 nothing published, 2 a bad option, 3 another refresh holds
the lock (orchestration/run_lock.py; `--wait` waits for it instead). Demo data is generated only
into the default landing folder, or where `--demo` (`make demo`) asks for it.

`dev` serves the Dagster UI on 127.0.0.1 and stops it cleanly on Ctrl-C or SIGTERM. A shell that
starts a job in the background without job control sets SIGINT to "ignore" for it; Python then
installs no KeyboardInterrupt handler, `dagster dev` maps SIGTERM to the same ignored handler,
and the server cannot be stopped by a signal. So `dev` starts `dagster dev` in its own session
with default signal handlers, catches SIGINT/SIGTERM itself, and passes them on (then escalates).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration import run_lock, settings
from orchestration.preflight import UserError, check_warehouse_free, generate_demo_data, needs_demo_data

if TYPE_CHECKING:  # imported lazily below: Dagster takes seconds to import
    from dagster import DagsterInstance

    from orchestration.console import RunConsole
    from orchestration.runlog import RunEntry

DAGSTER_YAML = """\
# Dagster instance settings for `make run` / `make dev` (written once by orchestration/cli.py; edit freely).
telemetry:
  enabled: false
nux:
  enabled: false
# One run at a time: the run queue holds the schedule's, the sensor's and the UI's runs while one is
# in progress (a `make run` too: it is recorded here). Every run also takes the refresh lock
# (data/refresh.lock), which `make run` takes before it starts: DuckDB lets one process write the warehouse.
concurrency:
  runs:
    max_concurrent_runs: 1
# Marks runs whose process died (e.g. killed) as failed, so they do not hold the queue.
run_monitoring:
  enabled: true
"""
CLI_PID_TAG = "cs/cli_pid"
STOP_GRACE_SECONDS = 30
EXIT_PUBLISHED, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
LOGS_DIR = "logs"  # under the data folder: one log file per `cli run`


def prepare_environment(*, colour: bool = False) -> None:
    """Telemetry off; absolute data paths so dbt (run from the project folder) and Python agree."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DBT_PROFILES_DIR", str(settings.PROJECT_DIR))
    # dbt's lines go to a log file, and to the console with --verbose: colour only on a terminal.
    os.environ.setdefault("DBT_USE_COLORS", "true" if colour else "false")
    os.environ["CS_DATA_DIR"] = str(settings.data_dir())
    os.environ["CS_LANDING_DIR"] = str(settings.landing_dir())
    os.environ["CS_WAREHOUSE_PATH"] = str(settings.warehouse_path())
    os.environ["CS_SERVING_PATH"] = str(settings.serving_path())
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_orphaned_runs(instance: DagsterInstance) -> None:
    """Mark runs of an earlier `cli run` whose process died (e.g. SIGKILL) as failed in the UI."""
    from dagster import DagsterRunStatus, RunsFilter

    in_progress = instance.get_runs(
        RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
    )
    for run in in_progress:
        pid = run.tags.get(CLI_PID_TAG)
        if pid and not _pid_alive(int(pid)):
            instance.report_run_failed(run, f"the `cli run` process {pid} ended without finishing the run")


def dbt_step_config(args: argparse.Namespace) -> dict[str, object]:
    """The dbt step's run config for the as-of days asked for (checked here, so a typo fails at once)."""
    from orchestration import as_of

    try:
        as_of.Request.parse(args.as_of_date, args.start, args.end, args.full_refresh)
    except as_of.AsOfError as error:
        raise UserError(str(error)) from None
    options = {"as_of_date": args.as_of_date, "as_of_start": args.start, "as_of_end": args.end}
    config: dict[str, object] = {key: value for key, value in options.items() if value}
    if args.full_refresh:
        config["full_refresh"] = True
    return config


def closing_error(entry: RunEntry) -> str:
    """The one line a run that published nothing ends with (the summary above it has the details)."""
    failed = [c for c in entry.checks if c.outcome == "failed"]
    if failed:
        named = "; ".join(f"{c.asset_key} {c.check_name}" for c in failed[:3])
        named += "; ..." if len(failed) > 3 else ""
        return (f"nothing published: {len(failed)} blocking check(s) failed ({named}); what each found is "
                "above (and in ops.run_log_checks of the warehouse): fix the input and run again")
    first = entry.message.splitlines()[0] if entry.message else "the run failed; its log says why"
    return f"nothing published: {first}"


def log_path_for(run_id: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return settings.data_dir() / LOGS_DIR / f"refresh-{stamp}-{run_id[:8]}.log"


def run(args: argparse.Namespace) -> int:
    from orchestration.console import RunConsole

    try:
        step_config = dbt_step_config(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        generate = needs_demo_data(args.demo)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    prepare_environment(colour=args.verbose and sys.stdout.isatty())
    run_id = str(uuid.uuid4())
    with RunConsole(log_path_for(run_id), verbose=args.verbose, quiet=args.quiet) as console:
        def say_who(holder: run_lock.Holder) -> None:
            console.say(f"==> waiting for {holder.describe()} to finish (Ctrl-C gives up)", always=True)

        try:
            with run_lock.hold(run_id, "cli run", wait_seconds=math.inf if args.wait else 0, on_wait=say_who):
                return refresh(args, run_id, step_config, generate, console)
        except run_lock.LockHeld as held:
            console.error(f"{held.holder.describe()} is running on {settings.data_dir()}: wait for it to "
                          "finish, or run again with --wait to start when it is done")
            return EXIT_LOCKED
        except UserError as error:
            console.error(str(error))
            return EXIT_FAILED
        except KeyboardInterrupt:
            console.error(f"interrupted: nothing published, {settings.serving_path()} is unchanged")
            return EXIT_INTERRUPTED
        except Exception as error:  # a bug or an environment problem: the traceback is in the log
            console.log_only(traceback.format_exc())
            if args.verbose:
                traceback.print_exc()
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            console.error(f"{first} (unexpected; the traceback is in {console.log_path}, "
                          "or run with --verbose)")
            return EXIT_FAILED


def refresh(args: argparse.Namespace, run_id: str, step_config: dict[str, object], generate: bool,
            console: RunConsole) -> int:
    """The run itself, under the lock: demo data if asked, parse, the refresh job, its summary."""
    check_warehouse_free()
    if generate:
        generate_demo_data(console)
    elif args.demo:
        console.say(f"==> {settings.landing_dir()} holds files: loading them (no demo data generated)")
    with console.capturing():
        console.say("==> parsing the dbt project")
        from orchestration.project import prepare_manifest

        prepare_manifest(force=True)

        from dagster import DagsterInstance

        from orchestration import actions, quality, report, runlog
        from orchestration.definitions import defs, gx_checks

        instance = DagsterInstance.get()
        fail_orphaned_runs(instance)
        console.check_totals.update({checks.node_def.name: len(checks.check_keys) for checks in gx_checks})
        job = defs.resolve_job_def("refresh").with_logger_defs({"cli": console.logger_def()})
        run_config: dict = {"loggers": {"cli": {}}}
        if step_config:
            run_config["ops"] = {"dbt_models": {"config": step_config}}
        console.say(f"==> run {run_id[:8]} of the refresh job: {settings.landing_dir()} -> "
                    f"{settings.serving_path()} (Dagster home {instance.root_directory})")
        job.execute_in_process(instance=instance, run_config=run_config, run_id=run_id,
                               tags={CLI_PID_TAG: str(os.getpid())}, raise_on_error=False)
        entry = finish_run(instance, run_id)
    console.say("\n" + runlog.summary(entry, str(settings.serving_path())), always=True)
    if entry.status == runlog.PUBLISHED:
        console.say(quality.latest_summary(settings.serving_path()), always=True)
        page = report.report_path(settings.serving_path())
        if page.exists():
            console.say(f"Report page (opens offline in any browser): {page}", always=True)
    delivery = actions.counts_for_run(settings.warehouse_path(), run_id)
    if delivery is not None:
        console.say(delivery.summary(), always=True)
    console.say(f"Log of this run (Dagster's and dbt's lines): {console.log_path}", always=True)
    if entry.status == runlog.PUBLISHED:
        return EXIT_PUBLISHED
    console.error(closing_error(entry))
    return EXIT_FAILED


def finish_run(instance: DagsterInstance, run_id: str) -> RunEntry:
    """The run's stored record; a run that did not publish is recorded as failed first."""
    import duckdb

    from orchestration import runlog, warehouse

    try:
        con = warehouse.connect_duckdb()
    except duckdb.IOException as error:  # another program opened the warehouse during the run
        entry = runlog.collect(instance, run_id, runlog.FAILED)
        entry.message += f"\n(not recorded in the run log: {error})"
        return entry
    try:
        entry = runlog.read(con, run_id)
        if entry is None or entry.status != runlog.PUBLISHED:
            runlog.write(con, runlog.collect(instance, run_id, runlog.FAILED))
            entry = runlog.read(con, run_id)
    finally:
        con.close()
    return entry


def _default_signals() -> None:
    # In the child, before exec: undo an inherited "ignore" so Python installs its handlers.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(process: subprocess.Popen) -> None:
    """Ask `dagster dev` to shut down (it stops its webserver and daemon), then insist."""
    for sig, wait in ((signal.SIGINT, STOP_GRACE_SECONDS), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        try:
            if sig == signal.SIGINT:
                process.send_signal(sig)
            else:
                os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    # Whatever dagster dev left in its session (it normally leaves nothing).
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def dev(args: argparse.Namespace) -> int:
    prepare_environment()
    # No parse here: under `dagster dev` the code location parses the dbt project on every (re)load.
    port = args.port or settings.dagster_port()
    # No -m: run in the project folder, dagster dev loads the code location pyproject.toml names
    # ([tool.dagster]: cs_segmentation), the name the UI's links use.
    command = [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(port)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.PROJECT_DIR),
                                                                      os.environ.get("PYTHONPATH")]))}
    # The venv's bin first, so the dagster dev processes find the same dbt.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"==> Dagster UI on http://127.0.0.1:{port} (Ctrl-C stops it)", flush=True)
    process = subprocess.Popen(command, cwd=settings.PROJECT_DIR, env=env, start_new_session=True,
                               preexec_fn=_default_signals)
    while process.poll() is None and not stop.wait(0.5):
        pass
    if process.poll() is None:
        print("==> stopping the Dagster UI", flush=True)
        _stop(process)
    return 0 if stop.is_set() else (process.returncode or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="load, build, check and publish through Dagster")
    run_parser.add_argument("--as-of-date", help="compute this one as-of day (YYYY-MM-DD)")
    run_parser.add_argument("--start", help="first as-of day of a range (with --end)")
    run_parser.add_argument("--end", help="last as-of day of a range (with --start)")
    run_parser.add_argument("--full-refresh", action="store_true",
                            help="rebuild the daily models over the whole history")
    run_parser.add_argument("--demo", action="store_true",
                            help="generate the demo dataset into the landing folder when it holds no file")
    run_parser.add_argument("--wait", action="store_true",
                            help="when another refresh is running, wait for it instead of exiting")
    run_parser.add_argument("-v", "--verbose", action="store_true",
                            help="print Dagster's and dbt's own lines too, and tracebacks")
    run_parser.add_argument("-q", "--quiet", action="store_true",
                            help="print only the summary and errors")
    run_parser.set_defaults(handler=run)
    dev_parser = commands.add_parser("dev", help="serve the Dagster UI on 127.0.0.1")
    dev_parser.add_argument("--port", type=int, help="port (default CS_DAGSTER_PORT or 3000)")
    dev_parser.set_defaults(handler=dev)
    args = parser.parse_args(argv)
    return args.handler(args)


def quiet_shutdown() -> None:
    """Send stderr to /dev/null once everything is said: while the interpreter shuts down, DuckDB's
    bindings (nanobind) may print a screen of harmless "leaked instance" warnings, depending on
    what the garbage collector got to, after the last line a person should read."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())


if __name__ == "__main__":
    status = main()
    quiet_shutdown()
    sys.exit(status)
