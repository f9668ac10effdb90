"""The as-of days a run computes: decided once, here, and handed to dbt as the vars `as_of_start` / `as_of_end`.

Every daily model computes its rows for as-of days D from data up to the end of D. Which days a run
computes is decided from what is known before dbt starts:

- the data: the latest complete day (the day before the day of the latest usage event, which may
  still be loading; never the wall clock) and the first subscription start (where history begins);
- the warehouse: the last as-of day that every daily model already holds (the one furthest behind);
- the request: `--as-of-date`, `--start/--end` or `--full-refresh` (CLI), or the same fields of the
  dbt step's run config (Dagster UI launchpad).

Without a request a first build (or `--full-refresh`) computes the whole history, and later runs
continue from the day after the last day built to the latest complete day (at least the latest day
is recomputed, so a re-run replaces it). An explicit day or range is computed as asked, widened back
to the day after the last day built when it would leave a hole in the daily tables.

No dbt macro looks at the warehouse to choose days: an analyst running dbt by hand passes the vars,
e.g. `dbt build --vars "$(python -m orchestration.as_of)"` for the range a refresh would compute now.
This module imports only the lower modules (settings, warehouse, contract; project when deciding
for the warehouse).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from orchestration import settings, warehouse
from orchestration.contract import RAW_SCHEMA


class AsOfError(ValueError):
    """The as-of days asked for cannot be computed (no data, a day after the data, a reversed range)."""


@dataclass(frozen=True)
class Request:
    """What a run asks for: one day, a range, or nothing (the default range); and whether to rebuild."""

    as_of_date: date | None = None
    start: date | None = None
    end: date | None = None
    full_refresh: bool = False

    @classmethod
    def parse(
        cls,
        as_of_date: str | None = None,
        start: str | None = None,
        end: str | None = None,
        full_refresh: bool = False,
    ) -> Request:
        """A request from text fields (CLI options, run config); AsOfError says what is wrong."""
        if as_of_date and (start or end):
            raise AsOfError("ask for one day (as-of date) or a range (start and end), not both")
        if bool(start) != bool(end):
            raise AsOfError("a range needs both a start and an end day")
        request = cls(_day(as_of_date, "as-of date"), _day(start, "start"), _day(end, "end"), full_refresh)
        if request.start and request.end and request.start > request.end:
            raise AsOfError(f"the range starts on {request.start}, after its end {request.end}")
        return request

    @property
    def is_default(self) -> bool:
        return self.as_of_date is None and self.start is None

    def describe(self) -> str:
        asked = "default range"
        if self.as_of_date:
            asked = self.as_of_date.isoformat()
        elif self.start and self.end:
            asked = f"{self.start}..{self.end}"
        return asked + (", full refresh" if self.full_refresh else "")


def _day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise AsOfError(f"{what} {text!r} is not a day: write it as YYYY-MM-DD, e.g. 2026-10-15") from None


@dataclass(frozen=True)
class DataBounds:
    """What the warehouse holds before dbt runs."""

    history_start: date | None  # first subscription start
    latest_complete_day: date | None  # the day before the day of the latest usage event
    last_built_day: date | None  # the last as-of day every daily model holds (None: some holds none)


@dataclass(frozen=True)
class AsOfRange:
    """The as-of days a run computes, and why these; `history_start` is where the data's history
    begins (a first build of the daily revenue table starts there, whatever the range)."""

    start: date
    end: date
    why: str
    history_start: date | None = None

    def dbt_vars(self) -> dict[str, str]:
        found = {"as_of_start": self.start.isoformat(), "as_of_end": self.end.isoformat()}
        if self.history_start is not None:
            found["history_start"] = self.history_start.isoformat()
        return found

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        span = self.start.isoformat() if self.start == self.end else f"{self.start}..{self.end}"
        return f"{span} ({self.why})"


def decide(bounds: DataBounds, request: Request) -> AsOfRange:
    """The range a run computes, from what the warehouse holds and what was asked for."""
    latest, first = bounds.latest_complete_day, bounds.history_start
    if latest is None or first is None:
        raise AsOfError(
            f"{RAW_SCHEMA}.usage_events or {RAW_SCHEMA}.subscriptions is empty: there is no as-of day to "
            "compute; load data first"
        )
    last_built = None if request.full_refresh else bounds.last_built_day
    if request.is_default:
        if last_built is None:
            why = "full refresh: the whole history" if request.full_refresh else "first build: the whole history"
            return AsOfRange(first, latest, why, first)
        start = min(last_built + timedelta(days=1), latest)
        return AsOfRange(start, latest, f"continues after {last_built}, the last day built", first)
    start = request.as_of_date or request.start
    end = request.as_of_date or request.end
    assert start is not None and end is not None
    if end > latest:
        raise AsOfError(
            f"as-of day {end} is after {latest}, the latest complete day of the data (the day before the "
            "latest usage event): ask for an earlier day"
        )
    if last_built is not None and start > last_built + timedelta(days=1):
        return AsOfRange(last_built + timedelta(days=1), end,
                         f"asked for {request.describe()}, widened back to the day after {last_built}, "
                         "the last day built, so the daily tables keep no hole", first)
    return AsOfRange(start, end, f"asked for {request.describe()}", first)


# --------------------------------------------------------------------------------- the warehouse


def _scalar(con: Any, sql: str) -> Any:
    """One value from a DuckDB or a PostgreSQL (psycopg2) connection."""
    if hasattr(con, "cursor") and not hasattr(con, "fetchone"):  # psycopg2
        with con.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
    else:
        row = con.execute(sql).fetchone()
    return row[0] if row else None


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _exists(con: Any, schema: str, table: str) -> bool:
    return bool(_scalar(con, "select count(*) from information_schema.tables "
                             f"where table_schema = '{schema}' and table_name = '{table}'"))


def read_bounds(con: Any, daily_models: Sequence[tuple[str, str]]) -> DataBounds:
    """The data's bounds and the last day the daily models `(schema, name)` all hold."""
    latest_event = None
    if _exists(con, RAW_SCHEMA, "usage_events"):
        latest_event = _as_date(_scalar(con, f"select max(occurred_at) from {RAW_SCHEMA}.usage_events"))
    history_start = None
    if _exists(con, RAW_SCHEMA, "subscriptions"):
        history_start = _as_date(_scalar(con, f"select min(started_on) from {RAW_SCHEMA}.subscriptions"))
    last_days = []
    for schema, name in daily_models:
        last_day = _scalar(con, f"select max(as_of_date) from {schema}.{name}") if _exists(con, schema, name) else None
        last_days.append(_as_date(last_day))
    last_built = None if not last_days or None in last_days else min(last_days)  # type: ignore[type-var]
    return DataBounds(
        history_start=history_start,
        latest_complete_day=latest_event - timedelta(days=1) if latest_event else None,
        last_built_day=last_built,
    )


