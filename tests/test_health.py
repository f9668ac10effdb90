"""Health scores on generated data: the build, the bands against churn, as-of runs.

One generated book of business (1,000 accounts x 400 days), loaded and built once per module
with `dbt build` (every model, seed, data test and unit test of the project) in a private
warehouse (CS_DATA_DIR, DBT_TARGET_PATH and DBT_LOG_PATH in tmp paths). Then:
- every account-day of the features has a health row, with the profile its industry calls for;
- over the complete month-end snapshots, red churns more than yellow and yellow more than green
  within 90 days (this guards the generator and the scoring together);
- account_health_daily computed in one range run equals the same days computed one at a time,
  `health_score_change_30d` included (it reads D-30 from the features, not from earlier runs).

The scoring rules at their edges are dbt unit tests beside the models.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt.cli.main import dbtRunner

from orchestration.loader import load
from orchestration.settings import PROJECT_DIR
from orchestration.synthetic.generator import generate

pytestmark = pytest.mark.slow

ACCOUNTS, DAYS, SEED = 1000, 400, 7
END = date(2025, 6, 30)  # last generated day with usage; the latest complete day is the day before
LAST_DAY = END - timedelta(days=1)
BANDS_WORST_FIRST = ("red", "yellow", "green")
MIN_ACCOUNT_SNAPSHOTS_PER_BAND = 100  # fewer and a churn rate is too noisy to compare
# Profile each industry gets from seeds/health_profile_assignments.csv (any other: default).
PROFILE_BY_INDUSTRY = {"education": "education", "technology": "high_frequency", "sales": "high_frequency"}


class Warehouse:
    """A DuckDB warehouse file and dbt runs against it (the environment points dbt at it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def dbt(self, *args: str, **vars_: str) -> None:
        cli = [*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--quiet"]
        if vars_:
            cli += ["--vars", "{" + ", ".join(f"{key}: '{value}'" for key, value in vars_.items()) + "}"]
        result = dbtRunner().invoke(cli)
        assert result.success, f"dbt {' '.join(cli)} failed: {result.exception or result.result}"

    def query(self, sql: str) -> pd.DataFrame:
        # Same (default) configuration as dbt's connection: DuckDB refuses a second, different one.
        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql).df()

    def execute(self, sql: str) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.execute(sql)


def point_dbt_at(root: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    """Environment for a private warehouse under `root` (data, dbt target and logs)."""
    monkeypatch.setenv("CS_DATA_DIR", str(root / "data"))
    for var in ("CS_LANDING_DIR", "CS_WAREHOUSE_PATH", "CS_SERVING_PATH", "CS_REPORTING_CURRENCY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DBT_TARGET_PATH", str(root / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(root / "logs"))
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return Warehouse(root / "data" / "warehouse.duckdb")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The generated data loaded and the whole project built (`dbt build`) from scratch."""
    root = tmp_path_factory.mktemp("health")
    with pytest.MonkeyPatch.context() as monkeypatch:
        warehouse = point_dbt_at(root, monkeypatch)
        generate(ACCOUNTS, DAYS, SEED, root / "landing", end=END)
        warehouse.path.parent.mkdir(parents=True)
        report = load(root / "landing", warehouse_path=warehouse.path, loaded_at=datetime(2025, 7, 1, 12))
        assert report.rows_rejected == 0
        warehouse.dbt("build")
        yield warehouse


def test_every_account_day_has_health_with_its_profile(built: Warehouse) -> None:
    rows = built.query("""
        select features.account_id, features.as_of_date, accounts.industry,
            health.health_profile, health.health_score, health.health_band, health.health_coverage
        from marts.account_features_daily as features
        inner join staging.stg_raw__accounts as accounts using (account_id)
        left join marts.account_health_daily as health using (account_id, as_of_date)
    """)
    assert rows["as_of_date"].max().date() == LAST_DAY
    assert rows["health_profile"].notna().all(), "a features row without a health row"
    expected = rows["industry"].map(PROFILE_BY_INDUSTRY).fillna("default")
    assert (rows["health_profile"] == expected).all()
    assert set(rows["health_profile"]) == {"default", "education", "high_frequency"}
    assert set(rows["health_band"]) == set(BANDS_WORST_FIRST)
    assert rows["health_coverage"].between(0, 1).all() and (rows["health_coverage"] < 1).any()


def test_red_churns_more_than_yellow_and_yellow_more_than_green(built: Warehouse) -> None:
    outcomes = built.query("""
        select health_band, sum(accounts) as accounts, sum(churned_within_90d) as churned
        from marts.health_band_outcomes
        where is_complete
        group by health_band
    """).set_index("health_band")
    assert len(built.query("select * from marts.health_band_outcomes where not is_complete")) > 0
    rates = outcomes["churned"] / outcomes["accounts"]
    summary = pd.DataFrame({"accounts": outcomes["accounts"], "churn_rate_90d": rates.round(4)})
    assert (outcomes["accounts"] >= MIN_ACCOUNT_SNAPSHOTS_PER_BAND).all(), summary
    red, yellow, green = (rates[band] for band in BANDS_WORST_FIRST)
    assert red > yellow > green, summary
    assert red >= 2 * green, summary


def test_range_run_equals_day_by_day(built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build computed every day in one run; recompute them in pieces in a copy of it."""
    whole_history = built.query("select * from marts.account_health_daily order by account_id, as_of_date")
    first_day = whole_history["as_of_date"].min().date()
    split = LAST_DAY - timedelta(days=3)

    built.execute("checkpoint")  # everything into the file (dbt's in-process connection may hold a WAL)
    pieces = point_dbt_at(tmp_path, monkeypatch)
    pieces.path.parent.mkdir(parents=True)
    shutil.copy(built.path, pieces.path)
    pieces.execute("drop table marts.account_health_daily")
    pieces.dbt("run", "--select", "account_health_daily",
               as_of_start=first_day.isoformat(), as_of_end=(split - timedelta(days=1)).isoformat())
    for offset in range((LAST_DAY - split).days + 1):
        pieces.dbt("run", "--select", "account_health_daily", as_of_date=(split + timedelta(days=offset)).isoformat())
    # and a day in the middle again: a re-run replaces its rows
    pieces.dbt("run", "--select", "account_health_daily", as_of_date=(split - timedelta(days=45)).isoformat())

    recomputed = pieces.query("select * from marts.account_health_daily order by account_id, as_of_date")
    last_days = recomputed[recomputed["as_of_date"].dt.date >= split]
    assert last_days["health_score_change_30d"].notna().any(), "no 30-day change to compare"
    pd.testing.assert_frame_equal(whole_history, recomputed)
