"""Segment assignments end to end on a tiny hand-made book of business.

The raw tables are written by hand into a landing folder as CSV, loaded with the product's
loader and built with dbt (tests/support_dbt.py, in a private warehouse per test). It checks:
- the risk examples of the contract (docs/contract.md): a $50K account that is growing and highly
  used is not at risk; a $75K flat account whose usage fell 40% is at risk and served one level up;
- at risk with memory on real data: an enterprise account without touchpoints or QBRs for months
  is at risk (no_qbr and no_touchpoint apply to high touch), stays at risk 13 days after a QBR
  clears the rule and leaves on the 14th, still boosted while held;
- revenue tiers with memory on real data: a dip below the buffer that recovers within the grace
  period keeps the tier, a drop that lasts the whole grace period moves it down on the last day;
  the overrides; the transitions they leave;
- building the history day by day gives the same segments and transitions as one run;
- every dbt test of the segment models passes (contracts, keys, tie-out with mrr_movements).

The rules at their edges are dbt unit tests beside the models.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from orchestration.loader import load
from tests.support_dbt import DbtWarehouse

HISTORY_START = date(2024, 6, 1)
LAST_EVENT_DAY = date(2025, 6, 30)
AS_OF = LAST_EVENT_DAY - timedelta(days=1)  # the latest complete day
USAGE_DROP_FROM = AS_OF - timedelta(days=29)  # first day of the activity window ending on AS_OF
DAILY_FROM, DAILY_TO = date(2025, 6, 10), date(2025, 6, 14)  # days the incremental test runs one by one
UPSTREAM = ["+account_segments_daily"]
SEGMENT_MODELS = ["account_segments_daily", "account_segments", "account_segment_memberships",
                  "segment_transitions", "user_segments", "segment_summary_monthly"]
# the intermediate models that hold the rules (every one feeds account_segments_daily)
SEGMENT_INTERMEDIATE_MODELS = ["int_revenue__lifecycle_stages_daily", "int_revenue__tiers_daily",
                               "int_segments__risk_daily", "int_segments__coverage_served",
                               "int_segments__assignments_daily", "int_segments__memberships_daily"]


# --- the hand-made raw data --------------------------------------------------------------------

@dataclass
class Account:
    """One account: its subscription periods (start, end or None, MRR) and how its users behave."""

    account_id: str
    periods: list[tuple[date, date | None, float]]
    users: int = 1
    # feature events per user and day before / from USAGE_DROP_FROM (besides one login a day)
    feature_events: tuple[int, int] = (2, 2)
    industry: str = "technology"
    potential_arr: float | None = None
    is_reference: bool = False
    csm_owner: str | None = "csm_a"
    # days without any touchpoint (first, last); the day after the last brings a QBR
    touchpoint_pause: tuple[date, date] | None = None


ACCOUNTS = [
    # contract example: $50K, growing (an expansion, usage up a third), highly used -> not at risk
    Account("growing_50k", [(HISTORY_START, date(2025, 3, 31), 3000), (date(2025, 4, 1), None, 4200)],
            users=5, feature_events=(2, 3)),
    # contract example: $75K flat, usage down 40% (5 events a day -> 3) -> at risk, served high_touch
    Account("flat_75k", [(HISTORY_START, None, 6250)], users=5, feature_events=(4, 2)),
    # enterprise ($108K) dipping to $84K (below the 90K buffer floor) for 22 days, then back
    Account("dipper", [(HISTORY_START, date(2025, 5, 20), 9000), (date(2025, 5, 21), date(2025, 6, 11), 7000),
                       (date(2025, 6, 12), None, 9000)]),
    # enterprise falling to $60K on 2025-05-15 for good: down on the 30th day, 2025-06-13
    Account("dropper", [(HISTORY_START, date(2025, 5, 14), 9000), (date(2025, 5, 15), None, 5000)]),
    # $6K reference account -> served at mid_market; $12K with $150K potential -> mid_market (potential
    # lifts an account at most one tier above the tier of its ARR)
    Account("reference", [(HISTORY_START, None, 500)], is_reference=True, industry="education"),
    Account("potential", [(HISTORY_START, None, 1000)], potential_arr=150000, industry=""),
    # pays until 2025-06-11 -> churned from 2025-06-12: keeps its tier, served no coverage
    Account("churner", [(HISTORY_START, date(2025, 6, 11), 1000)], csm_owner=None),
    # enterprise ($108K) without touchpoints from 2025-01-26 until a QBR on 2025-06-06: no_touchpoint
    # from 02-25, no_qbr from 03-17 (the last QBR was 2024-11-16), so at risk until the QBR clears the
    # rule and 13 days after it (the daily runs of test_day_by_day_equals_one_run fall inside those)
    Account("quiet_spell", [(HISTORY_START, None, 9000)], users=3,
            touchpoint_pause=(date(2025, 1, 26), date(2025, 6, 5))),
]

DROP_DAY = date(2025, 6, 13)


def _days(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if value is None else value for value in row] for row in rows)


def _ts(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00"


def write_landing(landing: Path) -> None:
    """The raw tables of ACCOUNTS as CSV files (an engaged book: daily logins, calls, QBRs)."""
    landing.mkdir(parents=True)
    created = _ts(HISTORY_START - timedelta(days=1))
    _write(landing / "accounts.csv",
           ["account_id", "account_name", "industry", "region", "use_case", "employee_count", "potential_arr",
            "is_reference", "csm_owner", "created_at", "updated_at"],
           [[a.account_id, a.account_id.title(), a.industry or None, "emea", None, 100, a.potential_arr,
             str(a.is_reference).lower(), a.csm_owner, created, created] for a in ACCOUNTS])
    _write(landing / "subscriptions.csv",
           ["subscription_id", "account_id", "plan", "status", "started_on", "ended_on", "renews_on", "mrr", "seats",
            "currency", "updated_at"],
           [[f"{a.account_id}_s{i}", a.account_id, "business", "active" if end is None else "cancelled",
             start, end, date(2026, 3, 1) if end is None else None, mrr, 5, "USD", created]
            for a in ACCOUNTS for i, (start, end, mrr) in enumerate(a.periods)])
    _write(landing / "invoices.csv",
           ["invoice_id", "account_id", "subscription_id", "issued_on", "due_on", "paid_on", "amount", "currency",
            "status"], [])
    users = [(a, f"{a.account_id}_u{i}") for a in ACCOUNTS for i in range(a.users)]
    _write(landing / "users.csv", ["user_id", "account_id", "role", "created_at", "deactivated_at"],
           [[user_id, a.account_id, "admin" if user_id.endswith("_u0") else "user", created, None]
            for a, user_id in users])
    events = []
    for a, user_id in users:
        last_day = min(LAST_EVENT_DAY, max(end or LAST_EVENT_DAY for _, end, _ in a.periods))
        for day in _days(HISTORY_START, last_day):
            features = a.feature_events[0] if day < USAGE_DROP_FROM else a.feature_events[1]
            feature = f"f{day.toordinal() % 4 + 1}"  # every business feature within any window
            events.append([f"{user_id}_{day}_l", a.account_id, user_id, "login", _ts(day), 1])
            events.append([f"{user_id}_{day}_f", a.account_id, user_id, feature, _ts(day, 10), features])
    _write(landing / "usage_events.csv",
           ["event_id", "account_id", "user_id", "event_name", "occurred_at", "quantity"], events)
    touchpoints = []
    for a in ACCOUNTS:
        pause_from, pause_to = a.touchpoint_pause or (None, None)
        for day in _days(HISTORY_START, LAST_EVENT_DAY):
            offset = (day - HISTORY_START).days
            if pause_from and pause_from <= day <= pause_to:
                continue
            if pause_to and day == pause_to + timedelta(days=1):
                touchpoints.append([f"{a.account_id}_{day}", a.account_id, _ts(day, 15), "qbr"])
            elif offset % 14 == 0:
                touchpoints.append([f"{a.account_id}_{day}", a.account_id, _ts(day, 15),
                                    "qbr" if offset % 84 == 0 else "call"])
    _write(landing / "touchpoints.csv", ["touchpoint_id", "account_id", "occurred_at", "touchpoint_type"],
           touchpoints)


# --- dbt in a private warehouse ----------------------------------------------------------------

class Warehouse(DbtWarehouse):
    """A private warehouse with dbt pointed at it."""

    def run(self, *select: str, **vars_: str) -> None:
        self.materialize(*select, vars_=vars_)


@pytest.fixture(scope="module")
def raw_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file holding the loaded raw tables; copied by each test."""
    root = tmp_path_factory.mktemp("segments_raw")
    write_landing(root / "landing")
    warehouse = root / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    report = load(root / "landing", warehouse_path=warehouse, loaded_at=datetime(2025, 7, 1, 12))
    assert report.rows_rejected == 0
    return warehouse