def connect() -> Any:
    """A connection to the working warehouse of the dbt target (the embedded DuckDB file, or PostgreSQL)."""
    if settings.dbt_target() == "postgres":
        return warehouse.connect_postgres()
    if not settings.warehouse_path().exists():  # nothing loaded yet: an empty database says so
        return warehouse.connect_duckdb(":memory:")
    return warehouse.connect_duckdb(read_only=True)


def for_warehouse(request: Request) -> AsOfRange:
    """Decide the range of a run on the target warehouse as it is now."""
    # imported here: the rest of this module also serves where dbt's Dagster integration is not installed
    from orchestration import project

    con = connect()
    try:
        bounds = read_bounds(con, project.daily_models())
    finally:
        con.close()
    return decide(bounds, request)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.as_of",
        description="Print the dbt vars of the as-of range a refresh would compute now (JSON for --vars).",
    )
    parser.add_argument("--as-of-date", help="one day, YYYY-MM-DD")
    parser.add_argument("--start", help="first day of a range, YYYY-MM-DD (with --end)")
    parser.add_argument("--end", help="last day of a range, YYYY-MM-DD (with --start)")
    parser.add_argument("--full-refresh", action="store_true", help="the whole history")
    args = parser.parse_args(argv)
    try:
        request = Request.parse(args.as_of_date, args.start, args.end, args.full_refresh)
        chosen = for_warehouse(request)
    except AsOfError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"as-of range {chosen}", file=sys.stderr)
    print(json.dumps(chosen.dbt_vars()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
