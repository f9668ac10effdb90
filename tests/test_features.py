"""As-of and incremental guarantees of the account features and MRR models.

On a small generated dataset, in a private warehouse per test module:
- no look-ahead: events added after day D change nothing in D's row, even when the run also
  computes later days that see those events;
- one run over a range gives the same tables as the range's days computed one at a time;
- re-running a day (explicitly, or the daily run without vars) replaces it, never duplicates it;
- the windowed metrics equal a brute-force recomputation from the raw tables.

The business rules at their edges are dbt unit tests beside the models; this module runs dbt
itself (a dbt process per run: dbt-duckdb keeps the database open in its process) with
CS_DATA_DIR, DBT_TARGET_PATH and DBT_LOG_PATH in tmp paths (tests/support_dbt.py).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from demo_data.generator import generate
from orchestration import project
from orchestration.loader import load
from orchestration.rules import var
from tests.support_dbt import DbtWarehouse

ACCOUNTS, DAYS, SEED = 25, 120, 11
END = date(2025, 6, 30)  # last generated day with usage; the latest complete day is the day before
LAST_DAY = END - timedelta(days=1)
RANGE_START = LAST_DAY - timedelta(days=45)
SELECTION = ["+account_features_daily", "+mrr_movements"]
DAILY_TABLES = ("marts.account_features_daily", "marts.mrr_movements", "intermediate.int_revenue__mrr_daily")


class Warehouse(DbtWarehouse):
    """A private warehouse; dbt runs in its own process (the tests copy the file between runs)."""

    def __init__(self, root: Path) -> None:
        daily = [model for model in project.daily_models()
                 if model[1] in ("account_features_daily", "int_revenue__mrr_daily")]
        super().__init__(root, isolated=True, daily_models=daily)

    def build(self, *, full_refresh: bool = False, **vars_: str) -> None:
        self.materialize(*SELECTION, full_refresh=full_refresh, vars_=vars_)

    def table(self, name: str, where: str = "true") -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as con:
            frame = con.execute(f"select * from {name} where {where}").df()
        keys = [c for c in ("account_id", "as_of_date", "month") if c in frame.columns]
        return frame.sort_values(keys).reset_index(drop=True)


@pytest.fixture(scope="module")
def range_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """Raw tables loaded, seeded, and the daily models built over one range (first build);
    the warehouse file, copied by each test, and its tables as built."""
    root = tmp_path_factory.mktemp("features")
    generate(ACCOUNTS, DAYS, SEED, root / "landing", end=END)
    built = Warehouse(root)
    report = load(root / "landing", warehouse_path=built.path, loaded_at=datetime(2025, 7, 1, 12))
    assert report.rows_rejected == 0
    # the rules the features read: plan features, and the tiers and coverage models the
    # disengagement signals apply by
    built.dbt("seed")
    built.build(as_of_start=RANGE_START.isoformat(), as_of_end=LAST_DAY.isoformat())
    return built.path, {name: built.table(name) for name in DAILY_TABLES}


def copy_of(warehouse_file: Path, root: Path) -> Warehouse:
    copy = Warehouse(root)
    shutil.copy(warehouse_file, copy.path)
    return copy


def assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert len(left) > 0
    # nullable integer columns come back as Int64 or int64 depending on whether the rows hold a null
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-12)


def test_no_look_ahead(range_built: tuple[Path, dict[str, pd.DataFrame]], tmp_path: Path) -> None:
    warehouse_file, tables = range_built
    day = LAST_DAY - timedelta(days=10)
    before = tables["marts.account_features_daily"]
    before = before[before["as_of_date"] == pd.Timestamp(day)].reset_index(drop=True)
    warehouse = copy_of(warehouse_file, tmp_path)

    # Activity of every kind right after D (from its very first second), for every account.
    after = f"timestamp '{day + timedelta(days=1)} 00:00:00'"
    warehouse.execute(f"""
        insert into raw.usage_events
        select 'late_' || user_id || e.event_name, account_id, user_id, e.event_name, {after}, 5
        from raw.users, (values ('login'), ('f1'), ('f5')) as e(event_name);
        insert into raw.touchpoints select 'late_' || account_id, account_id, {after}, 'qbr' from raw.accounts;
        insert into raw.support_tickets
        select 'late_' || account_id, account_id, {after}, {after}, {after}, 'urgent', true, 1 from raw.accounts;
        insert into raw.nps_responses select 'late_' || account_id, account_id, null, {after}, 0 from raw.accounts;
        insert into raw.subscriptions
        select 'late_' || account_id, account_id, 'enterprise', 'active', date '{day + timedelta(days=1)}',
            null, null, 999, 99, 'USD', {after} from raw.accounts;
        insert into raw.users select 'late_' || account_id, account_id, 'admin', {after}, null from raw.accounts;
        update raw.invoices set paid_on = date '{day + timedelta(days=1)}' where paid_on is null;
    """)
    # A first build over D and days after it: its daily tables and windows hold the late rows.
    warehouse.build(full_refresh=True, as_of_start=(day - timedelta(days=2)).isoformat(),
                    as_of_end=(day + timedelta(days=5)).isoformat())

    assert_same(before, warehouse.table("marts.account_features_daily", f"as_of_date = date '{day}'"))
    later = warehouse.table("marts.account_features_daily", f"as_of_date = date '{day + timedelta(days=1)}'")
    assert (later["days_since_qbr"] == 0).all(), "the late rows must count on D + 1 (else this test proves nothing)"


def test_day_by_day_equals_one_range_run(range_built: tuple[Path, dict[str, pd.DataFrame]], tmp_path: Path) -> None:
    warehouse_file, range_run = range_built
    # The same range from the raw data: the days before the last ones as one run, then one day at a time.
    daily = copy_of(warehouse_file, tmp_path)
    daily.execute("drop schema intermediate cascade; drop schema marts cascade;")
    first = LAST_DAY - timedelta(days=1)
    daily.build(as_of_start=RANGE_START.isoformat(), as_of_end=(first - timedelta(days=1)).isoformat())
    for offset in range((LAST_DAY - first).days + 1):
        daily.build(as_of_date=(first + timedelta(days=offset)).isoformat())

    for name in DAILY_TABLES:
        assert_same(range_run[name], daily.table(name))


def test_rerunning_a_day_replaces_it(range_built: tuple[Path, dict[str, pd.DataFrame]], tmp_path: Path) -> None:
    warehouse_file, first_run = range_built
    warehouse = copy_of(warehouse_file, tmp_path)

    warehouse.build(as_of_date=(LAST_DAY - timedelta(days=2)).isoformat())  # a backfill of one day
    warehouse.build()  # the daily run without vars: recomputes the latest complete day

    for name in DAILY_TABLES:
        assert_same(first_run[name], warehouse.table(name))
    features = warehouse.table("marts.account_features_daily")
    assert features["as_of_date"].max() == pd.Timestamp(LAST_DAY)
    assert not features.duplicated(["account_id", "as_of_date"]).any()


def test_one_model_selected_alone_after_a_run_of_another_range(
    range_built: tuple[Path, dict[str, pd.DataFrame]], tmp_path: Path
) -> None:
    """No state of an earlier run leaks into a model selected on its own with other vars: the
    models that depend on the range are compiled into it with the invocation's own vars."""
    warehouse_file, tables = range_built
    warehouse = copy_of(warehouse_file, tmp_path)
    warehouse.build(as_of_date=LAST_DAY.isoformat())  # a run of another range: the latest day only
    day = RANGE_START + timedelta(days=7)
    warehouse.execute(f"delete from marts.account_features_daily where as_of_date = date '{day}'")
    warehouse.dbt("run", "--select", "account_features_daily", vars_={"as_of_date": day.isoformat()})

    expected = tables["marts.account_features_daily"]
    expected = expected[expected["as_of_date"] == pd.Timestamp(day)].reset_index(drop=True)
    assert_same(expected, warehouse.table("marts.account_features_daily", f"as_of_date = date '{day}'"))


