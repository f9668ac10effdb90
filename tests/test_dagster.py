"""The Dagster code location: definitions, one whole run, a backfill by run config, schedule, sensor, `make dev`.

The whole-run test is the session's published base (tests/ops_pipeline.py): generated landing
files -> loader -> every dbt model and test -> GX suites -> publish, in this process.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterRun,
    DagsterRunStatus,
    build_schedule_context,
    build_sensor_context,
)

from orchestration import runlog, settings
from orchestration.contract import TABLES
from orchestration.definitions import defs
from orchestration.project import MARTS_SCHEMA, PUBLIC_TABLES, dbt_project
from orchestration.sensors import SETTLE_SECONDS, landing_listing
from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import (
    QUIET,
    copy_base,
    latest_complete_day,
    lock_held_elsewhere,
    published_base,
    refresh,
)


def _manifest_models() -> set[str]:
    """`schema/name` of every dbt model and seed that dbt materializes (the asset keys dagster-dbt gives
    them; ephemeral models are compiled into their consumers, so they are no assets)."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    nodes = manifest["nodes"].values()
    return {f"{n['schema']}/{n['name']}" for n in nodes
            if n["resource_type"] in ("model", "seed") and n["config"].get("materialized") != "ephemeral"}


def test_definitions_load_with_the_whole_graph() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert "landing_files" in keys and "serving_database" in keys
    assert {f"raw/{t}" for t in ("accounts", "subscriptions", "usage_events")} <= keys
    # Every dbt model and seed is an asset, picked up from the manifest.
    assert _manifest_models() <= keys
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("raw/accounts", "rejects_within_limit") in checks
    assert ("raw/usage_events", "gx_raw_usage_events") in checks
    assert any(name.startswith("unique_") or name.startswith("not_null") for _, name in checks)  # dbt tests
    # a singular test reading two models is a check of the one its meta names, not an observation
    assert (f"{MARTS_SCHEMA}/segment_summary_monthly", "segment_summary_ties_out_with_mrr_movements") in checks
    for table in PUBLIC_TABLES:
        assert (f"{MARTS_SCHEMA}/{table}", f"gx_public_{table}") in checks
    job = defs.resolve_job_def("refresh")
    assert job.partitions_def is None  # the as-of days are the dbt step's config, not partitions
    assert defs.resolve_schedule_def("daily_refresh").cron_schedule == settings.schedule_cron()
    assert {s.name for s in defs.sensors} == {"landing_files_sensor", "record_failed_runs"}


def test_whole_run_in_process_publishes_every_built_public_table() -> None:
    root = published_base()
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as warehouse:
        built = {t: warehouse.execute(f"select count(*) from {MARTS_SCHEMA}.{t}").fetchone()[0]
                 for t in PUBLIC_TABLES}
    with duckdb.connect(str(root / "serving.duckdb"), read_only=True) as serving:
        published = {t: serving.execute(f"select count(*) from main.{t}").fetchone()[0] for t in built}
        log = serving.execute("select status, as_of_date, rows_loaded, checks_failed from run_log").fetchall()
        raw = dict(serving.execute(
            "select table_name, rows_loaded from run_log_tables where layer = 'raw'"
        ).fetchall())
    assert built and published == built and all(built.values())
    assert log == [(runlog.PUBLISHED, latest_complete_day() - timedelta(days=1), sum(raw.values()), 0)]
    assert set(raw) == {t.name for t in TABLES}
    assert not (root / "serving.duckdb.wal").exists()


