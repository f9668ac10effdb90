"""Write, audit, publish: what BI readers of the serving database can rely on (docs/contract.md).

1. A reader querying the serving database in a loop during a whole refresh never fails, is never
   blocked and never sees a mix of the old and the new tables.
2. A refresh whose blocking check fails leaves the serving file exactly as it was, and the run
   says which check failed and why.
3. A refresh killed half way (SIGKILL of the whole run, dbt included) leaves the serving file as it
   was and the next run succeeds; so does a publish killed while writing the new file.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration import runlog
from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import (
    add_bad_subscriptions,
    copy_base,
    drop_recent_usage,
    environment,
    environment_for,
    finish,
    fingerprint,
    latest_complete_day,
    refresh,
    refresh_process,
    use_next_landing,
)

pytestmark = pytest.mark.slow

READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb
    from tests.ops_pipeline import fingerprint

    serving, stop, mode = sys.argv[1:4]
    # "hold": one connection opened before the refresh and read throughout; "reopen": a new
    # connection per query, as a BI tool polling the file does. (Connections of one process share
    # one database instance in DuckDB, hence one process per mode.)
    held = duckdb.connect(serving, read_only=True) if mode == "hold" else None
    while not os.path.exists(stop):
        started = time.monotonic()
        try:
            con = held or duckdb.connect(serving, read_only=True)
            line = {"seen": fingerprint(con), "seconds": time.monotonic() - started}
            if con is not held:
                con.close()
        except Exception as error:  # any failure of a reader is what the test looks for
            line = {"error": repr(error)}
        print(json.dumps(line), flush=True)
        time.sleep(0.1)  # a few readings a second; the refresh needs the CPU too
    """
)


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _serving_fingerprint(path: Path) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return json.loads(json.dumps(fingerprint(con)))
    finally:
        con.close()


def test_reader_never_fails_nor_sees_a_mix_during_a_refresh(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    serving = root / "serving.duckdb"
    old = _serving_fingerprint(serving)
    use_next_landing(root)
    stop = tmp_path / "stop"
    logs = {mode: tmp_path / f"reader_{mode}.jsonl" for mode in ("reopen", "hold")}

    def lines(mode: str) -> list[dict]:
        complete = logs[mode].read_text().rpartition("\n")[0]  # not a line still being written
        return [json.loads(line) for line in complete.splitlines()]

    outputs = {mode: open(log, "w") for mode, log in logs.items()}
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(serving), str(stop), mode],
            cwd=PROJECT_DIR, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
            stdout=outputs[mode], stderr=subprocess.PIPE, text=True,
        )
        for mode in logs
    }
    try:
        _wait_for(lambda: all(len(lines(mode)) >= 3 for mode in logs))  # both read before the refresh
        result, _ = refresh(root)
        new = _serving_fingerprint(serving)
        _wait_for(lambda: sum(line.get("seen") == new for line in lines("reopen")) >= 3)  # and after it
    finally:
        stop.touch()
        errs = {mode: reader.communicate(timeout=60)[1] for mode, reader in readers.items()}
        for output in outputs.values():
            output.close()
    assert result.success
    assert new != old, "the refresh published nothing new: the test could not see a mix"

    for mode, reader in readers.items():
        readings = lines(mode)
        assert reader.returncode == 0, errs[mode]
        assert not [line["error"] for line in readings if "error" in line], readings[:3]
        assert max(line["seconds"] for line in readings) < 5, "a reader waited"
    seen = [line["seen"] for line in lines("reopen")]
    assert len(seen) > 20
    assert all(s in (old, new) for s in seen), "a reader saw a mix of old and new tables"
    switch = seen.index(new)  # old until the publish, new from then on, never back
    assert switch > 0 and all(s == old for s in seen[:switch]) and all(s == new for s in seen[switch:])
    # A connection opened before the publish keeps reading the old file, whole, to the end.
    assert all(line["seen"] == old for line in lines("hold"))