def test_features_equal_a_brute_force_reference(range_built: tuple[Path, dict[str, pd.DataFrame]]) -> None:
    """Every windowed metric, recomputed the slow obvious way (each day against all raw rows)."""
    warehouse_file, _ = range_built
    w, login, csat, nps = (var(name) for name in
                           ("activity_window_days", "login_gap_days", "csat_window_days", "nps_window_days"))
    roles = ", ".join(f"'{role}'" for role in var("admin_roles"))
    metrics = {
        "mrr": """coalesce((select sum(mrr) from raw.subscriptions s where s.account_id = f.account_id
            and s.started_on <= f.d and (s.ended_on is null or s.ended_on >= f.d) and s.status <> 'trialing'), 0)""",
        "past_due_invoices": """(select count(*) from raw.invoices i where i.account_id = f.account_id
            and i.status <> 'void' and not (i.status = 'paid' and i.paid_on is null)
            and i.due_on < f.d and (i.paid_on is null or i.paid_on > f.d))""",
        "users_total": """(select count(*) from raw.users u where u.account_id = f.account_id
            and cast(u.created_at as date) <= f.d and (u.deactivated_at is null or cast(u.deactivated_at as date) > f.d))""",
        "active_users_30d": f"""(select count(distinct user_id) from ev where ev.account_id = f.account_id
            and ev.day between f.d - {w - 1} and f.d)""",
        "active_days_30d": f"""(select count(distinct day) from ev where ev.account_id = f.account_id
            and ev.day between f.d - {w - 1} and f.d)""",
        "events_30d": f"""(select coalesce(sum(coalesce(quantity, 1)), 0) from ev where ev.account_id = f.account_id
            and ev.day between f.d - {w - 1} and f.d)""",
        "events_prev_30d": f"""(select coalesce(sum(coalesce(quantity, 1)), 0) from ev where ev.account_id = f.account_id
            and ev.day between f.d - {2 * w - 1} and f.d - {w})""",
        "plan_features_used_30d": f"""(select count(distinct event_name) from ev where ev.account_id = f.account_id
            and ev.day between f.d - {w - 1} and f.d
            and (f.plan, ev.event_name) in (select (plan, feature_key) from rules.plan_features))""",
        "users_without_login_10d": f"""(select count(*) from raw.users u where u.account_id = f.account_id
            and cast(u.created_at as date) <= f.d and (u.deactivated_at is null or cast(u.deactivated_at as date) > f.d)
            and not exists (select 1 from ev where ev.user_id = u.user_id and ev.account_id = u.account_id
                and ev.event_name = 'login' and ev.day between f.d - {login} and f.d))""",
        "days_since_admin_login": f"""f.d - (select max(ev.day) from ev join raw.users u using (user_id)
            where ev.account_id = f.account_id and ev.event_name = 'login' and u.role in ({roles}) and ev.day <= f.d)""",
        "days_since_qbr": """f.d - (select max(cast(occurred_at as date)) from raw.touchpoints t
            where t.account_id = f.account_id and t.touchpoint_type = 'qbr' and cast(occurred_at as date) <= f.d)""",
        "open_tickets": """(select count(*) from raw.support_tickets t where t.account_id = f.account_id
            and cast(opened_at as date) <= f.d and (resolved_at is null or cast(resolved_at as date) > f.d))""",
        "median_first_response_hours_30d": f"""(select median(date_diff('second', opened_at, first_response_at) / 3600.0)
            from raw.support_tickets t where t.account_id = f.account_id
            and cast(opened_at as date) between f.d - {w - 1} and f.d and cast(first_response_at as date) <= f.d)""",
        "avg_csat_90d": f"""(select avg(csat_score) from raw.support_tickets t where t.account_id = f.account_id
            and cast(resolved_at as date) between f.d - {csat - 1} and f.d)""",
        "nps_180d": f"""(select 100.0 * (count(*) filter (where score >= 9) - count(*) filter (where score <= 6))
            / nullif(count(*), 0) from raw.nps_responses n where n.account_id = f.account_id
            and cast(responded_at as date) between f.d - {nps - 1} and f.d)""",
    }
    selects = ",\n".join(f"{sql} as {name}" for name, sql in metrics.items())
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        reference = con.execute(f"""
            with ev as (select *, cast(occurred_at as date) as day from raw.usage_events),
            f as (select account_id, as_of_date as d, plan from marts.account_features_daily)
            select account_id, d as as_of_date, {selects} from f order by 1, 2
        """).df()
        built = con.execute(f"select account_id, as_of_date, {', '.join(metrics)} from marts.account_features_daily "
                            "order by 1, 2").df()
    assert len(built) > 0
    pd.testing.assert_frame_equal(reference.astype({"mrr": float}), built.astype({"mrr": float}),
                                  check_dtype=False, check_exact=False, rtol=1e-9)
