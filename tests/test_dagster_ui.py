"""The Dagster UI as a person meets it after `make run`: `make dev` on the published data shows the
asset graph and the run, rendered by headless Chromium (screenshots kept under the test's folder),
and starting it launches no run of files the publish already loaded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import copy_base, environment_for
from tests.test_dagster import _free_port
from tests.test_report import headless


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def runs(port: int) -> list[dict]:
    return graphql(port, "{ runsOrError { ... on Runs { results { runId status jobName } } } }")["runsOrError"]["results"]


def visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", page))


def render(url: str, shot: Path) -> str:
    budget = ["--window-size=1600,1000", "--virtual-time-budget=30000"]  # time for the app's queries
    done = headless(*budget, f"--screenshot={shot}", url)
    assert done.returncode == 0 and shot.stat().st_size > 20_000, done.stderr[-2000:]
    dom = headless(*budget, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return visible_text(dom.stdout)


@pytest.mark.slow
def test_the_ui_shows_the_asset_graph_and_the_published_run(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "data")
    port = _free_port()
    env = {**os.environ, **environment_for(root), "CS_DAGSTER_PORT": str(port), "PYTHONPATH": str(PROJECT_DIR)}
    # what a person did first: a `make run` (its run is kept in the Dagster home the UI reads)
    made = subprocess.run([sys.executable, "-m", "orchestration.cli", "run", "--quiet"], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    dev = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "dev"], cwd=PROJECT_DIR, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert time.monotonic() < deadline and dev.poll() is None, "the Dagster UI did not come up"
            try:
                published = runs(port)
                break
            except OSError:
                time.sleep(1)
        assert [r["status"] for r in published] == ["SUCCESS"]

        graph = render(f"http://127.0.0.1:{port}/asset-groups", tmp_path / "asset_graph.png")
        for text in ("Global asset lineage", "raw", "staging", "intermediate", "marts", "serving", "Materialize all"):
            assert text in graph, text
        run_id = published[0]["runId"]
        run = render(f"http://127.0.0.1:{port}/runs/{run_id}", tmp_path / "run.png")
        for text in (run_id[:8], "Success", "refresh", "raw_tables", "dbt_models"):
            assert text in run, text

        # the landing sensor ticks at start and then every minute: the published files start nothing
        time.sleep(75)
        assert [r["runId"] for r in runs(port)] == [run_id]
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