def _warehouse(raw_warehouse: Path, root: Path) -> Warehouse:
    wh = Warehouse(root)
    shutil.copy(raw_warehouse, wh.path)
    wh.dbt("seed")
    return wh


@pytest.fixture(scope="module")
def built(raw_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The whole history built in one run (no vars: a first build), with the segment tests run."""
    wh = _warehouse(raw_warehouse, tmp_path_factory.mktemp("segments_built"))
    wh.run(*[f"+{model}" for model in SEGMENT_MODELS])
    yield wh


# --- the tests ---------------------------------------------------------------------------------

def test_spec_examples(built: Warehouse) -> None:
    growing = built.row("marts.account_segments", "account_id = 'growing_50k'")
    assert growing["as_of_date"].date() == AS_OF
    assert float(growing["arr"]) == 50400
    assert (growing["arr_tier"], growing["tier_reason"]) == ("mid_market", "current_arr")
    assert not growing["is_at_risk"] and growing["risk_reasons"] is None
    assert growing["usage_change_ratio"] > 0 and growing["health_band"] != "red"
    assert (growing["coverage_model"], growing["csm_ratio"], growing["is_coverage_boosted"]) == ("low_touch", 50, False)

    flat = built.row("marts.account_segments", "account_id = 'flat_75k'")
    assert float(flat["arr"]) == 75000 and flat["arr_tier"] == "mid_market"
    assert flat["usage_change_ratio"] == pytest.approx(-0.4)
    assert flat["is_at_risk"] and "usage_drop" in flat["risk_reasons"].split("; ")
    # one level up from its tier's low_touch 1:50
    assert (flat["coverage_model"], flat["csm_ratio"], flat["is_coverage_boosted"]) == ("high_touch", 15, True)


def test_at_risk_with_memory(built: Warehouse) -> None:
    quiet = built.table("marts.account_segments_daily", "account_id = 'quiet_spell'").set_index("as_of_date")
    qbr_day = date(2025, 6, 6)

    def day(offset: int) -> pd.Series:
        return quiet.loc[pd.Timestamp(qbr_day + timedelta(days=offset))]

    # the rule holds until the QBR: both gap signals apply to a high-touch account
    assert day(-1)["rule_is_at_risk"] and day(-1)["risk_reasons"] == "disengagement_signals: no_qbr, no_touchpoint"
    assert not day(0)["rule_is_at_risk"]
    # held by memory through the 13th day after the rule last held (2025-06-05), with its reasons
    for offset in range(0, 13):
        held = day(offset)
        assert held["is_at_risk"] and not held["rule_is_at_risk"], offset
        assert held["risk_reasons"] == "disengagement_signals: no_qbr, no_touchpoint"
        assert (held["coverage_model"], held["is_coverage_boosted"]) == ("high_touch", False)
    assert not day(13)["is_at_risk"] and pd.isna(day(13)["risk_reasons"])

    risk = built.table("marts.segment_transitions", "account_id = 'quiet_spell' and segment_type = 'risk'")
    assert risk[["effective_date", "to_value", "trigger"]].astype(str).values.tolist() == [
        ["2025-03-17", "at_risk", "risk_rule_fired"],  # 121 days after the QBR of 2024-11-16
        [str(qbr_day + timedelta(days=13)), "not_at_risk", "risk_cleared"],
    ]


def test_tiers_with_memory_and_overrides(built: Warehouse) -> None:
    dipper = built.table("marts.account_segments_daily", "account_id = 'dipper' and as_of_date >= date '2025-05-20'")
    assert set(dipper["arr_tier"]) == {"enterprise"}, "a dip that recovers within the grace period keeps the tier"
    in_dip = dipper[(dipper["as_of_date"] >= pd.Timestamp("2025-05-21")) & (dipper["as_of_date"] <= pd.Timestamp("2025-06-11"))]
    assert set(in_dip["tier_reason"]) == {"downgrade_grace"} and len(in_dip) == 22

    dropper = built.table("marts.account_segments_daily", "account_id = 'dropper'").set_index("as_of_date")
    assert dropper.loc[pd.Timestamp(DROP_DAY - timedelta(days=1)), "arr_tier"] == "enterprise"
    assert dropper.loc[pd.Timestamp(DROP_DAY), "arr_tier"] == "mid_market"
    transitions = built.table("marts.segment_transitions", "segment_type = 'arr_tier'")
    assert transitions[["account_id", "effective_date", "from_value", "to_value", "direction", "trigger"]].astype(str).values.tolist() == [
        ["dropper", str(DROP_DAY), "enterprise", "mid_market", "down", "grace_period_elapsed"],
    ]

    current = built.table("marts.account_segments").set_index("account_id")
    assert (current.loc["reference", "arr_tier"], current.loc["reference", "tier_reason"]) == ("mid_market", "reference_account")
    assert (current.loc["potential", "arr_tier"], current.loc["potential", "tier_reason"]) == ("mid_market", "potential_arr")
    assert current.loc["potential", "vertical"] == "unknown"
    assert current.loc["churner", "lifecycle_stage"] == "churned" and not current.loc["churner", "is_at_risk"]
    assert (current.loc["churner", "arr_tier"], current.loc["churner", "tier_reason"]) == ("smb", "churned")
    assert current.loc["churner", "coverage_model"] == "none" and pd.isna(current.loc["churner", "csm_ratio"])
    lifecycle = built.table("marts.segment_transitions", "account_id = 'churner' and segment_type = 'lifecycle_stage'")
    assert lifecycle[["effective_date", "to_value", "trigger"]].astype(str).values.tolist() == [
        ["2024-08-30", "adoption", "onboarding_completed"],  # day 91 from the first start
        ["2025-06-12", "churned", "churned"],
    ]

    memberships = built.table("marts.account_segment_memberships")
    assert len(memberships) == 5 * len(ACCOUNTS)
    users = built.table("marts.user_segments")
    assert len(users) == sum(a.users for a in ACCOUNTS)
    assert users.loc[users["account_id"] == "churner", "is_inactive"].all()
    assert not users.loc[users["account_id"] == "growing_50k", "is_inactive"].any()


def test_segment_dbt_tests_pass(built: Warehouse) -> None:
    """Contracts, keys, accepted values, the tie-out with mrr_movements and the unit tests."""
    built.dbt("test", "--select", *SEGMENT_MODELS, *SEGMENT_INTERMEDIATE_MODELS, "revenue_tiers", "coverage_models",
              "--indirect-selection", "cautious")  # not the tests of models this warehouse did not build


def test_day_by_day_equals_one_run(raw_warehouse: Path, tmp_path: Path) -> None:
    one_run = _warehouse(raw_warehouse, tmp_path / "one_run")
    one_run.run(*UPSTREAM, "+segment_transitions", as_of_start=str(HISTORY_START), as_of_end=str(DAILY_TO))
    expected = {name: one_run.table(name) for name in ("marts.account_segments_daily", "marts.segment_transitions")}

    daily = _warehouse(raw_warehouse, tmp_path / "daily")
    daily.run(*UPSTREAM, as_of_start=str(HISTORY_START), as_of_end=str(DAILY_FROM - timedelta(days=1)))
    for day in _days(DAILY_FROM, DAILY_TO):
        daily.run(*UPSTREAM, as_of_date=str(day))
    daily.run("+segment_transitions", as_of_date=str(DAILY_TO))

    for name, frame in expected.items():
        assert len(frame) > 0
        pd.testing.assert_frame_equal(daily.table(name), frame)
    # the window holds a downgrade, a recovery and a churn, so the memory was exercised
    triggers = set(expected["marts.segment_transitions"].query(
        f"effective_date >= '{DAILY_FROM}'")["trigger"])
    assert {"grace_period_elapsed", "churned"} <= triggers


def test_no_day_left_behind_by_a_partial_run(raw_warehouse: Path, tmp_path: Path) -> None:
    """A first build over a range that starts after the revenue history begins, then a run of the
    features alone over later days, then a run of everything without vars: each daily model
    continues from its own last computed day, so none skips the days the partial run computed;
    segment analytics start with the first computed month and still tie out with mrr_movements."""
    first_day = date(2025, 3, 1)
    wh = _warehouse(raw_warehouse, tmp_path)
    everything = [f"+{model}" for model in SEGMENT_MODELS]
    wh.run(*everything, as_of_start=str(first_day), as_of_end=str(DAILY_FROM - timedelta(days=1)))
    wh.run("+account_features_daily", as_of_start=str(DAILY_FROM), as_of_end=str(DAILY_TO))
    wh.run(*everything)

    every_day = {pd.Timestamp(day) for day in _days(first_day, AS_OF)}
    for name in ("marts.account_features_daily", "marts.account_health_daily", "marts.account_segments_daily"):
        assert set(wh.table(name)["as_of_date"]) == every_day, f"{name} has missing or extra days"
    summary = wh.table("marts.segment_summary_monthly")
    assert summary["month"].min() == pd.Timestamp(first_day)
    wh.dbt("test", "--select", "segment_summary_monthly")
