"""Benchmark of the account features and MRR models at scale.

Generates a synthetic landing folder (default 20,000 accounts x 400 days), loads it into a
private DuckDB warehouse, then measures, each in its own process so wall time and peak memory
(max RSS) are its own:

1. the floor: DuckDB alone grouping `raw.usage_events` by account and day in one scan;
2. the full history build of `account_features_daily` and `mrr_movements` (and their parents);
3. a one-day incremental run after the full build: the latest complete day again, the range a
   daily refresh computes when nothing new arrived;
4. dbt's start-up: a run of one staging view, the fixed cost of any dbt invocation (Python
   imports, project load, connection, hooks) that a one-day run cannot shed;

and prints them with the targets: full build within 4x the floor, one-day run within 5% of the
full build, peak memory under 4 GiB. For the builds it also prints dbt's own elapsed time
(run_results.json: the models, without the start-up). Results also go to `<workdir>/results.json`.

    python bench/run.py [--accounts 20000] [--days 400] [--workdir bench/out] [--reuse-data]

The machine is shared in development: the load average at the start is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))  # run as a script from anywhere: the project's packages import
SELECTION = ["+account_features_daily", "+mrr_movements"]
GIB = 1024**3

# The groups are counted, not fetched, so Python does not add to the time.
FLOOR_SQL = """
select count(*), sum(events)
from (
    select account_id, cast(occurred_at as date) as activity_date, count(*) as events, sum(quantity) as quantity
    from raw.usage_events
    group by account_id, cast(occurred_at as date)
) as account_days
"""


@dataclass
class Measure:
    step: str
    wall_s: float
    cpu_s: float  # user + system time of the process and its threads: less sensitive to other load
    peak_rss_bytes: int
    dbt_elapsed_s: float | None = None  # dbt's own elapsed time (run_results.json), for dbt steps


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CS_DATA_DIR=str(workdir / "data"),
        CS_LANDING_DIR=str(workdir / "landing"),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def measured(step: str, command: list[str], env: dict[str, str]) -> Measure:
    """Run a command as a child process; its own wall time and peak RSS (os.wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stdout.write(output.decode(errors="replace")[-4000:])
        raise SystemExit(f"{step} failed: {' '.join(command)}")
    return Measure(step, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)  # ru_maxrss: KiB


def dbt_elapsed(workdir: Path) -> float:
    """dbt's elapsed time of its last invocation: the nodes and hooks, without its start-up."""
    return json.loads((workdir / "target" / "run_results.json").read_text())["elapsed_time"]


def dbt(*args: str) -> list[str]:
    return [str(PROJECT_DIR / ".venv" / "bin" / "dbt"), *args, "--project-dir", str(PROJECT_DIR), "--quiet"]


def as_of_vars(workdir: Path) -> str:
    """The as-of vars a refresh would pass now, judged by the selection's daily tables (the whole
    history on the first build, the latest day after it), as dbt's --vars JSON."""
    import duckdb

    from orchestration import as_of, project

    selected = [m for m in project.daily_models() if m[1] in ("account_features_daily", "int_revenue__mrr_daily")]
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        bounds = as_of.read_bounds(con, selected)
    return json.dumps(as_of.decide(bounds, as_of.Request()).dbt_vars())


def prepare_data(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Generate and load the landing data, unless --reuse-data finds a loaded warehouse."""
    warehouse = args.workdir / "data" / "warehouse.duckdb"
    if args.reuse_data and warehouse.exists():
        return
    shutil.rmtree(args.workdir / "landing", ignore_errors=True)
    (args.workdir / "data").mkdir(parents=True, exist_ok=True)
    warehouse.unlink(missing_ok=True)
    python = sys.executable
    for step, command in (
        ("generate", [python, "-m", "demo_data", "--accounts", str(args.accounts), "--days",
                      str(args.days), "--seed", str(args.seed), "--out", str(args.workdir / "landing")]),
        ("load", [python, "-m", "orchestration.loader", "--landing", str(args.workdir / "landing")]),
    ):
        result = measured(step, command, env)
        print(f"{step:<10} {result.wall_s:8.1f} s")


def reset_models(workdir: Path) -> None:
    """Drop everything dbt built (keep raw), so the full build is a first build."""
    import duckdb

    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb")) as con:
        for schema in ("staging", "intermediate", "marts", "rules", "ops"):
            con.execute(f"drop schema if exists {schema} cascade")


def floor_command(workdir: Path) -> list[str]:
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        f"con.execute({FLOOR_SQL!r}).fetchall()"
    )
    return [sys.executable, "-c", code, str(workdir / "data" / "warehouse.duckdb")]


def event_count(workdir: Path) -> int:
    import duckdb

    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from raw.usage_events").fetchone()[0]


def report(measures: dict[str, Measure], events: int, args: argparse.Namespace) -> dict:
    floor, full, day = measures["floor"], measures["full_history"], measures["one_day"]
    peak = max(full.peak_rss_bytes, day.peak_rss_bytes)
    checks = {
        "full_within_4x_floor": full.wall_s <= 4 * floor.wall_s,
        "one_day_within_5pct_of_full": day.wall_s <= 0.05 * full.wall_s,
        "peak_under_4_gib": peak < 4 * GIB,
    }
    print(f"\n{args.accounts:,} accounts x {args.days} days, {events:,} usage events; "
          f"{os.cpu_count()} CPUs, load average at start {args.load_average}")
    startup = measures["dbt_startup"]
    print(f"{'step':<14} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'dbt elapsed s':>14}")
    for m in measures.values():
        elapsed = f"{m.dbt_elapsed_s:14.1f}" if m.dbt_elapsed_s is not None else ""
        print(f"{m.step:<14} {m.wall_s:8.1f} {m.cpu_s:8.1f} {m.peak_rss_bytes / 2**20:9.0f} {elapsed}")
    print(f"full / floor   {full.wall_s / floor.wall_s:5.1f}x wall, {full.cpu_s / floor.cpu_s:5.1f}x CPU (target <= 4x)")
    print(f"one day / full {100 * day.wall_s / full.wall_s:5.1f}% wall, {100 * day.cpu_s / full.cpu_s:5.1f}% CPU (target <= 5%); "
          f"{100 * day.dbt_elapsed_s / full.dbt_elapsed_s:4.1f}% of dbt's elapsed time; "
          f"dbt's start-up alone is {100 * startup.wall_s / full.wall_s:4.1f}% of the full build")
    print(f"peak memory   {peak / GIB:5.2f} GiB (target < 4 GiB)")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'MISS'} {name}")
    return {"accounts": args.accounts, "days": args.days, "events": events, "cpus": os.cpu_count(),
            "load_average_at_start": args.load_average,
            "measures": {k: asdict(v) for k, v in measures.items()}, "checks": checks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "bench" / "out")
    parser.add_argument("--reuse-data", action="store_true", help="keep an already loaded warehouse in the workdir")
    args = parser.parse_args(argv)
    args.workdir = args.workdir.resolve()
    args.load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    env = _env(args.workdir)

    prepare_data(args, env)
    reset_models(args.workdir)
    measures = {"floor": measured("floor", floor_command(args.workdir), env)}
    subprocess.run(dbt("seed", "--select", "plan_features"), cwd=PROJECT_DIR, env=env, check=True)
    for step in ("full_history", "one_day"):
        measures[step] = measured(step, dbt("run", "--select", *SELECTION, "--vars", as_of_vars(args.workdir)), env)
        measures[step].dbt_elapsed_s = dbt_elapsed(args.workdir)
    measures["dbt_startup"] = measured("dbt_startup", dbt("run", "--select", "stg_raw__users"), env)

    results = report(measures, event_count(args.workdir), args)
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
