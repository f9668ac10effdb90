"""Read the landing files as text, type them and check the raw contract, in set-based DuckDB SQL.

Everything is read as text first, then typed with `try_cast`, so a bad value becomes a rejected
row, never a crash. The work happens in temporary tables of the DuckDB connection: `_text_<table>`
(the contract's columns as text, in file order), `_malformed_<table>` (CSV lines that could not be
split) and `_checked_<table>` (typed columns and the reason a row is rejected, null when accepted).

A rejected row goes to the shared table `raw.rejects` (`table_name`, `reason`, `record_key`,
`record` = JSON of the row's original values of the contract's columns, `source_file` relative to
the landing folder, `loaded_at`) with the FIRST reason that applies, checked in this order:

1. `malformed_line`: a CSV line that cannot be split into the header's fields (the record holds
   the line number, text and parser error);
2. `null_key`: the key is null or empty;
3. `unparseable:<column>`: a value that does not cast to the column's type (columns in order);
4. `null:<column>`: a non-nullable column is null;
5. `not_accepted:<column>`: a value outside the column's enumeration;
6. `out_of_range:<column>`: a number below the column's minimum or above its maximum;
7. `foreign_currency`: `currency` is not the dbt var `reporting_currency`;
8. the table's `row_rules` in contract order (e.g. `ended_on_before_started_on`,
   `occurred_in_future`: after the load timestamp `loaded_at`);
9. `duplicate_key`: among the rows that passed 1-8, one row per key is kept (the latest
   `updated_at` when the table has it, then the last file, then the last row of that file), so a
   row re-sent in a later drop is an update; a bad update leaves the earlier good row in place;
10. `unknown_account_id`: a child row whose `account_id` is not among the accepted accounts.

Values are normalised before the checks: text is trimmed, an empty string is null, enumeration
values are lower-cased and `currency` upper-cased; timestamps with an offset are converted to UTC,
naive ones are UTC. Extra columns are ignored.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.contract import (
    BOOLEAN,
    DATE,
    INT,
    NUMERIC,
    SQL_TYPES,
    TABLES,
    TEXT,
    TIMESTAMP,
    Column,
    Table,
)
from orchestration.loader.landing import Landing, LandingError, SourceFile
from orchestration.loader.report import TableReport
from orchestration.loader.sql import ident, literal, timestamp_literal
from orchestration.loader.write import REJECTS_COLUMNS, REJECTS_TABLE, Output

MALFORMED_LINE = "malformed_line"
NULL_KEY = "null_key"
FOREIGN_CURRENCY = "foreign_currency"
DUPLICATE_KEY = "duplicate_key"
UNKNOWN_ACCOUNT_ID = "unknown_account_id"

_BLANKS = "' ' || chr(9)"  # trimmed from text values: spaces and tabs
_CSV_DIALECT = "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"


def validate_tables(
    con: duckdb.DuckDBPyConnection, landing: Landing, currency: str, loaded_at: datetime
) -> tuple[dict[str, TableReport], list[Output]]:
    """Type and check every table in temporary tables; return the reports and what to write."""
    reports: dict[str, TableReport] = {}
    outputs: list[Output] = []
    rejects: list[str] = []
    # Accounts first: the other tables' account_id is checked against the accepted accounts.
    for table in sorted(TABLES, key=lambda t: t.account_fk):
        files = landing.files[table.name]
        _read_text(con, table, files)
        _check(con, table, currency, loaded_at)
        reports[table.name] = _table_report(con, table, files)
        outputs.append(_accepted_output(table))
        rejects.append(_rejects_sql(table, files, loaded_at))
    outputs.append(_rejects_output(rejects))
    return {t.name: reports[t.name] for t in TABLES}, outputs


def latest_event_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest accepted `usage_events.occurred_at`, once `validate_tables` ran."""
    sql = "select max(occurred_at) from _checked_usage_events where _reason is null"
    return con.execute(sql).fetchone()[0]


# ---------------------------------------------------------------------------------- reading


def _read_text(con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile]) -> None:
    """Create `_text_<table>`: the contract's columns as text, with the file index, in file order."""
    columns = ", ".join(f"{ident(c)} varchar" for c in table.column_names)
    text_table = ident("_text_" + table.name)
    con.execute(f"create or replace temp table {text_table} ({columns}, _file_index integer)")
    con.execute(f"create or replace temp table {ident('_malformed_' + table.name)} "
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
                f"cannot load the landing folder:\n  {table.name}: cannot read {source.relative}: {message}"
            ) from exc


