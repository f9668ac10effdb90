"""The same project on a real PostgreSQL server, against the embedded DuckDB default.

A throwaway cluster (tests/pg_server.py) gets the same generated landing files as a DuckDB
warehouse; the loader and `dbt build` (every seed, model, data test and unit test) run on both, and:
- every node of the PostgreSQL build succeeds;
- every public table (docs/contract.md) built holds the same rows on both engines: decimals (money,
  scores) exactly, floating-point ratios rounded (tests/compare_tables.py);
- the same book landed in connector shapes (Stripe, Salesforce, Segment, Zendesk), loaded and built in
  another PostgreSQL database with the source vars choosing those connectors, holds those rows too;
- publishing to the serving database swaps all public tables at once: a reader querying throughout
  two publishes is never refused and never sees one table's old rows beside another's new rows, and
  a publish that fails half way leaves the published tables as they were;
- the read-only BI role reads the published tables and nothing else (not raw, not dbt's layers).
The cluster is the session's `postgres_server` (tests/conftest.py).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
from dbt.cli.main import dbtRunner

from demo_data.generator import generate
from orchestration import as_of, postgres_serving
from orchestration.loader import load
from orchestration.project import MARTS_SCHEMA, PUBLIC_TABLES
from orchestration.settings import PROJECT_DIR
from tests.compare_tables import difference, normalised
from tests.support_dbt import sources_for
from tests.ops_pipeline import environment
from tests.pg_server import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ACCOUNTS, DAYS, SEED = 40, 150, 23
END = date(2025, 6, 30)  # last generated day of usage: in the past, so nothing is "in the future"
LOADED_AT = datetime(2025, 7, 1, 12)
WAREHOUSE_DB, SERVING_DB = "cs_warehouse", "cs_serving"
CONNECTOR_SHAPE, CONNECTOR_DB = "stripe,salesforce,segment,zendesk", "cs_warehouse_connectors"
BI_ROLE, BI_PASSWORD = "cs_bi_reader", "bi-secret"


def dbt_build(target: str, as_of_vars: str) -> list[Any]:
    """`dbt build` of the whole project on `target`; the results of every node."""
    result = dbtRunner().invoke(
        ["build", "--target", target, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--quiet", "--vars", as_of_vars]
    )
    if result.result is None:
        raise AssertionError(f"dbt build --target {target} did not run: {result.exception}")
    return list(result.result.results)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pg_landing")
    generate(ACCOUNTS, DAYS, SEED, path, end=END)
    return path


@pytest.fixture(scope="module")
def duckdb_root(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The landing files loaded into the embedded default's warehouse (raw tables only)."""
    root = tmp_path_factory.mktemp("pg_duckdb")
    load(landing, warehouse_path=root / "warehouse.duckdb", loaded_at=LOADED_AT)
    return root


@pytest.fixture(scope="module")
def as_of_vars(duckdb_root: Path) -> str:
    """The as-of vars of a first build of these raw tables (both engines build the same days)."""
    with duckdb.connect(str(duckdb_root / "warehouse.duckdb"), read_only=True) as con:
        bounds = as_of.read_bounds(con, [])
    # the short history's yearly subscriptions renew 7-12 months out: a year's horizon fills the forecast
    dbt_vars = as_of.decide(bounds, as_of.Request()).dbt_vars()
    return json.dumps({**dbt_vars, "renewal_forecast_horizon_days": 366})