@pytest.mark.parametrize(
    ("breakage", "check_name", "why"),
    [
        (drop_recent_usage, "gx_raw_usage_events", "expect_table_row_count_to_be_between"),
        (add_bad_subscriptions, "rejects_within_limit", "out_of_range:mrr"),
    ],
    ids=["gx-drift", "too-broken"],
)
def test_failing_blocking_check_leaves_serving_untouched(tmp_path: Path, breakage, check_name: str,
                                                         why: str) -> None:
    root = copy_base(tmp_path / "data")
    serving = root / "serving.duckdb"
    before, modified = _digest(serving), serving.stat().st_mtime_ns
    breakage(root)

    result, instance = refresh(root)

    assert not result.success
    assert _digest(serving) == before and serving.stat().st_mtime_ns == modified
    assert not result.is_node_success("serving_database")
    entry = finish(root, instance, result.run_id)
    assert entry.status == runlog.FAILED
    failed = [c for c in entry.checks if c.outcome == "failed"]
    assert [c.check_name for c in failed] == [check_name], failed
    assert why in failed[0].description
    summary = runlog.summary(entry, str(serving))
    assert "FAILED" in summary and check_name in summary and why in summary
    assert "unchanged" in summary


def test_killed_refresh_leaves_serving_untouched_and_next_run_succeeds(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    serving = root / "serving.duckdb"
    before = _digest(serving)
    use_next_landing(root)

    run = refresh_process(root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    building = False
    try:
        for line in run.stdout:
            if "Running dbt command" in line:
                building = True
                break
        time.sleep(3)  # half way through the dbt build
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the run and its dbt process
        run.wait()
    assert building, "the run ended before dbt started"
    assert _digest(serving) == before

    result, _ = refresh(root)
    assert result.success
    con = duckdb.connect(str(serving), read_only=True)
    try:
        published = con.execute("select as_of_date from run_log where status = 'published' "
                                "order by finished_at desc limit 1").fetchone()[0]
    finally:
        con.close()
    assert published == latest_complete_day()


PUBLISHER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path
    from orchestration import runlog
    from orchestration.assets.publish import publish
    from orchestration.project import PUBLIC_TABLES

    # Hold the serving file's open transaction (its tables written, not committed) until the test
    # kills this process: on a small warehouse a real write is over before it can be caught.
    real_set_status = runlog.set_status
    def set_status_then_wait(con, run_id, status, schema=runlog.RUN_LOG_SCHEMA):
        real_set_status(con, run_id, status, schema)
        if schema != runlog.RUN_LOG_SCHEMA:
            time.sleep(600)
    runlog.set_status = set_status_then_wait

    warehouse, serving = Path(sys.argv[1]), Path(sys.argv[2])
    entry = runlog.RunEntry(run_id=sys.argv[3], job_name="refresh", status="publishing",
                            started_at=None, finished_at=None)
    publish(warehouse, serving, list(PUBLIC_TABLES), entry)
    """
)


def test_publish_killed_while_writing_leaves_serving_untouched(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    warehouse, serving = root / "warehouse.duckdb", root / "serving.duckdb"
    before = _digest(serving)
    env = {**os.environ, **environment_for(root), "PYTHONPATH": str(PROJECT_DIR)}
    writer = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(warehouse), str(serving), "killed-run"],
                              cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not list(root.glob(".serving.duckdb.*.tmp")) and writer.poll() is None:
        assert time.monotonic() < deadline, "the writer never started writing"
        time.sleep(0.001)
    assert writer.poll() is None, writer.communicate()[0].decode()
    writer.kill()
    writer.wait()
    assert list(root.glob(".serving.duckdb.*.tmp")), "the writer was not caught writing the new file"
    assert _digest(serving) == before

    with environment(environment_for(root)):
        from orchestration.assets.publish import publish
        from orchestration.project import PUBLIC_TABLES

        publish(warehouse, serving, list(PUBLIC_TABLES),
                runlog.RunEntry("next-run", "refresh", "publishing", None, None))
    assert not list(root.glob(".serving.duckdb.*.tmp*")), "the stray temporary file was not removed"
    con = duckdb.connect(str(serving), read_only=True)
    try:
        statuses = dict(con.execute("select run_id, status from run_log").fetchall())
    finally:
        con.close()
    assert statuses["next-run"] == runlog.PUBLISHED
    assert statuses.get("killed-run") != runlog.PUBLISHED
