"""Account attributes stay as they were: a later drop that changes an account never rewrites the past.

A tiny hand-made book of business arrives in three drops (each with a few more days of usage), each
loaded with the product's loader and built as a refresh builds it (the default as-of range, in a
private warehouse: tests/support_dbt.py). The second drop's accounts file moves `moved` from
technology to retail and from csm_a to csm_b; `corrected` had its industry corrected in the CRM's
field history (retail -> education, on 2025-04-10); `steady` never changes. Then a full rebuild.

- the change seen by the refresh of the second drop applies from that refresh's last as-of day:
  every earlier day keeps the old vertical, CSM owner and health profile, later days the new ones;
- the field history's change applies from its own day, already in the first build;
- the vertical transitions are exactly those two, with trigger `industry_changed`;
- `--full-refresh` rebuilds the same segments and transitions (the snapshot is not rebuilt).

The periods at their edges are dbt unit tests beside int_accounts__attribute_periods.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from orchestration.loader import load
from tests.support_dbt import DbtWarehouse

pytestmark = pytest.mark.slow

HISTORY_START = date(2025, 3, 1)
# the last day of usage in each drop; a refresh computes up to the day before (the latest complete day)
DROPS = (date(2025, 5, 31), date(2025, 6, 15), date(2025, 6, 20))
CHANGE_SEEN_ON = DROPS[1] - timedelta(days=1)  # the as-of end of the refresh that sees the change
CORRECTED_ON = date(2025, 4, 10)
# account: (industry, csm_owner) in the accounts file of the first drop, then of the later ones
ACCOUNTS = {
    "moved": (("technology", "csm_a"), ("retail", "csm_b")),
    "corrected": (("education", "csm_a"), ("education", "csm_a")),
    "steady": (("technology", "csm_c"), ("technology", "csm_c")),
}
TABLES = ("marts.account_segments_daily", "marts.segment_transitions", "marts.account_health_daily")


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if value is None else value for value in row] for row in rows)


def write_landing(landing: Path, drop: int) -> None:
    """The landing files of a drop: the accounts as the drop has them, usage up to its last day."""
    landing.mkdir(parents=True, exist_ok=True)
    created = f"{HISTORY_START - timedelta(days=1)}T09:00:00"
    attributes = {account: states[min(drop, 1)] for account, states in ACCOUNTS.items()}
    _write(landing / "accounts.csv",
           ["account_id", "account_name", "industry", "region", "use_case", "employee_count", "potential_arr",
            "is_reference", "csm_owner", "created_at", "updated_at"],
           [[account, account.title(), industry, "emea", None, 100, None, "false", owner, created, created]
            for account, (industry, owner) in attributes.items()])
    _write(landing / "account_field_history.csv",
           ["change_id", "account_id", "changed_at", "field", "old_value", "new_value"],
           [["c1", "corrected", f"{CORRECTED_ON}T15:00:00", "industry", "retail", "education"]])
    _write(landing / "subscriptions.csv",
           ["subscription_id", "account_id", "plan", "status", "started_on", "ended_on", "renews_on", "mrr", "seats",
            "currency", "updated_at"],
           [[f"{account}_s", account, "business", "active", HISTORY_START, None, date(2026, 3, 1), 1000, 5, "USD",
             created] for account in ACCOUNTS])
    _write(landing / "invoices.csv",
           ["invoice_id", "account_id", "subscription_id", "issued_on", "due_on", "paid_on", "amount", "currency",
            "status"], [])
    _write(landing / "users.csv", ["user_id", "account_id", "role", "created_at", "deactivated_at"],
           [[f"{account}_u", account, "admin", created, None] for account in ACCOUNTS])
    days = [HISTORY_START + timedelta(days=n) for n in range((DROPS[drop] - HISTORY_START).days + 1)]
    _write(landing / "usage_events.csv",
           ["event_id", "account_id", "user_id", "event_name", "occurred_at", "quantity"],
           [[f"{account}_{day}", account, f"{account}_u", "login", f"{day}T09:00:00", 1]
            for account in ACCOUNTS for day in days])


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DbtWarehouse, dict[str, pd.DataFrame]]]:
    """Three drops, each loaded and refreshed (the default range); the tables as the refreshes left them."""
    root = tmp_path_factory.mktemp("history")
    warehouse = DbtWarehouse(root)
    for drop, last_day in enumerate(DROPS):
        write_landing(root / "landing", drop)
        report = load(root / "landing", warehouse_path=warehouse.path,
                      loaded_at=datetime.combine(last_day + timedelta(days=1), datetime.min.time()))
        assert report.rows_rejected == 0
        warehouse.materialize()
    yield warehouse, {name: warehouse.table(name) for name in TABLES}


def _by_day(frame: pd.DataFrame, account: str, column: str) -> dict[date, object]:
    rows = frame[frame["account_id"] == account]
    return {day.date(): value for day, value in zip(rows["as_of_date"], rows[column])}


def test_a_later_change_applies_from_the_refresh_that_saw_it(
    history: tuple[DbtWarehouse, dict[str, pd.DataFrame]],
) -> None:
    _, tables = history
    segments, health = tables["marts.account_segments_daily"], tables["marts.account_health_daily"]
    assert segments["as_of_date"].min().date() == HISTORY_START
    assert segments["as_of_date"].max().date() == DROPS[-1] - timedelta(days=1)
    for column, before, after in (("vertical", "technology", "retail"), ("csm_owner", "csm_a", "csm_b")):
        values = _by_day(segments, "moved", column)
        assert {v for d, v in values.items() if d < CHANGE_SEEN_ON} == {before}, column
        assert {v for d, v in values.items() if d >= CHANGE_SEEN_ON} == {after}, column
    profiles = _by_day(health, "moved", "health_profile")
    assert {v for d, v in profiles.items() if d < CHANGE_SEEN_ON} == {"high_frequency"}
    assert {v for d, v in profiles.items() if d >= CHANGE_SEEN_ON} == {"default"}

    corrected = _by_day(segments, "corrected", "vertical")
    assert {v for d, v in corrected.items() if d < CORRECTED_ON} == {"retail"}
    assert {v for d, v in corrected.items() if d >= CORRECTED_ON} == {"education"}
    assert set(_by_day(segments, "steady", "vertical").values()) == {"technology"}

    vertical = tables["marts.segment_transitions"].query("segment_type == 'vertical'")
    assert vertical[["account_id", "effective_date", "from_value", "to_value", "trigger"]].astype(str)\
        .values.tolist() == [
        ["corrected", str(CORRECTED_ON), "retail", "education", "industry_changed"],
        ["moved", str(CHANGE_SEEN_ON), "technology", "retail", "industry_changed"],
    ]


def test_a_full_rebuild_keeps_the_past(history: tuple[DbtWarehouse, dict[str, pd.DataFrame]]) -> None:
    warehouse, tables = history
    warehouse.materialize(full_refresh=True)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(warehouse.table(name), frame, obj=name)