@pytest.fixture(scope="module")
def duckdb_warehouse(duckdb_root: Path, as_of_vars: str) -> Path:
    """The embedded default built from the landing files."""
    env = {"CS_DATA_DIR": str(duckdb_root), "CS_WAREHOUSE_PATH": str(duckdb_root / "warehouse.duckdb"),
           "DBT_TARGET_PATH": str(duckdb_root / "target"), "DBT_LOG_PATH": str(duckdb_root / "logs")}
    with environment(env):
        failed = [r for r in dbt_build("dev", as_of_vars) if r.status not in ("success", "pass", "no-op")]
    assert not failed, [(r.node.unique_id, r.status, r.message) for r in failed]
    return duckdb_root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def pg_env(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The environment pointing the project at the cluster's warehouse and serving databases."""
    postgres_server.create_database(WAREHOUSE_DB)
    root = tmp_path_factory.mktemp("pg_dbt")
    env = {**postgres_server.env(WAREHOUSE_DB), "CS_PG_SERVING_DATABASE": SERVING_DB,
           "CS_PG_BI_ROLE": BI_ROLE, "CS_PG_BI_PASSWORD": BI_PASSWORD,
           "DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}
    with environment(env):
        yield env


@pytest.fixture(scope="module")
def pg_build(pg_env: dict[str, str], landing: Path, as_of_vars: str) -> list[Any]:
    """Load the same landing files into PostgreSQL and build the whole project there."""
    report = load(landing, target="postgres", loaded_at=LOADED_AT)
    assert report.rows_loaded > 0 and not report.too_broken
    return dbt_build("postgres", as_of_vars)


@pytest.fixture(scope="module")
def pg_connector_build(
    pg_env: dict[str, str], postgres_server: PostgresServer, as_of_vars: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[Any]:
    """The same book in connector shapes, loaded and built in a database of its own."""
    landing = tmp_path_factory.mktemp("pg_connector_landing")
    generate(ACCOUNTS, DAYS, SEED, landing, end=END, shape=CONNECTOR_SHAPE)
    postgres_server.create_database(CONNECTOR_DB)
    root = tmp_path_factory.mktemp("pg_connector_dbt")
    env = {**postgres_server.env(CONNECTOR_DB), "DBT_TARGET_PATH": str(root / "target")}
    with environment(env), sources_for(CONNECTOR_SHAPE):
        report = load(landing, target="postgres", loaded_at=LOADED_AT)
        assert report.rows_loaded > 0 and not report.too_broken
        return dbt_build("postgres", as_of_vars)


def pg_connect(server: PostgresServer, database: str, **kwargs: str):
    return server.connect(database, **kwargs)


def built_public_tables(duckdb_warehouse: Path) -> list[str]:
    """The public tables (docs/contract.md) that the project builds today."""
    with duckdb.connect(str(duckdb_warehouse)) as con:
        present = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall()}
    return [t for t in PUBLIC_TABLES if t in present]


def test_every_node_of_the_build_passes_on_postgres(pg_build: list[Any]) -> None:
    failed = [f"{r.node.unique_id}: {r.status}: {r.message}"
              for r in pg_build if r.status in ("error", "fail")]
    assert not failed, "\n".join(failed)
    assert all(r.status in ("success", "pass", "no-op") for r in pg_build), "nodes skipped after a failure"
    kinds = Counter(r.node.resource_type for r in pg_build)
    # the build really ran models, tests and unit tests there
    assert kinds["model"] > 0 and kinds["test"] > 0 and kinds["unit_test"] > 0, kinds


def test_public_tables_hold_the_same_rows_as_on_duckdb(
    pg_build: list[Any], duckdb_warehouse: Path, postgres_server: PostgresServer
) -> None:
    assert_same_rows(duckdb_warehouse, postgres_server, WAREHOUSE_DB)


def test_connector_shapes_on_postgres_hold_the_same_rows(
    pg_connector_build: list[Any], duckdb_warehouse: Path, postgres_server: PostgresServer
) -> None:
    failed = [f"{r.node.unique_id}: {r.status}: {r.message}"
              for r in pg_connector_build if r.status not in ("success", "pass", "no-op")]
    assert not failed, "\n".join(failed)
    assert_same_rows(duckdb_warehouse, postgres_server, CONNECTOR_DB)


def assert_same_rows(duckdb_warehouse: Path, postgres_server: PostgresServer, database: str) -> None:
    """Every public table built on DuckDB (contract shape) holds the same rows in PostgreSQL `database`."""
    tables = built_public_tables(duckdb_warehouse)
    assert "account_features_daily" in tables
    differences = []
    pg = pg_connect(postgres_server, database)
    try:
        with duckdb.connect(str(duckdb_warehouse)) as duck:
            for table in tables:
                frame = duck.execute(f"select * from {MARTS_SCHEMA}.{table}")
                columns = [d[0] for d in frame.description]
                on_duckdb = normalised(frame.fetchall())
                with pg.cursor() as cur:
                    cur.execute(f"select {', '.join(columns)} from {MARTS_SCHEMA}.{table}")
                    on_postgres = normalised(cur.fetchall())
                assert sum(on_duckdb.values()) > 0, f"{table} is empty: nothing would be compared"
                engines = ("DuckDB", "PostgreSQL")
                differences.append(difference(table, columns, on_duckdb, on_postgres, engines))
    finally:
        pg.close()
    differences = [d for d in differences if d]
    assert not differences, "\n".join(differences)


def published_counts(cur, tables: list[str]) -> tuple[int, ...]:
    """Row counts of every published table, in one statement (one snapshot, like a BI query)."""
    cur.execute("select " + ", ".join(f"(select count(*) from marts.{t})" for t in tables))
    return cur.fetchone()


def shrink_warehouse_marts(server: PostgresServer, tables: list[str]) -> None:
    """Make the next publish differ in every table: drop a few rows from each in the warehouse."""
    con = pg_connect(server, WAREHOUSE_DB)
    try:
        with con.cursor() as cur:
            for table in tables:
                cur.execute(f"delete from {MARTS_SCHEMA}.{table} where ctid in "
                            f"(select ctid from {MARTS_SCHEMA}.{table} limit 2)")
    finally:
        con.close()


def test_publish_swaps_every_table_at_once_under_a_reader(
    pg_build: list[Any], duckdb_warehouse: Path, postgres_server: PostgresServer
) -> None:
    tables = built_public_tables(duckdb_warehouse)
    first = postgres_serving.publish(tables)
    assert first.database == SERVING_DB and all(n > 0 for n in first.rows.values())
    before = tuple(first.rows[t] for t in tables)

    seen: Counter = Counter()
    errors: list[str] = []
    stop = threading.Event()

    def read_throughout() -> None:
        con = pg_connect(postgres_server, SERVING_DB, user=BI_ROLE, password=BI_PASSWORD)
        try:
            with con.cursor() as cur:
                while not stop.is_set():
                    try:
                        seen[published_counts(cur, tables)] += 1
                    except psycopg2.Error as error:  # what the test looks for
                        errors.append(repr(error))
        finally:
            con.close()

    reader = threading.Thread(target=read_throughout)
    reader.start()
    try:
        shrink_warehouse_marts(postgres_server, tables)
        second = postgres_serving.publish(tables)
    finally:
        stop.set()
        reader.join(timeout=60)
    after = tuple(second.rows[t] for t in tables)
    assert all(a == b - 2 for a, b in zip(after, before))
    assert not errors
    assert set(seen) <= {before, after}, f"a reader saw a mix of two publishes: {set(seen) - {before, after}}"
    assert seen[before] + seen[after] > 0

    con = pg_connect(postgres_server, SERVING_DB)
    try:
        with con.cursor() as cur:
            assert published_counts(cur, tables) == after
            cur.execute("select nspname from pg_namespace where nspname like 'marts%' order by 1")
            assert cur.fetchall() == [("marts",)]  # the swapped-out schema is gone
    finally:
        con.close()


def test_a_publish_failing_half_way_changes_nothing(
    pg_build: list[Any], duckdb_warehouse: Path, postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables = built_public_tables(duckdb_warehouse)
    postgres_serving.publish(tables)
    con = pg_connect(postgres_server, SERVING_DB)
    try:
        with con.cursor() as cur:
            published = published_counts(cur, tables)
            shrink_warehouse_marts(postgres_server, tables)
            copy_table = postgres_serving._copy_table
            copied: list[str] = []

            def copy_then_fail(source_cur: Any, target_cur: Any, table: str) -> int:
                if copied:
                    raise RuntimeError("killed half way")
                copied.append(table)
                return copy_table(source_cur, target_cur, table)

            monkeypatch.setattr(postgres_serving, "_copy_table", copy_then_fail)
            with pytest.raises(RuntimeError, match="killed half way"):
                postgres_serving.publish(tables)
            assert published_counts(cur, tables) == published
            monkeypatch.undo()
            # the next publish starts afresh and goes through
            rows = postgres_serving.publish(tables).rows
            assert published_counts(cur, tables) == tuple(rows[t] for t in tables) != published
    finally:
        con.close()


def test_the_bi_role_reads_the_public_tables_and_nothing_else(
    pg_build: list[Any], duckdb_warehouse: Path, postgres_server: PostgresServer
) -> None:
    tables = built_public_tables(duckdb_warehouse)
    published = postgres_serving.publish(tables).rows
    bi = pg_connect(postgres_server, SERVING_DB, user=BI_ROLE, password=BI_PASSWORD)
    try:
        with bi.cursor() as cur:
            # every row published (the tests before shrank the warehouse: a small table may be empty now)
            for table in tables:
                cur.execute(f"select count(*) from marts.{table}")
                assert cur.fetchone()[0] == published[table]
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"delete from marts.{tables[0]}")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("create table marts.mine (x int)")
    finally:
        bi.close()
    # in the warehouse database: no raw table, no dbt layer
    bi = pg_connect(postgres_server, WAREHOUSE_DB, user=BI_ROLE, password=BI_PASSWORD)
    try:
        with bi.cursor() as cur:
            for relation in ("raw.accounts", "raw.rejects", "staging.stg_raw__accounts",
                             f"{MARTS_SCHEMA}.account_features_daily", "rules.plan_features"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(f"select * from {relation} limit 1")
    finally:
        bi.close()
