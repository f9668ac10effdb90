"""Read a raw table's landing files into a temporary table of text, in file order.

`_text_<table>` holds the contract's columns as text (a column a file may lack, and lacks, is
null) with the index of the file each row came from; `_malformed_<table>` the CSV lines that could
not be split into the header's fields (they become `malformed_line` rejects). Parquet values are
cast to text, so both formats are checked alike (`validate`).
"""

from __future__ import annotations

import duckdb

from orchestration.contract import Table
from orchestration.loader.landing import LandingError, SourceFile
from orchestration.loader.sql import ident, literal

MALFORMED_LINE = "malformed_line"
_CSV_DIALECT = "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"


def read_text(con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile]) -> None:
    """Create `_text_<table>`: the contract's columns as text, with the file index, in file order."""
    columns = ", ".join(f"{ident(c)} varchar" for c in table.column_names)
    text_table = ident("_text_" + table.slug)
    con.execute(f"create or replace temp table {text_table} ({columns}, _file_index integer)")
    con.execute(f"create or replace temp table {ident('_malformed_' + table.slug)} "
                "(_file_index integer, line bigint, csv_line varchar, error varchar)")
    # One read per file keeps each file's rows in order (insertion order is preserved) and
    # numbered by its index; a folder of many drops costs one scan each, no more.
    for index, source in enumerate(files):
        try:
            if source.format == "csv":
                _read_csv(con, table, source, index)
            else:
                _read_parquet(con, table, source, index)
        except duckdb.Error as exc:
            # A file the reader cannot walk through at all (not a bad line: those are rejects).
            message = str(exc).strip().splitlines()[0]
            raise LandingError(
                f"cannot load the landing folder:\n  {table.label}: cannot read {source.relative}: {message}"
            ) from exc


def _projection(table: Table, source: SourceFile, text: str) -> str:
    """The file's values of the contract's columns; a column the file lacks (allowed) is null."""
    return ", ".join(
        text.format(ident(c)) if c in source.columns else f"null::varchar as {ident(c)}"
        for c in table.column_names
    )


def _read_parquet(con: duckdb.DuckDBPyConnection, table: Table, source: SourceFile, index: int) -> None:
    projection = _projection(table, source, "cast({0} as varchar)")
    con.execute(
        f"insert into {ident('_text_' + table.slug)} select {projection}, {index} from read_parquet(?)",
        [str(source.path)],
    )


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, source: SourceFile, index: int) -> None:
    header = "{" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in source.columns) + "}"
    projection = _projection(table, source, "{0}")
    con.execute(
        f"insert into {ident('_text_' + table.slug)} select {projection}, {index} "
        f"from read_csv(?, {_CSV_DIALECT}, columns = {header}, store_rejects = true, "
        "rejects_table = '_csv_errors', rejects_scan = '_csv_scans')",
        [str(source.path)],
    )
    # A line may carry several parser errors (one per missing field): it is one malformed row.
    con.execute(
        f"insert into {ident('_malformed_' + table.slug)} "
        f"select {index}, line, trim(any_value(csv_line), chr(13) || chr(10)), "
        "arg_min(error_message, coalesce(column_idx, 0)) "
        "from _csv_errors group by line order by line"
    )
    con.execute("drop table if exists _csv_errors")
    con.execute("drop table if exists _csv_scans")
