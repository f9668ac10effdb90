"""Load the landing folder into the warehouse's `raw` schema, enforcing the raw contract.

For each raw table of `orchestration.contract` the landing folder holds `<table>.csv`,
`<table>.csv.gz`, `<table>.parquet`, or a folder `<table>/` of such files (searched recursively;
names starting with `.` or `_` are skipped as partial or marker files). All files of a table are
read, in order of their path relative to the landing folder ("file order").

Everything is read as text first, then typed with `try_cast` in set-based DuckDB SQL, so a bad
value becomes a rejected row, never a crash. A rejected row goes to the shared table `raw.rejects`
(`table_name`, `reason`, `record_key`, `record` = JSON of the row's original values of the
contract's columns, `source_file` relative to the landing folder, `loaded_at`) with the FIRST reason
that applies, checked in this order:

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
naive ones are UTC. Extra columns are ignored; a missing column, a missing required table or an
unreadable file raises `LandingError` and nothing is written. The tables `support_tickets`,
`touchpoints` and `nps_responses` are optional (a company may have no help desk, CS platform or
survey tool): when absent they are loaded empty and the report says so.

A load replaces every raw table and `raw.rejects` in one transaction, so it is all-or-nothing and
loading the same files twice gives the same tables. `load()` returns a `LoadReport`; the loader
never refuses to load on reject counts, it reports `too_broken` (a table's rejected share above the
dbt var `raw_max_rejected_pct`; exactly at it is not too broken) for a blocking check downstream.

Targets: the DuckDB warehouse file (validation runs in it, as temporary tables), or PostgreSQL
(validation in an in-memory DuckDB, then `COPY` of the accepted rows and rejects).

CLI: `python -m orchestration.loader [--landing DIR] [--target duckdb|postgres] [--warehouse FILE]
[--check]` prints the report; exit status 1 on a `LandingError`, and with `--check` 2 when the
input is too broken.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import duckdb

from orchestration import rules, settings, warehouse
from orchestration.contract import (
    BOOLEAN,
    DATE,
    INT,
    NUMERIC,
    RAW_SCHEMA,
    SQL_TYPES,
    TABLES,
    TEXT,
    TIMESTAMP,
    Column,
    Table,
)

Target = Literal["duckdb", "postgres"]

REJECTS_TABLE = "rejects"
REJECTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "varchar"),
    ("reason", "varchar"),
    ("record_key", "varchar"),
    ("record", "varchar"),
    ("source_file", "varchar"),
    ("loaded_at", "timestamp"),
)
OPTIONAL_TABLES = frozenset({"support_tickets", "touchpoints", "nps_responses"})
MALFORMED_LINE = "malformed_line"
DUPLICATE_KEY = "duplicate_key"
UNKNOWN_ACCOUNT_ID = "unknown_account_id"
FOREIGN_CURRENCY = "foreign_currency"
NULL_KEY = "null_key"

_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet"}
_BLANKS = "' ' || chr(9)"  # trimmed from text values: spaces and tabs
_CSV_DIALECT = "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"


class LandingError(ValueError):
    """The landing folder cannot be loaded (missing table, missing column, unreadable file)."""


# --------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class TableReport:
    """What happened to one raw table in one load."""

    table: str
    source_files: tuple[str, ...]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]

    @property
    def rejected_pct(self) -> float:
        """Rejected rows as a percent of the rows read (0 for an empty table)."""
        return 100.0 * self.rows_rejected / self.rows_read if self.rows_read else 0.0


@dataclass(frozen=True)
class LoadReport:
    """Outcome of one load: counts per table and reason, the as-of hint and the broken-input verdict."""

    landing_dir: str
    target: str
    loaded_at: datetime
    max_rejected_pct: float
    tables: dict[str, TableReport]
    # Latest accepted usage_events.occurred_at: the default as-of day is the day before its day.
    as_of_hint: datetime | None
    missing_tables: tuple[str, ...] = ()
    ignored_files: tuple[str, ...] = ()

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables.values())

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables.values())

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.tables.values())

    @property
    def rejected_by_table_reason(self) -> dict[tuple[str, str], int]:
        return {
            (t.table, reason): n for t in self.tables.values() for reason, n in t.rejected_by_reason.items()
        }

    @property
    def latest_complete_day(self) -> date | None:
        """The default as-of day: the day before the day of the latest usage event."""
        return self.as_of_hint.date() - timedelta(days=1) if self.as_of_hint else None

    @property
    def problems(self) -> list[str]:
        """One line per table whose rejected share is above `max_rejected_pct` (strictly)."""
        return [
            f"{t.table}: {t.rejected_pct:.2f}% of {t.rows_read} rows rejected, above the limit of "
            f"{self.max_rejected_pct:g}% ({_reasons_text(t.rejected_by_reason)})"
            for t in self.tables.values()
            if t.rejected_pct > self.max_rejected_pct
        ]

    @property
    def too_broken(self) -> bool:
        """True when any table's rejected share is above the limit: publish nothing."""
        return bool(self.problems)

    def summary(self) -> str:
        """A human-readable account of the load, for logs and the CLI."""
        lines = [
            f"Loaded {self.landing_dir} into {self.target} at {self.loaded_at:%Y-%m-%d %H:%M:%S} UTC: "
            f"{self.rows_read} rows read, {self.rows_loaded} loaded, {self.rows_rejected} rejected "
            f"(see {RAW_SCHEMA}.{REJECTS_TABLE}).",
            f"{'table':<16} {'files':>5} {'read':>10} {'loaded':>10} {'rejected':>9} {'pct':>7}  reasons",
        ]
        for t in self.tables.values():
            lines.append(
                f"{t.table:<16} {len(t.source_files):>5} {t.rows_read:>10} {t.rows_loaded:>10} "
                f"{t.rows_rejected:>9} {t.rejected_pct:>6.2f}%  {_reasons_text(t.rejected_by_reason)}"
            )
        if self.as_of_hint:
            lines.append(
                f"Latest usage event {self.as_of_hint}; latest complete day {self.latest_complete_day}."
            )
        if self.missing_tables:
            lines.append(f"Optional tables absent, loaded empty: {', '.join(self.missing_tables)}.")
        if self.ignored_files:
            lines.append(f"Files ignored (not a raw table): {', '.join(self.ignored_files)}.")
        if self.too_broken:
            lines.append("TOO BROKEN, publish nothing:")
            lines.extend(f"  {p}" for p in self.problems)
        else:
            lines.append(f"Rejected shares within the limit of {self.max_rejected_pct:g}% per table.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (e.g. Dagster metadata)."""
        return {
            "landing_dir": self.landing_dir,
            "target": self.target,
            "loaded_at": self.loaded_at.isoformat(),
            "max_rejected_pct": self.max_rejected_pct,
            "as_of_hint": self.as_of_hint.isoformat() if self.as_of_hint else None,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "too_broken": self.too_broken,
            "problems": self.problems,
            "missing_tables": list(self.missing_tables),
            "ignored_files": list(self.ignored_files),
            "tables": {
                name: {
                    "source_files": list(t.source_files),
                    "rows_read": t.rows_read,
                    "rows_loaded": t.rows_loaded,
                    "rows_rejected": t.rows_rejected,
                    "rejected_pct": round(t.rejected_pct, 4),
                    "rejected_by_reason": dict(t.rejected_by_reason),
                }
                for name, t in self.tables.items()
            },
        }

    def __str__(self) -> str:
        return self.summary()


def _reasons_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# ------------------------------------------------------------------------------------ discovery


@dataclass(frozen=True)
class SourceFile:
    """One landing file of a raw table, with the column names of its header or schema."""

    path: Path
    relative: str
    format: str  # "csv" or "parquet"
    columns: tuple[str, ...]


@dataclass
class Landing:
    """What the landing folder holds: the files of each raw table, and files that match no table."""

    root: Path
    files: dict[str, list[SourceFile]]
    ignored: list[str] = field(default_factory=list)

    @property
    def missing_tables(self) -> list[str]:
        return [t.name for t in TABLES if not self.files[t.name]]


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    return next((fmt for suffix, fmt in _SUFFIXES.items() if name.endswith(suffix)), None)


def _stem(path: Path) -> str:
    name = path.name
    suffix = next(s for s in _SUFFIXES if name.lower().endswith(s))
    return name[: -len(suffix)]


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def _csv_header(path: Path) -> tuple[str, ...]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:  # type: ignore[operator]
        header = next(csv.reader(io.StringIO(f.readline())), [])
    return tuple(name.strip() for name in header)


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, ...]:
    rows = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
    return tuple(row[0] for row in rows)


