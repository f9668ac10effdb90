"""Type the landing files' text and check the raw contract, in set-based DuckDB SQL.

Everything is read as text first (`read`), then typed with `try_cast`, so a bad value becomes a rejected
row, never a crash. The work happens in temporary tables of the DuckDB connection: `_text_<table>`
(the contract's columns as text, in file order; a column a file may lack is null there),
`_malformed_<table>` (CSV lines that could not be split), `_checked_<table>` (typed columns and
the reason a row is rejected, null when accepted) and `_repaired_<table>` (accepted rows whose
reference to another account was cleared, see `parents`); a connector table's working tables are
named by its `slug` (`_checked_stripe__customer`). The accounts table is checked first (the
contract's, or a CRM's account table), so the others are checked against its accepted accounts.

A rejected row goes to the shared table `raw.rejects` (`table_name`, `reason`, `record_key`,
`record` = JSON of the row's original values of the contract's columns, `source_file` relative to
the landing folder, `loaded_at`) with the FIRST reason that applies, checked in this order:

1. `malformed_line`: a CSV line that cannot be split into the header's fields (the record holds
   the line number, text and parser error);
2. `null_key`: the key is null or empty;
3. `unparseable:<column>`: a value that does not cast to the column's type (columns in order); a
   field-history value must cast to the type of the `raw.accounts` column its `field` names;
4. `null:<column>`: a non-nullable column is null (an empty or blank text is null);
5. `not_accepted:<column>`: a value outside the column's enumeration, or, for a column whose
   values depend on another column (an override's `value` on its `segment_type`), outside the
   values of that other column's value (seed values read through `orchestration.rules`);
6. `out_of_range:<column>`: a number below the column's minimum or above its maximum (for a
   field-history value, the range of the `raw.accounts` column its `field` names);
7. `foreign_currency`: `currency` is not the dbt var `reporting_currency`;
8. the table's `row_rules` in contract order (e.g. `ended_on_before_started_on`,
   `occurred_in_future`: after the load timestamp `loaded_at`);
9. `duplicate_key`: among the rows that passed 1-8, one row per key is kept (the latest
   `updated_at` or `_fivetran_synced` when the table has it, then the last file, then the last row
   of that file), so a
   row re-sent in a later drop is an update; a bad update leaves the earlier good row in place;
10. `unknown_account_id`: a child row whose `account_id` is not among the accepted accounts;
11. `unknown_<column>`: a field-history change of a column that references an account
    (`parent_account_id`) whose old or new value is not among the accepted accounts;
12. connector tables: `unmatched_account`, `duplicate_account_key`, `unknown_<column>` (`matching`).

Then, among the accepted accounts, a `parent_account_id` that is unknown or closes a cycle is
cleared and the account loaded without it; its original row goes to `raw.rejects` as well
(`unknown_parent_account_id`, `parent_account_id_cycle`) and counts as rejected (`parents`).

Values are normalised before the checks: text is trimmed, an empty string is null, enumeration
values are lower-cased and `currency` upper-cased; timestamps with an offset are converted to UTC,
naive ones are UTC. Extra columns are ignored.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration import rules
from orchestration.contract import (
    BOOLEAN,
    DATE,
    DECIMAL,
    INT,
    JSON,
    NUMERIC,
    RAW_SCHEMA,
    SQL_TYPES,
    TABLES_BY_NAME,
    TEXT,
    TIMESTAMP,
    Column,
    Table,
)
from orchestration.loader.landing import Landing, SourceFile
from orchestration.loader.matching import ACCEPTED_ACCOUNTS, accept_accounts, matching_sql
from orchestration.loader.parents import repair_references
from orchestration.loader.read import MALFORMED_LINE, read_text
from orchestration.loader.report import TableReport
from orchestration.loader.sql import ident, literal, timestamp_literal
from orchestration.loader.write import REJECTS_COLUMNS, REJECTS_TABLE, Output
from orchestration.sources import Sources, account_key

NULL_KEY = "null_key"
FOREIGN_CURRENCY = "foreign_currency"
DUPLICATE_KEY = "duplicate_key"
UNKNOWN_ACCOUNT_ID = "unknown_account_id"

_BLANKS = "' ' || chr(9)"  # trimmed from text values: spaces and tabs


def validate_tables(
    con: duckdb.DuckDBPyConnection, landing: Landing, sources: Sources, currency: str, loaded_at: datetime
) -> tuple[dict[str, TableReport], list[Output]]:
    """Type and check every table in temporary tables; return the reports (by label) and what to write."""
    reports: dict[str, TableReport] = {}
    outputs: list[Output] = []
    rejects: list[str] = []
    # The accounts table first: the other tables are checked against its accepted accounts.
    for table in sources.tables:
        files = landing.files[table.label]
        spec = account_key(table) if table.account_key_var else None
        read_text(con, table, files)
        _check(con, table, sources.accounts_table, spec, currency, loaded_at)
        repair_references(con, table)
        if table == sources.accounts_table:
            accept_accounts(con, table, spec)
        reports[table.label] = _table_report(con, table, files)
        outputs.append(_accepted_output(table))
        rejects.append(_rejects_sql(table, files, loaded_at))
    outputs.append(_rejects_output(rejects))
    return reports, outputs


def latest_event_at(con: duckdb.DuckDBPyConnection, table: Table, column: str) -> datetime | None:
    """The latest accepted product event (`usage_events.occurred_at`, or a usage connector's), once
    `validate_tables` ran."""
    sql = f"select max({ident(column)}) from {ident('_checked_' + table.slug)} where _reason is null"
    return con.execute(sql).fetchone()[0]


# --------------------------------------------------------------------------------- checking


def _normalise_sql(table: Table, col: Column) -> str:
    text = f"nullif(trim(t.{ident(col.name)}, {_BLANKS}), '')"
    if col.accepted_values is not None or col.accepted_values_by is not None:
        return f"lower({text})"
    if table.has_currency and col.name == "currency":
        return f"upper({text})"
    return text


def _cast_sql(col: Column, text: str, connector: bool = False) -> str:
    if col.type == TEXT:
        return text
    if col.type == JSON:
        return f"case when json_valid({text}) then {text} end"
    if col.type == TIMESTAMP and connector:
        # A connector's timestamp may come as Unix seconds (Stripe's API, some syncs): read both.
        return (f"coalesce(try_cast(try_cast({text} as timestamptz) as timestamp), case when "
                f"regexp_full_match({text}, '[0-9]{{9,11}}') then make_timestamp(cast({text} as bigint) * 1000000) end)")
    if col.type == INT:
        # try_cast to bigint rounds '3.5' to 4; an int column accepts only whole numbers ('3.0' is 3).
        return f"case when try_cast({text} as double) % 1 = 0 then try_cast({text} as bigint) end"
    if col.type == TIMESTAMP:
        # Through timestamptz so an offset is honoured; the session is UTC, so naive values are UTC.
        return f"try_cast(try_cast({text} as timestamptz) as timestamp)"
    if col.type in (NUMERIC, DECIMAL, BOOLEAN, DATE):
        return f"try_cast({text} as {SQL_TYPES[col.type]})"
    raise ValueError(f"no cast for contract type {col.type!r}")


def _reason_sql(table: Table, currency: str, loaded_at: datetime) -> str:
    """CASE expression giving the first contract rule a typed row breaks (checks 2-8), else null."""
    whens = [(" or ".join(f"{ident(key)} is null" for key in table.key_columns), NULL_KEY)]
    for c in table.columns:
        if c.type != TEXT:
            whens.append((f"{ident('_text_' + c.name)} is not null and {ident(c.name)} is null",
                          f"unparseable:{c.name}"))
        whens += [(f"{field} and {ident(c.name)} is not null and {_cast_sql(typed, ident(c.name))} is null",
                   f"unparseable:{c.name}") for typed, field in _typed_fields(table, c) if typed.type != TEXT]
    whens += [(f"{ident(c.name)} is null", f"null:{c.name}") for c in table.columns if not c.nullable]
    whens += [
        (f"{ident(c.name)} not in ({_values_sql(c.accepted_values)})", f"not_accepted:{c.name}")
        for c in table.columns
        if c.accepted_values is not None
    ]
    whens += [
        (_dependent_values_sql(c), f"not_accepted:{c.name}") for c in table.columns if c.accepted_values_by
    ]
    for c in table.columns:
        if bounds := _bounds_sql(c, ident(c.name)):
            whens.append((bounds, f"out_of_range:{c.name}"))
        whens += [(f"{field} and ({bounds})", f"out_of_range:{c.name}")
                  for typed, field in _typed_fields(table, c)
                  if (bounds := _bounds_sql(typed, _cast_sql(typed, ident(c.name))))]
    if table.has_currency:
        whens.append((f"currency <> {literal(currency)}", FOREIGN_CURRENCY))
    whens += [
        (f"coalesce(({predicate.format(loaded_at=timestamp_literal(loaded_at))}), false)", name)
        for name, predicate in table.row_rules
    ]
    lines = "\n".join(f"            when {condition} then {literal(reason)}" for condition, reason in whens)
    return f"case\n{lines}\n        end"


def _values_sql(values: tuple[str, ...]) -> str:
    return ", ".join(literal(v) for v in values)


def _dependent_values_sql(col: Column) -> str:
    """The condition of a value outside the values its other column accepts (e.g. an override's tier)."""
    assert col.accepted_values_by is not None
    other, value_sets = col.accepted_values_by
    accepted = " or ".join(
        f"({ident(other)} = {literal(when)} and {ident(col.name)} in ({_values_sql(rules.values(values))}))"
        for when, values in value_sets
    )
    return f"not coalesce({accepted}, false)"


def _typed_fields(table: Table, col: Column) -> list[tuple[Column, str]]:
    """For a value typed by another column (field history): each `raw.accounts` column it may hold,
    with the condition that the row holds it (`field = 'potential_arr'`); [] for other columns."""
    if col.typed_by is None:
        return []
    accounts = TABLES_BY_NAME["accounts"]
    fields = table.column(col.typed_by).accepted_values or ()
    return [(accounts.column(f), f"{ident(col.typed_by)} = {literal(f)}") for f in fields]


def _bounds_sql(col: Column, value: str) -> str:
    """The condition of a `value` out of the column's range, or "" when it has none."""
    bounds = [f"{value} < {col.min_value}" if col.min_value is not None else None,
              f"{value} > {col.max_value}" if col.max_value is not None else None]
    return " or ".join(b for b in bounds if b)


def _latest_first(table: Table) -> str:
    """The order in which a key's accepted rows compete: the first one is kept."""
    latest_first = "_file_index desc, _row desc"
    for version in ("_fivetran_synced", "updated_at"):
        if version in table.column_names:
            latest_first = f"{ident(version)} desc nulls last, " + latest_first
    return latest_first


def _unknown_account_sql(table: Table) -> str:
    """CASE branches rejecting a row that names an account that was not accepted (checks 10-11):
    its `account_id`, or an account held in a field-history value ("" for accounts)."""
    if not table.account_fk:
        return ""
    accepted = f"(select account_id from {ACCEPTED_ACCOUNTS})"
    branches = [f"when account_id not in {accepted} then {literal(UNKNOWN_ACCOUNT_ID)}"]
    branches += [
        f"when {field} and {ident(c.name)} not in {accepted} then {literal('unknown_' + typed.name)}"
        for c in table.columns
        for typed, field in _typed_fields(table, c)
        if typed.references_account
    ]
    return "\n                ".join(branches)


def _check(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    accounts_table: Table,
    spec: str | None,
    currency: str,
    loaded_at: datetime,
) -> None:
    """Create `_checked_<table>`: typed contract columns, `_row`, `_file_index` and `_reason`."""
    separator = ",\n            "
    normalised = separator.join(
        f"{_normalise_sql(table, c)} as {ident('_text_' + c.name)}" for c in table.columns
    )
    connector = table.schema != RAW_SCHEMA
    typed = separator.join(
        f"{_cast_sql(c, ident('_text_' + c.name), connector)} as {ident(c.name)}" for c in table.columns
    )
    columns = ", ".join(ident(c) for c in table.column_names)
    keys = ", ".join(ident(key) for key in table.key_columns)
    con.execute(f"""
        create or replace temp table {ident('_checked_' + table.slug)} as
        -- normalised text: trimmed, empty as null, enumerations in one case
        with normalised as (
            select t.rowid as _row, t._file_index, {normalised}
            from {ident('_text_' + table.slug)} as t
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
                    partition by {keys}, _reason is null order by {_latest_first(table)}
                ) > 1 then {literal(DUPLICATE_KEY)}
                {_unknown_account_sql(table)}
                {matching_sql(table, accounts_table, spec)}
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
        f"select {columns} from {ident('_checked_' + table.slug)} where _reason is null",
        table.schema,
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
    """SELECT of this table's rejects in the shape of `raw.rejects`, with `_file_index` and `_order`:
    the rejected rows, the accepted rows whose reference was cleared, and the malformed lines."""
    pairs = ", ".join(f"{literal(c)}, t.{ident(c)}" for c in table.column_names)
    record = f"json_object({pairs})::varchar"
    key = f"c.{ident(table.key)}"
    if table.extra_key:  # a composite key, its values joined: `sub_1|2024-05-01 10:00:00`
        key = "concat_ws('|', " + ", ".join(f"c.{ident(k)}" for k in table.key_columns) + ")"
    file_names = _files_values(files)
    return f"""
        select {literal(table.label)} as table_name, c._reason as reason, {key} as record_key,
                {record} as record, f.relative as source_file, {timestamp_literal(loaded_at)} as loaded_at,
                c._file_index as _file_index, c._row as _order
        from {ident('_checked_' + table.slug)} as c
        inner join {ident('_text_' + table.slug)} as t on t.rowid = c._row
        inner join {file_names} as f (file_index, relative) on f.file_index = c._file_index
        where c._reason is not null
        union all
        select {literal(table.label)}, r._reason, {key}, {record}, f.relative,
            {timestamp_literal(loaded_at)}, c._file_index, c._row
        from {ident('_repaired_' + table.slug)} as r
        inner join {ident('_checked_' + table.slug)} as c on c._row = r._row
        inner join {ident('_text_' + table.slug)} as t on t.rowid = c._row
        inner join {file_names} as f (file_index, relative) on f.file_index = c._file_index
        union all
        select {literal(table.label)}, {literal(MALFORMED_LINE)}, null,
            json_object('line', m.line, 'text', m.csv_line, 'error', m.error)::varchar,
            f.relative, {timestamp_literal(loaded_at)}, m._file_index, m.line
        from {ident('_malformed_' + table.slug)} as m
        inner join {file_names} as f (file_index, relative) on f.file_index = m._file_index
    """


def _files_values(files: list[SourceFile]) -> str:
    if not files:
        return "(select null::integer, null::varchar where false)"
    return "(values " + ", ".join(f"({i}, {literal(s.relative)})" for i, s in enumerate(files)) + ")"


def _table_report(con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile]) -> TableReport:
    counts = dict(con.execute(
        f"select coalesce(_reason, ''), count(*) from {ident('_checked_' + table.slug)} group by all"
    ).fetchall())
    malformed = con.execute(f"select count(*) from {ident('_malformed_' + table.slug)}").fetchone()[0]
    loaded = counts.pop("", 0)
    if malformed:
        counts[MALFORMED_LINE] = malformed
    read = loaded + sum(counts.values())
    # Loaded with a reference cleared: counted as rejected too, so the gate sees them.
    repaired = dict(con.execute(
        f"select _reason, count(*) from {ident('_repaired_' + table.slug)} group by all"
    ).fetchall())
    for reason, n in repaired.items():
        counts[reason] = counts.get(reason, 0) + n
    return TableReport(
        table=table.label,
        source_files=tuple(s.relative for s in files),
        rows_read=read,
        rows_loaded=loaded,
        rows_rejected=sum(counts.values()),
        rejected_by_reason=dict(sorted(counts.items())),
        rows_repaired=sum(repaired.values()),
    )
