"""What one load did: rows read, loaded and rejected per table and reason, and the broken-input verdict.

The loader never refuses to load on reject counts: it reports `too_broken` (a table's rejected
share above the dbt var `raw_max_rejected_pct`; exactly at it is not too broken) for a blocking
check downstream. The report also carries the as-of hint: the latest accepted usage event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from orchestration.contract import RAW_SCHEMA
from orchestration.loader.write import REJECTS_TABLE


@dataclass(frozen=True)
class TableReport:
    """What happened to one raw table in one load.

    `rows_repaired` rows were loaded with a bad reference cleared (an account without its unknown
    or cyclic parent): they are also in `rows_loaded` and, with their reason, in `rows_rejected`,
    so `rows_loaded + rows_rejected - rows_repaired == rows_read`.
    """

    table: str
    source_files: tuple[str, ...]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    rows_repaired: int = 0

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
    # `<table>.<column>` of the columns that may be absent and were missing from a file (loaded null).
    absent_columns: tuple[str, ...] = ()

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
            f"{'table':<30} {'files':>5} {'read':>10} {'loaded':>10} {'rejected':>9} {'pct':>7}  reasons",
        ]
        for t in self.tables.values():
            lines.append(
                f"{t.table:<30} {len(t.source_files):>5} {t.rows_read:>10} {t.rows_loaded:>10} "
                f"{t.rows_rejected:>9} {t.rejected_pct:>6.2f}%  {_reasons_text(t.rejected_by_reason)}"
            )
        if self.as_of_hint:
            lines.append(
                f"Latest usage event {self.as_of_hint}; latest complete day {self.latest_complete_day}."
            )
        repaired = [f"{t.table} {t.rows_repaired}" for t in self.tables.values() if t.rows_repaired]
        if repaired:
            lines.append(
                f"Loaded with a bad reference cleared (counted as rejected too): {', '.join(repaired)}."
            )
        if self.missing_tables:
            lines.append(f"Optional tables absent, loaded empty: {', '.join(self.missing_tables)}.")
        if self.absent_columns:
            lines.append(f"Optional columns absent from a file, loaded null: {', '.join(self.absent_columns)}.")
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
            "absent_columns": list(self.absent_columns),
            "ignored_files": list(self.ignored_files),
            "tables": {
                name: {
                    "source_files": list(t.source_files),
                    "rows_read": t.rows_read,
                    "rows_loaded": t.rows_loaded,
                    "rows_rejected": t.rows_rejected,
                    "rows_repaired": t.rows_repaired,
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