def discover(landing: Path, con: duckdb.DuckDBPyConnection) -> Landing:
    """Find each raw table's files and read their headers; raise `LandingError` on what cannot load."""
    if not landing.is_dir():
        raise LandingError(f"landing folder {landing} does not exist")
    found = Landing(root=landing, files={t.name: [] for t in TABLES})
    paths = [p for p in landing.rglob("*") if p.is_file() and not _is_hidden(p, landing)]
    for path in sorted(paths, key=lambda p: p.relative_to(landing).as_posix()):
        relative = path.relative_to(landing).as_posix()
        fmt = _format_of(path)
        in_folder = "/" in relative
        table = relative.split("/")[0] if in_folder else (_stem(path) if fmt else None)
        if fmt is None or table not in found.files:
            found.ignored.append(relative)
            continue
        found.files[table].append(SourceFile(path, relative, fmt, ()))

    errors: list[str] = []
    for table in TABLES:
        files = found.files[table.name]
        if not files and table.name not in OPTIONAL_TABLES:
            name = table.name
            errors.append(f"{name}: no {name}.csv, {name}.parquet or folder {name}/ in {landing}")
        read: list[SourceFile] = []
        for source in files:
            try:
                if source.format == "csv":
                    columns = _csv_header(source.path)
                else:
                    columns = _parquet_columns(con, source.path)
            except (OSError, UnicodeDecodeError, duckdb.Error) as exc:
                errors.append(f"{table.name}: cannot read {source.relative}: {exc}")
                continue
            read.append(SourceFile(source.path, source.relative, source.format, columns))
            errors.extend(_header_errors(table, source.relative, columns))
        found.files[table.name] = read
    if errors:
        raise LandingError("cannot load the landing folder:\n  " + "\n  ".join(errors))
    return found


