"""Load the landing folder into the warehouse, enforcing the raw contract and the connectors' schemas.

One load reads the tables the chosen sources need (`orchestration.sources`: the contract's tables
into `raw`, a chosen connector's into a schema named after it), finds their files (`landing`),
reads them as text, types them and rejects the rows that break the contract with their reason
(`validate`), matches connector rows to accounts by the key the user names (`matching`), clears a
`parent_account_id` that is unknown or closes a cycle (`parents`: the account is kept, its row
reported as rejected, so one bad link never makes an account's revenue and users vanish), replaces
every table it read and `raw.rejects` in one transaction (`write`) and returns a `LoadReport`
(`report`). Validation runs in DuckDB: in the warehouse file for the target "duckdb", in memory for
"postgres".

CLI: `python -m orchestration.loader [--landing DIR] [--target duckdb|postgres] [--warehouse FILE]
[--check]` prints the report; exit status 1 on a `LandingError`, and with `--check` 2 when the
input is too broken.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import duckdb

from orchestration import rules, settings, sources, warehouse
from orchestration.loader.landing import LandingError, discover
from orchestration.loader.report import LoadReport, TableReport
from orchestration.loader.validate import latest_event_at, validate_tables
from orchestration.loader.write import REJECTS_COLUMNS, REJECTS_TABLE, write_duckdb, write_postgres

__all__ = ["REJECTS_COLUMNS", "REJECTS_TABLE", "LandingError", "LoadReport", "TableReport", "Target", "load"]

Target = Literal["duckdb", "postgres"]


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
    stamp = _utc_second(loaded_at or datetime.now(timezone.utc))
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


def _utc_second(moment: datetime) -> datetime:
    """A naive UTC timestamp to the second (a naive input is taken as UTC already)."""
    stamp = moment.replace(microsecond=0)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    return stamp


def _run(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    target: Target,
    loaded_at: datetime,
    max_rejected_pct: float,
    scratch: Path | None,
) -> LoadReport:
    con.execute("set TimeZone = 'UTC'")  # the casts read naive timestamps as UTC
    currency = str(rules.var("reporting_currency")).strip().upper()
    try:
        chosen = sources.chosen()
        landing = discover(landing_dir, con, chosen.tables)
        reports, outputs = validate_tables(con, landing, chosen, currency, loaded_at)
    except sources.SourceError as error:  # a var names a source or key that cannot be read
        raise LandingError(str(error)) from error
    if target == "duckdb":
        write_duckdb(con, outputs)
    else:
        assert scratch is not None
        write_postgres(con, outputs, scratch)
    return LoadReport(
        landing_dir=str(landing_dir),
        target=target,
        loaded_at=loaded_at,
        max_rejected_pct=max_rejected_pct,
        tables=reports,
        as_of_hint=latest_event_at(con, *chosen.events_at),
        missing_tables=tuple(landing.missing_tables),
        absent_columns=tuple(landing.absent_columns),
        ignored_files=tuple(landing.ignored),
    )
