"""Write the validated rows and the rejects into the warehouse, all or nothing.

Contract tables go to the schema `raw`, a connector's tables to a schema named after it
(`stripe.customer`), the rejects of every table to `raw.rejects`. A load replaces every table it
read and `raw.rejects` in one transaction, so loading the same files
twice gives the same tables and a failure leaves the previous load in place. Targets: the DuckDB
warehouse file (validation ran in it, as temporary tables, and the rows are inserted from them),
or PostgreSQL (validation ran in an in-memory DuckDB; the rows are exported to CSV and copied in
with `COPY`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import warehouse
from orchestration.contract import RAW_SCHEMA
from orchestration.loader.sql import ident

REJECTS_TABLE = "rejects"
REJECTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "varchar"),
    ("reason", "varchar"),
    ("record_key", "varchar"),
    ("record", "varchar"),
    ("source_file", "varchar"),
    ("loaded_at", "timestamp"),
)


@dataclass(frozen=True)
class Output:
    """One table to write: its schema and name, its typed columns and the SELECT that yields its rows."""

    name: str
    columns: tuple[tuple[str, str], ...]
    select: str
    schema: str = RAW_SCHEMA

    @property
    def qualified(self) -> str:
        return f"{ident(self.schema)}.{ident(self.name)}"


def _ddl(output: Output, *, if_not_exists: bool = False) -> str:
    columns = ", ".join(f"{ident(name)} {sql_type}" for name, sql_type in output.columns)
    exists = "if not exists " if if_not_exists else ""
    return f"create table {exists}{output.qualified} ({columns})"


def write_duckdb(con: duckdb.DuckDBPyConnection, outputs: list[Output]) -> None:
    """Replace the raw tables and the rejects in one transaction of the warehouse file."""
    con.execute("begin transaction")
    try:
        for schema in sorted({output.schema for output in outputs}):
            con.execute(f"create schema if not exists {ident(schema)}")
        for output in outputs:
            con.execute(f"drop table if exists {output.qualified}")
            con.execute(_ddl(output))
            con.execute(f"insert into {output.qualified} {output.select}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def write_postgres(con: duckdb.DuckDBPyConnection, outputs: list[Output], scratch: Path) -> None:
    """Export each table to CSV from DuckDB, then replace the PostgreSQL tables in one transaction.

    Tables are emptied and refilled rather than dropped, so the dbt views on them survive; a
    column the contract gained since a table was created is added to it.
    """
    exports = []
    for output in outputs:
        path = scratch / f"{output.schema}.{output.name}.csv"
        con.execute(f"copy ({output.select}) to '{path}' (format csv, header false)")
        exports.append((output, path))
    pg = warehouse.connect_postgres()
    try:
        with pg, pg.cursor() as cur:  # one transaction: committed on success, rolled back on error
            for schema in sorted({output.schema for output, _ in exports}):
                cur.execute(f"create schema if not exists {ident(schema)}")
            for output, path in exports:
                qualified = output.qualified
                cur.execute(_ddl(output, if_not_exists=True))
                # A table made by an older contract gets the columns added since (e.g. a new
                # optional column), so the views on it survive an upgrade too.
                for name, sql_type in output.columns:
                    cur.execute(f"alter table {qualified} add column if not exists {ident(name)} {sql_type}")
                cur.execute(f"truncate {qualified}")
                columns = ", ".join(ident(name) for name, _ in output.columns)
                with open(path, encoding="utf-8") as f:
                    cur.copy_expert(f"copy {qualified} ({columns}) from stdin with (format csv)", f)
    finally:
        pg.close()