def _header_errors(table: Table, relative: str, columns: tuple[str, ...]) -> list[str]:
    errors = []
    if not columns or columns == ("",):
        return [f"{table.name}: {relative} has no header row"]
    missing = [c for c in table.column_names if c not in columns]
    if missing:
        errors.append(
            f"{table.name}: {relative} lacks column(s) {', '.join(missing)} (it has: {', '.join(columns)})"
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        errors.append(f"{table.name}: {relative} repeats column(s) {', '.join(duplicated)}")
    return errors


# ----------------------------------------------------------------------------------- validation


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ts_lit(value: datetime) -> str:
    return f"timestamp '{value.isoformat(sep=' ')}'"


def _normalise_sql(table: Table, col: Column) -> str:
    text = f"nullif(trim(t.{_q(col.name)}, {_BLANKS}), '')"
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
    whens = [(f"{_q(table.key)} is null", NULL_KEY)]
    whens += [
        (f"{_q('_text_' + c.name)} is not null and {_q(c.name)} is null", f"unparseable:{c.name}")
        for c in table.columns
        if c.type != TEXT
    ]
    whens += [(f"{_q(c.name)} is null", f"null:{c.name}") for c in table.columns if not c.nullable]
    whens += [
        (f"{_q(c.name)} not in ({', '.join(_lit(v) for v in c.accepted_values)})", f"not_accepted:{c.name}")
        for c in table.columns
        if c.accepted_values is not None
    ]
    for c in table.columns:
        bounds = [f"{_q(c.name)} < {c.min_value}" if c.min_value is not None else None,
                  f"{_q(c.name)} > {c.max_value}" if c.max_value is not None else None]
        if any(bounds):
            whens.append((" or ".join(b for b in bounds if b), f"out_of_range:{c.name}"))
    if table.has_currency:
        whens.append((f"currency <> {_lit(currency)}", FOREIGN_CURRENCY))
    whens += [
        (f"coalesce(({predicate.format(loaded_at=_ts_lit(loaded_at))}), false)", name)
        for name, predicate in table.row_rules
    ]
    lines = "\n".join(f"            when {condition} then {_lit(reason)}" for condition, reason in whens)
    return f"case\n{lines}\n        end"


def _read_text(con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile]) -> None:
    """Create `_text_<table>`: the contract's columns as text, with the file index, in file order."""
    columns = ", ".join(f"{_q(c)} varchar" for c in table.column_names)
    con.execute(f"create or replace temp table {_q('_text_' + table.name)} ({columns}, _file_index integer)")
    con.execute(f"create or replace temp table {_q('_malformed_' + table.name)} "
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
    projection = ", ".join(f"cast({_q(c)} as varchar)" for c in table.column_names)
    con.execute(
        f"insert into {_q('_text_' + table.name)} select {projection}, {index} from read_parquet(?)",
        [str(source.path)],
    )


def _read_csv(con: duckdb.DuckDBPyConnection, table: Table, source: SourceFile, index: int) -> None:
    header = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in source.columns) + "}"
    projection = ", ".join(_q(c) for c in table.column_names)
    con.execute(
        f"insert into {_q('_text_' + table.name)} select {projection}, {index} "
        f"from read_csv(?, {_CSV_DIALECT}, columns = {header}, store_rejects = true, "
        "rejects_table = '_csv_errors', rejects_scan = '_csv_scans')",
        [str(source.path)],
    )
    # A line may carry several parser errors (one per missing field): it is one malformed row.
    con.execute(
        f"insert into {_q('_malformed_' + table.name)} "
        f"select {index}, line, trim(any_value(csv_line), chr(13) || chr(10)), "
        "arg_min(error_message, coalesce(column_idx, 0)) "
        "from _csv_errors group by line order by line"
    )
    con.execute("drop table if exists _csv_errors")
    con.execute("drop table if exists _csv_scans")