def _read_parquet(con: duckdb.DuckDBPyConnection, table: Table, source: SourceFile, index: int) -> None:
    projection = ", ".join(f"cast({ident(c)} as varchar)" for c in table.column_names)
    con.execute(
        f"insert into {ident('_text_' + table.name)} select {projection}, {index} from read_parquet(?)",
        [str(source.path)],
    )


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, source: SourceFile, index: int) -> None:
    header = "{" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in source.columns) + "}"
    projection = ", ".join(ident(c) for c in table.column_names)
    con.execute(
        f"insert into {ident('_text_' + table.name)} select {projection}, {index} "
        f"from read_csv(?, {_CSV_DIALECT}, columns = {header}, store_rejects = true, "
        "rejects_table = '_csv_errors', rejects_scan = '_csv_scans')",
        [str(source.path)],
    )
    # A line may carry several parser errors (one per missing field): it is one malformed row.
    con.execute(
        f"insert into {ident('_malformed_' + table.name)} "
        f"select {index}, line, trim(any_value(csv_line), chr(13) || chr(10)), "
        "arg_min(error_message, coalesce(column_idx, 0)) "
        "from _csv_errors group by line order by line"
    )
    con.execute("drop table if exists _csv_errors")
    con.execute("drop table if exists _csv_scans")


# --------------------------------------------------------------------------------- checking


def _normalise_sql(table: Table, col: Column) -> str:
    text = f"nullif(trim(t.{ident(col.name)}, {_BLANKS}), '')"
    if col.accepted_values is not None:
        return f"lower({text})"
    if table.has_currency and col.name == "currency":
        return f"upper({text})"
    return text


def _cast_sql(col: Column, text: str) -> str:
    if col.type == TEXT:
        return text
    if col.type == INT:
        # try_cast to bigint rounds '3.5' to 4; an int column accepts only whole numbers ('3.0' is 3).
        return f"case when try_cast({text} as double) % 1 = 0 then try_cast({text} as bigint) end"
    if col.type == TIMESTAMP:
        # Through timestamptz so an offset is honoured; the session is UTC, so naive values are UTC.
        return f"try_cast(try_cast({text} as timestamptz) as timestamp)"
    if col.type in (NUMERIC, BOOLEAN, DATE):
        return f"try_cast({text} as {SQL_TYPES[col.type]})"
    raise ValueError(f"no cast for contract type {col.type!r}")


def _reason_sql(table: Table, currency: str, loaded_at: datetime) -> str:
    """CASE expression giving the first contract rule a typed row breaks (checks 2-8), else null."""
    whens = [(f"{ident(table.key)} is null", NULL_KEY)]
    whens += [
        (f"{ident('_text_' + c.name)} is not null and {ident(c.name)} is null", f"unparseable:{c.name}")
        for c in table.columns
        if c.type != TEXT
    ]
    whens += [(f"{ident(c.name)} is null", f"null:{c.name}") for c in table.columns if not c.nullable]
    whens += [
        (f"{ident(c.name)} not in ({', '.join(literal(v) for v in c.accepted_values)})",
         f"not_accepted:{c.name}")
        for c in table.columns
        if c.accepted_values is not None
    ]
    whens += [(bounds, f"out_of_range:{c.name}") for c in table.columns if (bounds := _bounds_sql(c))]
    if table.has_currency:
        whens.append((f"currency <> {literal(currency)}", FOREIGN_CURRENCY))
    whens += [
        (f"coalesce(({predicate.format(loaded_at=timestamp_literal(loaded_at))}), false)", name)
        for name, predicate in table.row_rules
    ]
    lines = "\n".join(f"            when {condition} then {literal(reason)}" for condition, reason in whens)
    return f"case\n{lines}\n        end"


def _bounds_sql(col: Column) -> str:
    """The condition of a value out of the column's range, or "" when it has none."""
    bounds = [f"{ident(col.name)} < {col.min_value}" if col.min_value is not None else None,
              f"{ident(col.name)} > {col.max_value}" if col.max_value is not None else None]
    return " or ".join(b for b in bounds if b)


def _latest_first(table: Table) -> str:
    """The order in which a key's accepted rows compete: the first one is kept."""
    latest_first = "_file_index desc, _row desc"
    if "updated_at" in table.column_names:
        latest_first = "updated_at desc nulls last, " + latest_first
    return latest_first


def _unknown_account_sql(table: Table) -> str:
    """A CASE branch rejecting a child row whose account was not accepted ("" for accounts)."""
    if not table.account_fk:
        return ""
    return (
        f"when account_id not in (select account_id from {ident('_checked_accounts')} where _reason is null) "
        f"then {literal(UNKNOWN_ACCOUNT_ID)}"
    )