def test_a_backfilled_range_gives_the_same_rows_as_the_full_build(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    end = latest_complete_day() - timedelta(days=1)
    start = end - timedelta(days=2)
    daily = [t for t in PUBLIC_TABLES if t.endswith("_daily")]
    assert daily

    def rows() -> dict[str, list]:
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            return {t: con.execute(f"select * from {MARTS_SCHEMA}.{t} where as_of_date between ? and ? "
                                   f"order by all", [start, end]).fetchall() for t in daily}

    before = rows()
    config = {"as_of_start": start.isoformat(), "as_of_end": end.isoformat()}
    result, instance = refresh(root, run_config={**QUIET, "ops": {"dbt_models": {"config": config}}})
    assert result.success
    assert rows() == before and all(before.values())
    features = [e for e in result.get_asset_materialization_events()
                if e.asset_key == AssetKey([MARTS_SCHEMA, "account_features_daily"])]
    assert len(features) == 1
    metadata = features[0].materialization.metadata
    assert (metadata["as_of_start"].value, metadata["as_of_end"].value) == (start.isoformat(), end.isoformat())
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        table_rows = con.execute(f"select count(*) from {MARTS_SCHEMA}.account_features_daily").fetchone()[0]
    assert metadata["dagster/row_count"].value == table_rows  # the table's rows, read after the build
    assert runlog.collect(instance, result.run_id, runlog.PUBLISHED).as_of_range == f"{start}..{end}"


def test_a_request_that_cannot_be_met_fails_with_its_reason(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    after_the_data = (latest_complete_day() + timedelta(days=5)).isoformat()
    config = {"as_of_date": after_the_data}
    result, instance = refresh(root, run_config={**QUIET, "ops": {"dbt_models": {"config": config}}})
    assert not result.success
    message = runlog.collect(instance, result.run_id, runlog.FAILED).message
    assert f"as-of day {after_the_data} is after" in message


def test_a_run_dagster_launches_waits_for_the_refresh_lock(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    # A day after the data: the run fails fast, once it has the lock.
    config = {"as_of_date": (latest_complete_day() + timedelta(days=5)).isoformat()}
    with lock_held_elsewhere(root, seconds=5) as holder:
        started = time.monotonic()
        result, instance = refresh(root, run_config={**QUIET, "ops": {"dbt_models": {"config": config}}})
        waited = time.monotonic() - started
        assert holder.poll() is not None, "the run started while another process held the lock"
    assert waited >= 3
    messages = [record.user_message for record in instance.all_logs(result.run_id)]
    assert any("waiting for another refresh (run holder-r" in m for m in messages)
    assert not result.success  # and then it ran: its as-of day is after the data


def test_the_instance_queues_runs_one_at_a_time(tmp_path: Path) -> None:
    from dagster import DagsterInstance

    from orchestration.cli import DAGSTER_YAML

    (tmp_path / "dagster.yaml").write_text(DAGSTER_YAML)
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_schedule_refreshes_the_default_range() -> None:
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.execution_timezone == "UTC"
    result = schedule.evaluate_tick(build_schedule_context())
    assert [(r.partition_key, r.run_config) for r in result.run_requests] == [(None, {})]
    assert schedule.job_name == "refresh"


def test_landing_sensor_runs_once_per_new_set_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    (landing / "usage_events").mkdir(parents=True)
    monkeypatch.setenv("CS_LANDING_DIR", str(landing))
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    settled = time.time() - SETTLE_SECONDS - 5

    def add(relative: str, when: float = settled) -> None:
        path = landing / relative
        path.write_text("x")
        os.utime(path, (when, when))

    def tick(cursor: str | None):
        return sensor.evaluate_tick(build_sensor_context(cursor=cursor, definitions=defs))

    first = tick(None)
    assert isinstance(first.skip_message, str) and not first.run_requests  # nothing landed
    add("accounts.csv")
    add("usage_events/2025-06-01.parquet")
    add(".accounts.csv.partial")  # a file being copied in: skipped, like the loader skips it
    second = tick(None)
    assert len(second.run_requests) == 1 and second.run_requests[0].partition_key is None
    assert tick(second.cursor).skip_message  # same files: no second run
    add("usage_events/2025-06-02.parquet", when=time.time())  # still being written: wait
    assert tick(second.cursor).skip_message
    add("usage_events/2025-06-02.parquet")
    third = tick(second.cursor)
    assert len(third.run_requests) == 1
    assert third.run_requests[0].run_key != second.run_requests[0].run_key
    assert "usage_events/2025-06-02.parquet" in third.run_requests[0].tags["cs/new_files"]
    assert set(json.loads(third.cursor)) == set(landing_listing(landing))


def test_landing_sensor_does_not_rerun_what_the_last_publish_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first `make dev` after `make run`: no cursor yet, but the files were loaded by the publish."""
    landing, serving = tmp_path / "landing", tmp_path / "serving.duckdb"
    landing.mkdir()
    monkeypatch.setenv("CS_LANDING_DIR", str(landing))
    monkeypatch.setenv("CS_SERVING_PATH", str(serving))
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    loaded_at = time.time() - SETTLE_SECONDS - 60
    for name, when in (("accounts.csv", loaded_at - 10), ("subscriptions.csv", loaded_at + 5)):
        (landing / name).write_text("x")
        os.utime(landing / name, (when, when))
    con = duckdb.connect(str(serving))
    con.execute("create table run_log (run_id varchar, status varchar, started_at timestamp)")
    con.execute("insert into run_log values ('r1', ?, ?), ('r2', 'failed', ?)", [
        runlog.PUBLISHED,
        datetime.fromtimestamp(loaded_at, tz=timezone.utc).replace(tzinfo=None),
        datetime.fromtimestamp(loaded_at + 20, tz=timezone.utc).replace(tzinfo=None),
    ])
    con.close()
    result = sensor.evaluate_tick(build_sensor_context(cursor=None, definitions=defs))
    assert len(result.run_requests) == 1
    assert result.run_requests[0].tags["cs/new_files"] == "subscriptions.csv"  # arrived after the publish began
    (landing / "subscriptions.csv").unlink()
    again = sensor.evaluate_tick(build_sensor_context(cursor=None, definitions=defs))
    assert not again.run_requests and again.skip_message
    assert set(json.loads(again.cursor)) == {"accounts.csv"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ignore_interrupts() -> None:
    # What a non-interactive shell does to a background job: SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
def test_make_dev_serves_on_localhost_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CS_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "home"),
           "CS_DAGSTER_PORT": str(port), "PYTHONPATH": str(PROJECT_DIR)}
    for key in ("CS_LANDING_DIR", "CS_WAREHOUSE_PATH", "CS_SERVING_PATH"):
        env.pop(key, None)
    dev = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "dev"], cwd=PROJECT_DIR, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           preexec_fn=_ignore_interrupts, start_new_session=True)
    try:
        deadline, up = time.monotonic() + 180, False
        while time.monotonic() < deadline and dev.poll() is None and not up:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
                    up = response.status == 200
            except OSError:
                time.sleep(1)
        assert up, "the Dagster UI did not come up"
        assert _code_locations(port) == ["cs_segmentation"]  # the name pyproject.toml declares
        dev.send_signal(signal.SIGINT)
        out, _ = dev.communicate(timeout=90)
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    assert dev.returncode == 0, out[-2000:]
    assert _live_processes_with(env["DAGSTER_HOME"]) == [], "dagster dev left processes running"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)


def _code_locations(port: int) -> list[str]:
    query = json.dumps({"query": "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        entries = json.load(response)["data"]["workspaceOrError"]["locationEntries"]
    return [entry["name"] for entry in entries]


def _live_processes_with(marker: str) -> list[str]:
    """Running (not zombie) processes whose environment contains `marker` (Linux /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or marker.encode() not in (proc / "environ").read_bytes():
                continue
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def test_runs_killed_before_are_marked_failed(tmp_path: Path) -> None:
    from dagster import DagsterInstance

    from orchestration.cli import CLI_PID_TAG, fail_orphaned_runs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        orphan, alive = (
            instance.add_run(
                DagsterRun(job_name="refresh", status=DagsterRunStatus.STARTED, tags={CLI_PID_TAG: pid})
            )
            for pid in (str(dead.pid), str(os.getpid()))
        )
        fail_orphaned_runs(instance)
        assert instance.get_run_by_id(orphan.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == DagsterRunStatus.STARTED