def _check(con: duckdb.DuckDBPyConnection, table: Table, currency: str, loaded_at: datetime) -> None:
    """Create `_checked_<table>`: typed contract columns, `_row`, `_file_index` and `_reason`."""
    names = table.column_names
    separator = ",\n            "
    normalised = separator.join(
        f"{_normalise_sql(table, c)} as {_q('_text_' + c.name)}" for c in table.columns
    )
    typed = separator.join(f"{_cast_sql(c, _q('_text_' + c.name))} as {_q(c.name)}" for c in table.columns)
    columns = ", ".join(_q(c) for c in names)
    latest_first = "_file_index desc, _row desc"
    if "updated_at" in names:
        latest_first = "updated_at desc nulls last, " + latest_first
    unknown_account = (
        f"when account_id not in (select account_id from {_q('_checked_accounts')} where _reason is null) "
        f"then {_lit(UNKNOWN_ACCOUNT_ID)}"
        if table.account_fk
        else ""
    )
    con.execute(f"""
        create or replace temp table {_q('_checked_' + table.name)} as
        -- normalised text: trimmed, empty as null, enumerations in one case
        with normalised as (
            select t.rowid as _row, t._file_index, {normalised}
            from {_q('_text_' + table.name)} as t
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
                    partition by {_q(table.key)}, _reason is null order by {latest_first}
                ) > 1 then {_lit(DUPLICATE_KEY)}
                {unknown_account}
            end) as _reason
        from checked
    """)


def _rejects_sql(table: Table, files: list[SourceFile], loaded_at: datetime) -> str:
    """SELECT of this table's rejects in the shape of `raw.rejects`, with `_file_index` and `_order`."""
    record = "json_object(" + ", ".join(f"{_lit(c)}, t.{_q(c)}" for c in table.column_names) + ")::varchar"
    file_names = _files_values(files)
    return f"""
        select {_lit(table.name)} as table_name, c._reason as reason, c.{_q(table.key)} as record_key,
                {record} as record, f.relative as source_file, {_ts_lit(loaded_at)} as loaded_at,
                c._file_index as _file_index, c._row as _order
        from {_q('_checked_' + table.name)} as c
        inner join {_q('_text_' + table.name)} as t on t.rowid = c._row
        inner join {file_names} as f (file_index, relative) on f.file_index = c._file_index
        where c._reason is not null
        union all
        select {_lit(table.name)}, {_lit(MALFORMED_LINE)}, null,
            json_object('line', m.line, 'text', m.csv_line, 'error', m.error)::varchar,
            f.relative, {_ts_lit(loaded_at)}, m._file_index, m.line
        from {_q('_malformed_' + table.name)} as m
        inner join {file_names} as f (file_index, relative) on f.file_index = m._file_index
    """


