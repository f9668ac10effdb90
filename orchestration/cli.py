"""The commands `make run` and `make dev` call: `python -m orchestration.cli run|dev`.

`run` materialises the whole asset graph through Dagster, in this process, recorded in the
Dagster instance under DAGSTER_HOME (so `make dev` shows its history): landing -> raw -> dbt ->
checks -> publish. Without options the dbt step computes the default as-of range (the whole
history on a first build, then from the day after the last day built to the latest complete day
of the data; see orchestration/as_of.py); `--as-of-date` or `--start/--end` ask for past days, in
one run. It prints the run's summary from the run log and exits 1 when nothing was published.

`dev` serves the Dagster UI on 127.0.0.1 and stops it cleanly on Ctrl-C or SIGTERM. A shell that
starts a job in the background without job control sets SIGINT to "ignore" for it; Python then
installs no KeyboardInterrupt handler, `dagster dev` maps SIGTERM to the same ignored handler,
and the server cannot be stopped by a signal. So `dev` starts `dagster dev` in its own session
with default signal handlers, catches SIGINT/SIGTERM itself, and passes them on (then escalates).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration import settings

if TYPE_CHECKING:  # imported lazily below: Dagster takes seconds to import
    from dagster import DagsterInstance

    from orchestration.runlog import RunEntry

DAGSTER_YAML = """\
# Dagster instance settings for `make run` / `make dev` (written once by orchestration/cli.py; edit freely).
telemetry:
  enabled: false
nux:
  enabled: false
# One run at a time: DuckDB lets one process write the warehouse.
concurrency:
  runs:
    max_concurrent_runs: 1
# Marks runs whose process died (e.g. killed) as failed, so they do not hold the queue.
run_monitoring:
  enabled: true
"""
CLI_PID_TAG = "cs/cli_pid"
STOP_GRACE_SECONDS = 30


def prepare_environment() -> None:
    """Telemetry off; absolute data paths so dbt (run from the project folder) and Python agree."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DBT_PROFILES_DIR", str(settings.PROJECT_DIR))
    os.environ["CS_DATA_DIR"] = str(settings.data_dir())
    os.environ["CS_LANDING_DIR"] = str(settings.landing_dir())
    os.environ["CS_WAREHOUSE_PATH"] = str(settings.warehouse_path())
    os.environ["CS_SERVING_PATH"] = str(settings.serving_path())
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")


def ensure_landing_data() -> None:
    """Generate the demo dataset when the landing folder holds no file (a first `make run`).

    The demo's ground truth (each account's latent churn propensity, for benchmarks) goes to the
    folder `demo_truth` beside the landing folder (`data/demo_truth`), where no model reads it.
    """
    landing = settings.landing_dir()
    if landing.is_dir() and any(p.is_file() for p in landing.rglob("*")):
        return
    truth = landing.parent / "demo_truth"
    print(f"==> {landing} is empty: generating the demo dataset (ground truth in {truth})", flush=True)
    command = [sys.executable, "-m", "demo_data", "--out", str(landing), "--truth", str(truth)]
    subprocess.run(command, check=True)


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
        raise SystemExit(f"error: {error}") from None
    options = {"as_of_date": args.as_of_date, "as_of_start": args.start, "as_of_end": args.end}
    config: dict[str, object] = {key: value for key, value in options.items() if value}
    if args.full_refresh:
        config["full_refresh"] = True
    return config


def run(args: argparse.Namespace) -> int:
    step_config = dbt_step_config(args)
    prepare_environment()
    ensure_landing_data()
    print("==> parsing the dbt project", flush=True)
    from orchestration.project import prepare_manifest

    prepare_manifest(force=True)

    from dagster import DagsterInstance

    from orchestration import actions, quality, runlog
    from orchestration.definitions import defs

    instance = DagsterInstance.get()
    fail_orphaned_runs(instance)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if step_config:
        run_config["ops"] = {"dbt_models": {"config": step_config}}
    print(f"==> running the refresh job (Dagster home {instance.root_directory})", flush=True)
    result = defs.resolve_job_def("refresh").execute_in_process(
        instance=instance, run_config=run_config, tags={CLI_PID_TAG: str(os.getpid())}, raise_on_error=False
    )
    entry = finish_run(instance, result.run_id)
    print("\n" + runlog.summary(entry, str(settings.serving_path())), flush=True)
    if entry.status == runlog.PUBLISHED:
        print(quality.latest_summary(settings.serving_path()), flush=True)
    delivery = actions.counts_for_run(settings.warehouse_path(), result.run_id)
    if delivery is not None:
        print(delivery.summary(), flush=True)
    return 0 if entry.status == runlog.PUBLISHED else 1


def finish_run(instance: DagsterInstance, run_id: str) -> RunEntry:
    """The run's stored record; a run that did not publish is recorded as failed first."""
    import duckdb

    from orchestration import runlog, warehouse

    try:
        con = warehouse.connect_duckdb()
    except duckdb.IOException as error:  # e.g. a run of `make dev` holds the warehouse
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
    command = [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(port),
               "-m", "orchestration.definitions"]
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
    run_parser.set_defaults(handler=run)
    dev_parser = commands.add_parser("dev", help="serve the Dagster UI on 127.0.0.1")
    dev_parser.add_argument("--port", type=int, help="port (default CS_DAGSTER_PORT or 3000)")
    dev_parser.set_defaults(handler=dev)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