def _check(con: duckdb.DuckDBPyConnection, table: Table, currency: str, loaded_at: datetime) -> None:
    """Create `_checked_<table>`: typed contract columns, `_row`, `_file_index` and `_reason`."""
    separator = ",\n            "
    normalised = separator.join(
        f"{_normalise_sql(table, c)} as {ident('_text_' + c.name)}" for c in table.columns
    )
    typed = separator.join(
        f"{_cast_sql(c, ident('_text_' + c.name))} as {ident(c.name)}" for c in table.columns
    )
    columns = ", ".join(ident(c) for c in table.column_names)
    con.execute(f"""
        create or replace temp table {ident('_checked_' + table.name)} as
        -- normalised text: trimmed, empty as null, enumerations in one case
        with normalised as (
            select t.rowid as _row, t._file_index, {normalised}
            from {ident('_text_' + table.name)} as t
        ),
        -- typed values beside their text, so a failed cast is told from a null
        typed as (
            select *, {typed} from normalised
        ),
        -- the first single-row rule each row breaks
        checked as (
            select _row, _file_index, {columns}, {_reason_sql(table, currency, loaded_at)} as _reason
            from typed
        )
        -- then one row per key among the good ones, then the account must have been accepted
        select _row, _file_index, {columns},
            coalesce(_reason, case
                when row_number() over (
                    partition by {ident(table.key)}, _reason is null order by {_latest_first(table)}
                ) > 1 then {literal(DUPLICATE_KEY)}
                {_unknown_account_sql(table)}
            end) as _reason
        from checked
    """)


# ------------------------------------------------------------------------ outputs and counts


def _accepted_output(table: Table) -> Output:
    """The table's accepted rows, typed, as they are written to `raw`."""
    columns = ", ".join(ident(c) for c in table.column_names)
    return Output(
        table.name,
        tuple((c.name, SQL_TYPES[c.type]) for c in table.columns),
        f"select {columns} from {ident('_checked_' + table.name)} where _reason is null",
    )


def _rejects_output(rejects: list[str]) -> Output:
    """Every table's rejects in one table, ordered by table, file, row and reason."""
    rejected_columns = ", ".join(name for name, _ in REJECTS_COLUMNS)
    every_reject = "\nunion all\n".join(rejects)
    return Output(
        REJECTS_TABLE,
        REJECTS_COLUMNS,
        f"select {rejected_columns} from ({every_reject}) order by table_name, _file_index, _order, reason",
    )


def _rejects_sql(table: Table, files: list[SourceFile], loaded_at: datetime) -> str:
    """SELECT of this table's rejects in the shape of `raw.rejects`, with `_file_index` and `_order`."""
    pairs = ", ".join(f"{literal(c)}, t.{ident(c)}" for c in table.column_names)
    record = f"json_object({pairs})::varchar"
    file_names = _files_values(files)
    return f"""
        select {literal(table.name)} as table_name, c._reason as reason, c.{ident(table.key)} as record_key,
                {record} as record, f.relative as source_file, {timestamp_literal(loaded_at)} as loaded_at,
                c._file_index as _file_index, c._row as _order
        from {ident('_checked_' + table.name)} as c
        inner join {ident('_text_' + table.name)} as t on t.rowid = c._row
        inner join {file_names} as f (file_index, relative) on f.file_index = c._file_index
        where c._reason is not null
        union all
        select {literal(table.name)}, {literal(MALFORMED_LINE)}, null,
            json_object('line', m.line, 'text', m.csv_line, 'error', m.error)::varchar,
            f.relative, {timestamp_literal(loaded_at)}, m._file_index, m.line
        from {ident('_malformed_' + table.name)} as m
        inner join {file_names} as f (file_index, relative) on f.file_index = m._file_index
    """


def _files_values(files: list[SourceFile]) -> str:
    if not files:
        return "(select null::integer, null::varchar where false)"
    return "(values " + ", ".join(f"({i}, {literal(s.relative)})" for i, s in enumerate(files)) + ")"


def _table_report(con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile]) -> TableReport:
    counts = dict(con.execute(
        f"select coalesce(_reason, ''), count(*) from {ident('_checked_' + table.name)} group by all"
    ).fetchall())
    malformed = con.execute(f"select count(*) from {ident('_malformed_' + table.name)}").fetchone()[0]
    loaded = counts.pop("", 0)
    if malformed:
        counts[MALFORMED_LINE] = malformed
    rejected = sum(counts.values())
    return TableReport(
        table=table.name,
        source_files=tuple(s.relative for s in files),
        rows_read=loaded + rejected,
        rows_loaded=loaded,
        rows_rejected=rejected,
        rejected_by_reason=dict(sorted(counts.items())),
    )