def _files_values(files: list[SourceFile]) -> str:
    if not files:
        return "(select null::integer, null::varchar where false)"
    return "(values " + ", ".join(f"({i}, {_lit(s.relative)})" for i, s in enumerate(files)) + ")"


def _table_report(con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile]) -> TableReport:
    counts = dict(con.execute(
        f"select coalesce(_reason, ''), count(*) from {_q('_checked_' + table.name)} group by all"
    ).fetchall())
    malformed = con.execute(f"select count(*) from {_q('_malformed_' + table.name)}").fetchone()[0]
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


@dataclass(frozen=True)
class _Output:
    """One table to write: its name in `raw`, its typed columns and the SELECT that yields its rows."""

    name: str
    columns: tuple[tuple[str, str], ...]
    select: str


def _validate(
    con: duckdb.DuckDBPyConnection, landing: Landing, currency: str, loaded_at: datetime
) -> tuple[dict[str, TableReport], list[_Output]]:
    """Type and check every table in temporary tables; return the reports and what to write."""
    reports: dict[str, TableReport] = {}
    outputs: list[_Output] = []
    rejects: list[str] = []
    # Accounts first: the other tables' account_id is checked against the accepted accounts.
    for table in sorted(TABLES, key=lambda t: t.account_fk):
        files = landing.files[table.name]
        _read_text(con, table, files)
        _check(con, table, currency, loaded_at)
        reports[table.name] = _table_report(con, table, files)
        columns = ", ".join(_q(c) for c in table.column_names)
        outputs.append(_Output(
            table.name,
            tuple((c.name, SQL_TYPES[c.type]) for c in table.columns),
            f"select {columns} from {_q('_checked_' + table.name)} where _reason is null",
        ))
        rejects.append(_rejects_sql(table, files, loaded_at))
    rejected_columns = ", ".join(name for name, _ in REJECTS_COLUMNS)
    every_reject = "\nunion all\n".join(rejects)
    outputs.append(_Output(
        REJECTS_TABLE,
        REJECTS_COLUMNS,
        f"select {rejected_columns} from ({every_reject}) order by table_name, _file_index, _order, reason",
    ))
    order = [t.name for t in TABLES]
    return {name: reports[name] for name in order}, outputs


# -------------------------------------------------------------------------------------- writing


def _ddl(output: _Output, *, if_not_exists: bool = False) -> str:
    columns = ", ".join(f"{_q(name)} {sql_type}" for name, sql_type in output.columns)
    exists = "if not exists " if if_not_exists else ""
    return f"create table {exists}{_q(RAW_SCHEMA)}.{_q(output.name)} ({columns})"


