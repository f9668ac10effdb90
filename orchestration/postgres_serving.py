"""Write, audit, publish on PostgreSQL: the public tables go to a serving database in one swap.

dbt builds every layer in the warehouse database (CS_PG_DATABASE), the checks run there, and only
then does `publish` copy the public tables into the schema `marts__next` of the serving database
(CS_PG_SERVING_DATABASE, on the same server) and swap it for `marts` in one transaction. The two
databases mirror the embedded default's warehouse and serving files: BI tools are given the serving
database only, so they never see dbt's half-built tables, a failed refresh, or the raw data.

The swap takes ACCESS EXCLUSIVE locks on the tables of the published `marts` before renaming the
schemas, so a query that already resolved an old table finishes on the old tables and one that
starts after the commit sees only new ones; no query is shown a mix. It waits at most
`SWAP_LOCK_TIMEOUT` for running queries (a long BI query makes the publish retry, it does not queue
readers behind it), then the old schema is dropped, or left for the next publish if still in use.
A publish that fails before the swap leaves `marts` exactly as it was.

CLI, after a successful `dbt build --target postgres`: `python -m orchestration.postgres_serving
[TABLE ...]` publishes the public tables (default: all of them) and prints the row counts.

The read-only role for BI tools (CS_PG_BI_ROLE, password CS_PG_BI_PASSWORD) is created here when
missing: it may connect to the serving database and select from the tables of `marts`, nothing else.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from orchestration import settings, warehouse
from orchestration.project import MARTS_SCHEMA, PUBLIC_TABLES

SERVING_SCHEMA = "marts"  # the public tables live in schema `marts` on a server warehouse
NEXT_SCHEMA = "marts__next"  # filled by a publish, renamed to `marts` by its swap
PREVIOUS_SCHEMA = "marts__previous"  # the replaced `marts`, dropped after the swap
SWAP_LOCK_TIMEOUT = "500ms"  # under PostgreSQL's 1 s deadlock_timeout: a publish gives way to readers
SWAP_ATTEMPTS = 20
SPOOL_IN_MEMORY_BYTES = 64 * 1024 * 1024  # a table's COPY stays in memory up to this size, then on disk


@dataclass(frozen=True)
class PublishResult:
    """What a publish put in the serving database."""

    database: str
    rows: dict[str, int]
    swap_attempts: int


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def connect_serving():  # -> psycopg2 connection
    """A connection to the serving database with the warehouse's credentials."""
    import psycopg2

    params = {**settings.postgres_settings(), "dbname": settings.postgres_serving_database()}
    return psycopg2.connect(**params, options="-c TimeZone=UTC")


def ensure_serving_database() -> None:
    """Create the serving database when it does not exist (needs the CREATEDB privilege then)."""
    name = settings.postgres_serving_database()
    if name == settings.postgres_settings()["dbname"]:
        raise ValueError("CS_PG_SERVING_DATABASE must differ from CS_PG_DATABASE: dbt's own `marts` is there")
    con = warehouse.connect_postgres()
    con.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with con.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(f"create database {_q(name)}")
    finally:
        con.close()


def ensure_bi_role(cur) -> str:
    """Create the BI role when missing (login, no other privilege), set its password when given."""
    role, password = settings.postgres_bi_role()
    cur.execute("select 1 from pg_roles where rolname = %s", [role])
    if cur.fetchone() is None:
        cur.execute(f"create role {_q(role)} login nosuperuser nocreatedb nocreaterole noinherit")
    if password is not None:
        cur.execute(f"alter role {_q(role)} password %s", [password])
    cur.execute(f"grant connect on database {_q(settings.postgres_serving_database())} to {_q(role)}")
    return role


def _columns_ddl(cur, table: str) -> str:
    """The warehouse table's columns with their exact types and NOT NULL constraints."""
    cur.execute(
        """
        select attribute.attname, format_type(attribute.atttypid, attribute.atttypmod), attribute.attnotnull
        from pg_attribute as attribute
        inner join pg_class as class on attribute.attrelid = class.oid
        inner join pg_namespace as namespace on class.relnamespace = namespace.oid
        where namespace.nspname = %s and class.relname = %s
            and attribute.attnum > 0 and not attribute.attisdropped
        order by attribute.attnum
        """,
        [MARTS_SCHEMA, table],
    )
    columns = cur.fetchall()
    if not columns:
        raise LookupError(f"{MARTS_SCHEMA}.{table} is not in the warehouse: build it before publishing")
    return ", ".join(
        f"{_q(name)} {type_}{' not null' if not_null else ''}" for name, type_, not_null in columns
    )


