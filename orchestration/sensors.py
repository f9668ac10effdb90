"""Sensors: a run when new landing files arrive, and a run-log record for every failed run.

The landing sensor's cursor is the set of files it has seen (path -> size and modification
time), so a file starts a run once; with no cursor yet (a first `make dev` after `make run`), the
files older than the start of the last published run count as seen: that run loaded them; the run key is a digest of the whole listing, so the same
files never start two runs even if the cursor is reset. Files still being written are left for
the next tick: a file counts once it has not changed for `SETTLE_SECONDS`. Names starting with `.`
or `_` are partial or marker files and are skipped, as the loader skips them.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
import hashlib
import json
import time
from datetime import timezone
from pathlib import Path

import duckdb

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    run_failure_sensor,
    sensor,
)

from orchestration import run_lock, runlog, settings, warehouse
from orchestration.jobs import refresh_job

SETTLE_SECONDS = 30
# How long the failure record waits for a refresh that holds the lock: within a sensor tick's 60 s.
RECORD_WAIT_SECONDS = 40


def landing_listing(landing: Path, now: float | None = None) -> dict[str, str]:
    """`relative path -> "size:mtime_ns"` of the settled, visible files under the landing folder."""
    if not landing.is_dir():
        return {}
    now = time.time() if now is None else now
    listing = {}
    for path in landing.rglob("*"):
        relative = path.relative_to(landing)
        if not path.is_file() or any(part.startswith((".", "_")) for part in relative.parts):
            continue
        stat = path.stat()
        if now - stat.st_mtime >= SETTLE_SECONDS:
            listing[relative.as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return listing


def last_published_start(serving: Path) -> float | None:
    """When the last published run started (epoch seconds), from the serving file's run log (read
    only: readers never wait for a refresh); none before the first publish."""
    if not serving.exists():
        return None
    try:
        con = duckdb.connect(str(serving), read_only=True)
        try:
            started = con.execute(
                "select max(started_at) from run_log where status = ?", [runlog.PUBLISHED]
            ).fetchone()[0]
        finally:
            con.close()
    except duckdb.Error:
        return None
    return started.replace(tzinfo=timezone.utc).timestamp() if started else None


def loaded_by_last_publish(listing: dict[str, str], published_start: float | None) -> dict[str, str]:
    """The files of the listing that were in place when the last published run started (it loaded them)."""
    if published_start is None:
        return {}
    return {path: signature for path, signature in listing.items()
            if int(signature.split(":")[1]) / 1e9 < published_start}


def new_files(listing: dict[str, str], seen: dict[str, str]) -> list[str]:
    """Files that are new or changed since the cursor's listing."""
    return sorted(path for path, signature in listing.items() if seen.get(path) != signature)


@sensor(
    name="landing_files_sensor",
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a refresh when new or changed files arrive in the landing folder (CS_LANDING_DIR).",
)
def landing_files_sensor(context: SensorEvaluationContext) -> SensorResult:
    listing = landing_listing(settings.landing_dir())
    if context.cursor:
        seen = json.loads(context.cursor)
    else:
        seen = loaded_by_last_publish(listing, last_published_start(settings.serving_path()))
    arrived = new_files(listing, seen)
    if not arrived:
        return SensorResult(skip_reason=f"no new files in {settings.landing_dir()}",
                            cursor=json.dumps(listing, sort_keys=True))
    digest = hashlib.sha256(json.dumps(sorted(listing.items())).encode()).hexdigest()[:16]
    return SensorResult(
        run_requests=[
            RunRequest(run_key=f"landing-{digest}", tags={"cs/new_files": ", ".join(arrived)[:500]}),
        ],
        cursor=json.dumps(listing, sort_keys=True),
    )


@run_failure_sensor(
    name="record_failed_runs",
    monitored_jobs=[refresh_job],
    default_status=DefaultSensorStatus.RUNNING,
    description="Writes the run-log record (warehouse ops.run_log) of a refresh that failed.",
)
def record_failed_runs(context: RunFailureSensorContext) -> None:
    entry = runlog.collect(context.instance, context.dagster_run.run_id, runlog.FAILED)
    # Under the refresh lock: the next run may already be writing the warehouse. When that run holds
    # it longer, the tick fails saying which run holds it (the run stays failed in Dagster).
    with run_lock.hold(entry.run_id, "the failed-run record", wait_seconds=RECORD_WAIT_SECONDS):
        con = warehouse.connect_duckdb()
        try:
            runlog.write(con, entry)
        finally:
            con.close()
