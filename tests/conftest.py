"""Shared pytest fixtures.

Tests never touch the project's `./data`, `./target` or `./logs`: a test that loads or builds
anything asks for `isolated_env`, which points every path setting at its own tmp folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration import rules, settings
from tests.pg_server import PostgresServer, server_fixture


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point CS_DATA_DIR (so landing, warehouse and serving paths) and dbt's dirs at tmp; yield it."""
    data = tmp_path / "data"
    monkeypatch.setenv("CS_DATA_DIR", str(data))
    for var in ("CS_LANDING_DIR", "CS_WAREHOUSE_PATH", "CS_SERVING_PATH", "CS_REPORTING_CURRENCY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # dbt vars may read env vars (reporting_currency does): render them again under this env.
    rules.dbt_vars.cache_clear()
    yield data
    rules.dbt_vars.cache_clear()


@pytest.fixture
def landing(isolated_env: Path) -> Path:
    """An empty landing folder at `settings.landing_dir()`."""
    path = settings.landing_dir()
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the session (tests/pg_server.py), started on first use."""
    yield from server_fixture()


@pytest.fixture(autouse=True)
def _postgres_for_marked_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test marked `postgres` gets a new database on the session's cluster and CS_PG_* pointing at it,
    unless it sets up its own from `postgres_server`, or CS_PG_HOST points at a developer's server."""
    if (
        request.node.get_closest_marker("postgres") is None
        or "postgres_server" in request.fixturenames
        or "CS_PG_HOST" in os.environ
    ):
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    database = f"test_{abs(hash(request.node.nodeid)):x}"
    server.create_database(database)
    for key, value in server.env(database).items():
        monkeypatch.setenv(key, value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files marked `postgres` as a whole first: they take the longest, so a parallel run (`make test`)
    starts them at once instead of leaving one worker on them after the others are done."""
    def postgres_file(item: pytest.Item) -> bool:
        module = item.getparent(pytest.Module)
        return module is not None and any(m.name == "postgres" for m in module.own_markers)

    items.sort(key=lambda item: not postgres_file(item))