def _copy_table(source_cur, target_cur, table: str) -> int:
    """Copy one public table from the warehouse into NEXT_SCHEMA of the serving database (binary COPY)."""
    target = f"{_q(NEXT_SCHEMA)}.{_q(table)}"
    target_cur.execute(f"create table {target} ({_columns_ddl(source_cur, table)})")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        source_cur.copy_expert(f"copy {_q(MARTS_SCHEMA)}.{_q(table)} to stdout (format binary)", spool)
        spool.seek(0)
        target_cur.copy_expert(f"copy {target} from stdin (format binary)", spool)
    target_cur.execute(f"select count(*) from {target}")
    return target_cur.fetchone()[0]


def _swap(serving) -> int:
    """Rename `marts` to PREVIOUS_SCHEMA and NEXT_SCHEMA to `marts` in one transaction; the attempts."""
    import psycopg2.errors

    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with serving.cursor() as cur:
                cur.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
                cur.execute(
                    "select format('%%I.%%I', schemaname, tablename) from pg_tables where schemaname = %s",
                    [SERVING_SCHEMA],
                )
                published = [name for (name,) in cur.fetchall()]
                if published:
                    cur.execute(f"lock table {', '.join(published)} in access exclusive mode")
                cur.execute("select 1 from pg_namespace where nspname = %s", [SERVING_SCHEMA])
                if cur.fetchone() is not None:
                    cur.execute(f"alter schema {_q(SERVING_SCHEMA)} rename to {_q(PREVIOUS_SCHEMA)}")
                cur.execute(f"alter schema {_q(NEXT_SCHEMA)} rename to {_q(SERVING_SCHEMA)}")
            serving.commit()
            return attempt
        except psycopg2.errors.LockNotAvailable:
            serving.rollback()
            time.sleep(min(0.1 * attempt, 1.0))
    raise TimeoutError(f"no swap of {NEXT_SCHEMA}: readers held the {SERVING_SCHEMA} tables throughout")


def _drop_schema_if_free(serving, schema: str) -> None:
    """Drop a leftover schema unless a reader still uses it (then the next publish drops it)."""
    import psycopg2.errors

    try:
        with serving.cursor() as cur:
            cur.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            cur.execute(f"drop schema if exists {_q(schema)} cascade")
        serving.commit()
    except psycopg2.errors.LockNotAvailable:
        serving.rollback()


def publish(tables: Sequence[str]) -> PublishResult:
    """Copy `tables` from the warehouse's `marts` to the serving database and swap them in at once."""
    ensure_serving_database()
    source = warehouse.connect_postgres()
    serving = connect_serving()
    try:
        _drop_schema_if_free(serving, PREVIOUS_SCHEMA)
        rows: dict[str, int] = {}
        with source.cursor() as source_cur, serving.cursor() as cur:
            # a killed publish may have left its half-filled schema: start it afresh
            cur.execute(f"drop schema if exists {_q(NEXT_SCHEMA)} cascade")
            cur.execute(f"create schema {_q(NEXT_SCHEMA)}")
            role = ensure_bi_role(cur)
            for table in tables:
                rows[table] = _copy_table(source_cur, cur, table)
            cur.execute(f"grant usage on schema {_q(NEXT_SCHEMA)} to {_q(role)}")
            cur.execute(f"grant select on all tables in schema {_q(NEXT_SCHEMA)} to {_q(role)}")
        serving.commit()  # the new tables are complete; `marts` is still the old one
        source.rollback()  # the warehouse was only read
        attempts = _swap(serving)
        _drop_schema_if_free(serving, PREVIOUS_SCHEMA)
        return PublishResult(settings.postgres_serving_database(), rows, attempts)
    finally:
        source.close()
        serving.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.postgres_serving",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("tables", nargs="*", default=list(PUBLIC_TABLES), help="public tables to publish")
    args = parser.parse_args(argv)
    result = publish(args.tables)
    for table, rows in result.rows.items():
        print(f"{table:<30} {rows:>12,}")
    print(f"published {len(result.rows)} tables to {result.database}.{SERVING_SCHEMA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
