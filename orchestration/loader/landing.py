"""Find the landing files of each table a load reads and read their headers, before anything is loaded.

For each raw table of `orchestration.contract` the landing folder holds `<table>.csv`,
`<table>.csv.gz`, `<table>.parquet`, or a folder `<table>/` of such files (searched recursively;
names starting with `.` or `_` are skipped as partial or marker files). A connector's tables
(`orchestration.connectors`) are in a sub-folder named after the connector, the same way:
`stripe/customer.csv`, or a folder `zendesk/ticket/` of drops. All files of a table are read, in
order of their path relative to the landing folder ("file order"); other files (a connector no
domain chose, a contract table a connector replaces) are listed as ignored.

A file's header must hold every column of the contract, once (extra columns are ignored), except
the columns the contract marks `may_be_absent` (a column newer than some syncs, such as
`accounts.parent_account_id`): a file without one loads it as null. A missing column, a missing
required table or an unreadable file raises `LandingError`, and nothing is written then. The
contract's optional tables (`support_tickets`, `touchpoints`, `nps_responses`: a company may have
no help desk, CS platform or survey tool; `account_field_history`, `segment_overrides`: a CRM
without field history, a team without overrides) are loaded empty when absent.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import RAW_SCHEMA, Table

_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet"}


class LandingError(ValueError):
    """The landing folder cannot be loaded (missing table, missing column, unreadable file)."""


@dataclass(frozen=True)
class SourceFile:
    """One landing file of a raw table, with the column names of its header or schema."""

    path: Path
    relative: str
    format: str  # "csv" or "parquet"
    columns: tuple[str, ...]


@dataclass
class Landing:
    """What the landing folder holds: the files of each table read (by `Table.label`), and files
    that match no such table."""

    root: Path
    tables: list[Table]
    files: dict[str, list[SourceFile]]
    ignored: list[str] = field(default_factory=list)

    @property
    def missing_tables(self) -> list[str]:
        return [t.label for t in self.tables if not self.files[t.label]]

    @property
    def absent_columns(self) -> list[str]:
        """`<table>.<column>` of each column that may be absent and is missing from a file of its table."""
        return [
            f"{t.label}.{c.name}"
            for t in self.tables
            for c in t.columns
            if c.may_be_absent and any(c.name not in source.columns for source in self.files[t.label])
        ]


def discover(landing: Path, con: duckdb.DuckDBPyConnection, tables: list[Table]) -> Landing:
    """Find the files of `tables` and read their headers; raise `LandingError` on what cannot load."""
    if not landing.is_dir():
        raise LandingError(f"landing folder {landing} does not exist")
    found = _find_files(landing, tables)
    errors: list[str] = []
    for table in tables:
        files = found.files[table.label]
        if not files and not table.optional:
            place = table.name if table.schema == RAW_SCHEMA else f"{table.schema}/{table.name}"
            errors.append(f"{table.label}: no {place}.csv, {place}.parquet or folder {place}/ in {landing}")
        found.files[table.label] = _with_headers(con, table, files, errors)
    if errors:
        raise LandingError("cannot load the landing folder:\n  " + "\n  ".join(errors))
    return found


def _find_files(landing: Path, tables: list[Table]) -> Landing:
    """Sort the landing folder's files by table, in file order; headers are not read yet."""
    found = Landing(root=landing, tables=tables, files={t.label: [] for t in tables})
    connectors = {t.schema for t in tables} - {RAW_SCHEMA}
    paths = [p for p in landing.rglob("*") if p.is_file() and not _is_hidden(p, landing)]
    for path in sorted(paths, key=lambda p: p.relative_to(landing).as_posix()):
        relative = path.relative_to(landing).as_posix()
        fmt = _format_of(path)
        label = _label(relative, path, connectors) if fmt else None
        if label not in found.files:
            found.ignored.append(relative)
            continue
        found.files[label].append(SourceFile(path, relative, fmt, ()))
    return found


def _label(relative: str, path: Path, connectors: set[str]) -> str:
    """The table a landing file belongs to: `<table>` or `<connector>.<table>`, by its place."""
    parts = relative.split("/")
    if parts[0] in connectors and len(parts) > 1:
        table = parts[1] if len(parts) > 2 else _stem(path)
        return f"{parts[0]}.{table}"
    return parts[0] if len(parts) > 1 else _stem(path)


def _with_headers(
    con: duckdb.DuckDBPyConnection, table: Table, files: list[SourceFile], errors: list[str]
) -> list[SourceFile]:
    """The table's readable files with their column names; what is wrong is added to `errors`."""
    read: list[SourceFile] = []
    for source in files:
        try:
            if source.format == "csv":
                columns = _csv_header(source.path)
            else:
                columns = _parquet_columns(con, source.path)
        except (OSError, UnicodeDecodeError, duckdb.Error) as exc:
            errors.append(f"{table.label}: cannot read {source.relative}: {exc}")
            continue
        read.append(SourceFile(source.path, source.relative, source.format, columns))
        errors.extend(_header_errors(table, source.relative, columns))
    return read


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


def _header_errors(table: Table, relative: str, columns: tuple[str, ...]) -> list[str]:
    errors = []
    if not columns or columns == ("",):
        return [f"{table.label}: {relative} has no header row"]
    missing = [c.name for c in table.columns if c.name not in columns and not c.may_be_absent]
    if missing:
        errors.append(
            f"{table.label}: {relative} lacks column(s) {', '.join(missing)} (it has: {', '.join(columns)})"
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        errors.append(f"{table.label}: {relative} repeats column(s) {', '.join(duplicated)}")
    return errors
