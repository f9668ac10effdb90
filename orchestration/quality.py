"""Segment quality as published: the rows of `segment_quality_monthly` in the serving file, and the
lines `make run` closes with on the latest complete snapshot.

The figures are computed in SQL (models/marts/segments/segment_quality_monthly.sql); this module
only reads and words them. `bench/quality.py` pools the same rows over every complete snapshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from orchestration import warehouse

TABLE = "segment_quality_monthly"


def read_snapshots(serving_path: Path) -> list[dict[str, Any]]:
    """Every row of the table in the serving file, oldest snapshot first; none without the table."""
    if not Path(serving_path).exists():
        return []
    con = warehouse.connect_duckdb(serving_path, read_only=True)
    try:
        cursor = con.execute(f"select * from main.{TABLE} order by snapshot_date")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    except duckdb.CatalogException:  # a serving file published before the table existed
        return []
    finally:
        con.close()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def latest_summary(serving_path: Path) -> str:
    """Two lines on the latest snapshot with a complete outcome window (one when there is none yet)."""
    snapshots = read_snapshots(serving_path)
    if not snapshots:
        return "Segment quality: no month-end snapshot has a complete 90-day outcome window yet."
    row = snapshots[-1]
    return (
        f"Segment quality at {row['snapshot_date']} (latest snapshot with a complete 90-day outcome; "
        f"{row['paying_accounts']:,} paying accounts): {_pct(row['at_risk_share'])} at risk, churn "
        f"{_pct(row['churn_rate_90d'])}, at-risk lift {_num(row['at_risk_lift'])} at recall "
        f"{_pct(row['at_risk_recall'])}, health AUC {_num(row['health_auc'], 2)}.\n"
        f"  Over its month, per live account-year: {_num(row['band_changes_per_account_year'])} band "
        f"changes ({_pct(row['band_reversal_share'])} undone the next day), "
        f"{_num(row['risk_entries_per_account_year'])} at-risk entries ({_pct(row['risk_reversal_share'])} "
        f"out the next day); every snapshot in {TABLE}."
    )
