"""Connections to the warehouses: the local DuckDB file (embedded default) and PostgreSQL.

DuckDB sessions are set to UTC because the raw contract's timestamps are UTC: a naive timestamp is read
as UTC and one with an offset is converted to UTC.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import settings


def connect_duckdb(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB database file (default: the working warehouse), or `":memory:"`."""
    target = str(path) if path is not None else str(settings.warehouse_path())
    if target != ":memory:" and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(target, read_only=read_only)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")  # no progress bars in logs
    return con


def connect_postgres():  # -> psycopg2.extensions.connection (imported lazily: DuckDB users do not need it)
    """Open a PostgreSQL connection from the CS_PG_* settings, with the session in UTC."""
    import psycopg2

    con = psycopg2.connect(**settings.postgres_settings(), options="-c TimeZone=UTC")
    return con
