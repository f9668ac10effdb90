"""A small generated dataset, refreshed and published once per test session, for the pipeline tests.

`published_base()` generates the landing files, drops the last day of usage events (so a later
refresh with the full files has a new as-of day to publish), runs the whole refresh job in process
and returns the folder; tests work on a copy (`copy_base`), some after breaking its landing files
(`drop_recent_usage`, `add_bad_subscriptions`). The landing files, the warehouse and the serving
file live in temporary folders; dbt's artifacts go where DBT_TARGET_PATH says.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.settings import PROJECT_DIR

if TYPE_CHECKING:  # Dagster and the definitions are imported when a test first needs them
    from dagster import DagsterInstance, ExecuteInProcessResult

    from orchestration.runlog import RunEntry

ACCOUNTS, DAYS, SEED = 120, 150, 5
END = date(2025, 6, 30)  # last generated day; in the past, so no event is "in the future"
LANDING, NEXT_LANDING = "landing", "landing_next"  # what the base was built from / the full files
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
PROGRESS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def environment_for(root: Path) -> dict[str, str]:
    """The environment that points every part of the pipeline at `root`."""
    return {
        "CS_DATA_DIR": str(root),
        "CS_LANDING_DIR": str(root / LANDING),
        "CS_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "CS_SERVING_PATH": str(root / "serving.duckdb"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def refresh(root: Path, **options: Any) -> tuple[ExecuteInProcessResult, DagsterInstance]:
    """Run the refresh job in this process on `root` (options: tags, run_config)."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    with environment(environment_for(root)):
        instance = DagsterInstance.ephemeral()
        result = defs.resolve_job_def("refresh").execute_in_process(
            instance=instance, raise_on_error=False, run_config=options.pop("run_config", QUIET), **options
        )
    return result, instance


def finish(root: Path, instance: DagsterInstance, run_id: str) -> RunEntry:
    """What `make run` does after a run: record it (failed if it did not publish) and read it back."""
    from orchestration.cli import finish_run

    with environment(environment_for(root)):
        return finish_run(instance, run_id)


def drop_last_day(landing: Path) -> None:
    """Rewrite usage_events without the events of its last day."""
    path = landing / "usage_events.parquet"
    kept = path.with_name("usage_events.kept.parquet")
    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_parquet('{path}') where cast(occurred_at as date) < "
        f"(select max(cast(occurred_at as date)) from read_parquet('{path}'))) to '{kept}' (format parquet)"
    )
    con.close()
    os.replace(kept, path)


@lru_cache(maxsize=1)
def published_base() -> Path:
    """The session's published dataset (built on first use, removed at exit)."""
    from demo_data.generator import generate

    root = Path(tempfile.mkdtemp(prefix="cs_ops_base_"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    generate(ACCOUNTS, DAYS, SEED, root / NEXT_LANDING, end=END)
    shutil.copytree(root / NEXT_LANDING, root / LANDING)
    drop_last_day(root / LANDING)
    result, instance = refresh(root)
    if not result.success:
        from orchestration import runlog

        failure = runlog.collect(instance, result.run_id, runlog.FAILED).message
        raise RuntimeError(f"the base refresh failed:\n{failure}")
    return root


def copy_base(destination: Path) -> Path:
    """A private copy of the published base (landing files, warehouse, serving file)."""
    shutil.copytree(published_base(), destination, ignore=shutil.ignore_patterns("dagster_home"),
                    dirs_exist_ok=True)
    return destination


def use_next_landing(root: Path) -> None:
    """Replace the landing files with the full ones: one more day of usage to load and publish."""
    shutil.rmtree(root / LANDING)
    shutil.copytree(root / NEXT_LANDING, root / LANDING)


def drop_recent_usage(root: Path) -> None:
    """Lose 70% of the last week's usage events: a broken sync the loader cannot see, GX can."""
    path = root / LANDING / "usage_events.parquet"
    kept = path.with_name("usage_events.kept.parquet")
    con = duckdb.connect()
    con.execute(f"""
        copy (
            select * from read_parquet('{path}')
            where occurred_at <= (select max(occurred_at) from read_parquet('{path}')) - interval 7 day
               or hash(event_id) % 10 < 3
        ) to '{kept}' (format parquet)
    """)
    con.close()
    os.replace(kept, path)


def add_bad_subscriptions(root: Path) -> None:
    """Append subscriptions with a negative MRR, 20% of the table: input too broken to publish."""
    path = root / LANDING / "subscriptions.parquet"
    more = path.with_name("subscriptions.more.parquet")
    con = duckdb.connect()
    con.execute(f"""
        copy (
            select * from read_parquet('{path}')
            union all
            select * replace ('bad-' || subscription_id as subscription_id, -1 as mrr)
            from read_parquet('{path}') using sample 20 percent (bernoulli, 1)
        ) to '{more}' (format parquet)
    """)
    con.close()
    os.replace(more, path)


def fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """What a reader sees: per serving table its row count and latest as-of day, and the last publish."""
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' order by table_name"
    ).fetchall()]
    parts: list[Any] = []
    for table in tables:
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = ?",
            [table],
        ).fetchall()}
        as_of = "max(as_of_date)" if "as_of_date" in columns else "null"
        count, latest = con.execute(f"select count(*), {as_of} from main.{table}").fetchone()
        parts.append((table, count, str(latest)))
    return tuple(parts)


def refresh_process(root: Path, **popen: Any) -> subprocess.Popen:
    """A refresh of `root` in another process and session, so a test can kill the run whole (dbt too)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.Popen([sys.executable, "-m", "tests.ops_pipeline", str(root)], cwd=PROJECT_DIR, env=env,
                            start_new_session=True, **popen)


HOLDER = """
import sys, time
from orchestration import run_lock
with run_lock.hold("holder-run-id", "a test"):
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


@contextmanager
def lock_held_elsewhere(root: Path, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process holds the refresh lock of `root` for `seconds` (run id "holder-run-id")."""
    env = {**os.environ, **environment_for(root), "PYTHONPATH": str(PROJECT_DIR)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(seconds)], cwd=PROJECT_DIR, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def latest_complete_day() -> date:
    """The as-of day of the full landing files (the base was published one day earlier)."""
    return END - timedelta(days=1)


if __name__ == "__main__":  # used by refresh_process
    refresh(Path(sys.argv[1]), run_config=PROGRESS)