def _write_duckdb(con: duckdb.DuckDBPyConnection, outputs: list[_Output]) -> None:
    """Replace the raw tables and the rejects in one transaction of the warehouse file."""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {_q(RAW_SCHEMA)}")
        for output in outputs:
            con.execute(f"drop table if exists {_q(RAW_SCHEMA)}.{_q(output.name)}")
            con.execute(_ddl(output))
            con.execute(f"insert into {_q(RAW_SCHEMA)}.{_q(output.name)} {output.select}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _write_postgres(con: duckdb.DuckDBPyConnection, outputs: list[_Output], scratch: Path) -> None:
    """Export each table to CSV from DuckDB, then replace the PostgreSQL tables in one transaction.

    Tables are emptied and refilled rather than dropped, so the dbt views on them survive.
    """
    exports = []
    for output in outputs:
        path = scratch / f"{output.name}.csv"
        con.execute(f"copy ({output.select}) to '{path}' (format csv, header false)")
        exports.append((output, path))
    pg = warehouse.connect_postgres()
    try:
        with pg, pg.cursor() as cur:  # one transaction: committed on success, rolled back on error
            cur.execute(f"create schema if not exists {_q(RAW_SCHEMA)}")
            for output, path in exports:
                qualified = f"{_q(RAW_SCHEMA)}.{_q(output.name)}"
                cur.execute(_ddl(output, if_not_exists=True))
                cur.execute(f"truncate {qualified}")
                columns = ", ".join(_q(name) for name, _ in output.columns)
                with open(path, encoding="utf-8") as f:
                    cur.copy_expert(f"copy {qualified} ({columns}) from stdin with (format csv)", f)
    finally:
        pg.close()


# ----------------------------------------------------------------------------------------- load


def _max_event_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    sql = "select max(occurred_at) from _checked_usage_events where _reason is null"
    return con.execute(sql).fetchone()[0]


def _run(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    target: Target,
    loaded_at: datetime,
    max_rejected_pct: float,
    scratch: Path | None,
) -> LoadReport:
    con.execute("set TimeZone = 'UTC'")  # the casts read naive timestamps as UTC
    landing = discover(landing_dir, con)
    currency = str(rules.var("reporting_currency")).strip().upper()
    reports, outputs = _validate(con, landing, currency, loaded_at)
    if target == "duckdb":
        _write_duckdb(con, outputs)
    else:
        assert scratch is not None
        _write_postgres(con, outputs, scratch)
    return LoadReport(
        landing_dir=str(landing_dir),
        target=target,
        loaded_at=loaded_at,
        max_rejected_pct=max_rejected_pct,
        tables=reports,
        as_of_hint=_max_event_at(con),
        missing_tables=tuple(landing.missing_tables),
        ignored_files=tuple(landing.ignored),
    )


def load(
    landing: Path | str | None = None,
    target: Target = "duckdb",
    *,
    warehouse_path: Path | str | None = None,
    loaded_at: datetime | None = None,
    max_rejected_pct: float | None = None,
) -> LoadReport:
    """Load the landing folder into `raw` of the target warehouse; all or nothing.

    landing: the landing folder (default `settings.landing_dir()`).
    target: "duckdb" (the warehouse file, default `settings.warehouse_path()`) or "postgres"
        (connection from the CS_PG_* environment variables).
    warehouse_path: the DuckDB file for target "duckdb".
    loaded_at: the load timestamp (naive = UTC; default now, to the second), used for the "in the
        future" rules and stamped on the rejects.
    max_rejected_pct: the too-broken limit (default: dbt var `raw_max_rejected_pct`).
    Raises `LandingError` when the folder cannot be loaded; nothing is written then.
    """
    landing_dir = Path(landing).expanduser().resolve() if landing is not None else settings.landing_dir()
    if not landing_dir.is_dir():  # before opening (and creating) the warehouse
        raise LandingError(f"landing folder {landing_dir} does not exist")
    stamp = (loaded_at or datetime.now(timezone.utc)).replace(microsecond=0)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    limit = float(max_rejected_pct if max_rejected_pct is not None else rules.var("raw_max_rejected_pct"))
    if target == "duckdb":
        con = warehouse.connect_duckdb(warehouse_path)
        try:
            return _run(con, landing_dir, target, stamp, limit, None)
        finally:
            con.close()
    if target == "postgres":
        with tempfile.TemporaryDirectory(prefix="cs_loader_") as scratch:
            con = warehouse.connect_duckdb(":memory:")
            con.execute(f"set temp_directory = '{scratch}'")  # spill the big tables to disk, not RAM
            try:
                return _run(con, landing_dir, target, stamp, limit, Path(scratch))
            finally:
                con.close()
    raise ValueError(f"unknown target {target!r}: use 'duckdb' or 'postgres'")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.loader", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--landing", type=Path, help="landing folder (default: CS_LANDING_DIR)")
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--warehouse", type=Path, help="DuckDB warehouse file (default: CS_WAREHOUSE_PATH)")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 2 when the input is too broken"
    )
    args = parser.parse_args(argv)
    try:
        report = load(args.landing, args.target, warehouse_path=args.warehouse)
    except LandingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 2 if args.check and report.too_broken else 0


if __name__ == "__main__":
    sys.exit(main())
