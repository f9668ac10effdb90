"""The Great Expectations suites of expectations/ and the wrapper that runs them (orchestration/checks/).

Each case builds a small DuckDB warehouse by hand, so the suites are tested on exactly the
breakage they must catch: a null or duplicate key in a raw table (from the contract), a value out
of its range, a band share that swings against the last published run, a row count that drops.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration import rules, runlog
from orchestration.checks import gx
from orchestration.checks.suites import (
    EXPECTATIONS_DIR,
    WARNING,
    Suite,
    load_suite,
    load_suites,
    parameter_names,
    resolve_parameter,
)
from orchestration.contract import TABLES
from orchestration.project import PUBLIC_TABLES


COMPONENTS = ("usage", "adoption", "engagement", "support", "sentiment", "financial")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    for schema in ("raw", "marts"):
        connection.execute(f"create schema {schema}")
    yield connection
    connection.close()


def _suite(layer: str, table: str) -> Suite:
    return load_suite(EXPECTATIONS_DIR / layer / f"{table}.json")


def _accounts(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": [f"a{i}" for i in range(n)],
        "account_name": [f"Account {i}" for i in range(n)],
        "industry": "technology", "region": "emea", "use_case": "sales",
        "employee_count": 100, "potential_arr": 50000.0, "is_reference": False, "csm_owner": "csm1",
        "parent_account_id": None, "created_at": datetime(2024, 1, 1), "updated_at": datetime(2024, 1, 2),
    })


def _health(bands: list[str], day: date = date(2025, 6, 1)) -> pd.DataFrame:
    n = len(bands)
    score = {"red": 20.0, "yellow": 55.0, "green": 85.0}
    return pd.DataFrame({
        "account_id": [f"a{i}" for i in range(n)],
        "as_of_date": day,
        "health_profile": "default",
        **{f"{c}_score": 50.0 for c in COMPONENTS},
        "health_coverage": 1.0,
        "health_score": [score[b] for b in bands],
        "health_band": bands,
        "health_score_change_30d": 0.0,
        "primary_risk_driver": "usage",
        "held_health_band": bands,  # the band with memory equals the score's band on a steady day
    })


def _publish_baseline(con: duckdb.DuckDBPyConnection, outcome: gx.SuiteOutcome) -> None:
    """What the publish step records: the suite's rows and shares under a published run."""
    when = datetime(2025, 6, 1)
    entry = runlog.RunEntry("baseline-run", "refresh", runlog.PUBLISHED, when, when)
    stats = entry.table(outcome.suite.layer, outcome.suite.table)
    stats.checked_rows, stats.checked_shares = outcome.rows, outcome.shares
    runlog.write(con, entry)


def test_every_raw_and_public_table_has_a_suite() -> None:
    assert sorted(s.table for s in load_suites(runlog.RAW)) == sorted(t.name for t in TABLES)
    assert sorted(s.table for s in load_suites(runlog.PUBLIC)) == sorted(PUBLIC_TABLES)


def test_suite_parameters_resolve_from_vars_contract_and_seeds() -> None:
    suites = load_suites(runlog.RAW) + load_suites(runlog.PUBLIC)
    names = parameter_names(e for s in suites for e in s.all_static_expectations())
    values = {name: resolve_parameter(name) for name in names}
    assert values["contract__support_tickets__csat_score__max"] == 5
    assert values["contract__users__role__values"] == ["admin", "co_admin", "executive", "user"]
    assert values["activity_window_days"] == rules.var("activity_window_days")
    assert "starter" in values["seed__plan_features__plan"]
    assert values["seed__health_bands__health_band"] == ["green", "red", "yellow"]
    assert "churn" in values["dbt__mrr_movements__movement"]  # the model's accepted_values test


def test_clean_raw_table_passes_and_contract_catches_null_and_duplicate_keys(con) -> None:
    suite = _suite(runlog.RAW, "accounts")
    frame = _accounts()
    con.execute("create table raw.accounts as select * from frame")
    assert gx.validate(con, suite).passed

    con.execute("insert into raw.accounts select * replace (null as account_id) from raw.accounts limit 1")
    con.execute("insert into raw.accounts select * from raw.accounts where account_id = 'a3'")
    outcome = gx.validate(con, suite)
    failed = {f.expectation: f for f in outcome.failures}
    assert set(failed) == {"expect_column_values_to_not_be_null(account_id)",
                           "expect_column_values_to_be_unique(account_id)"}
    assert outcome.blocking_failed
    assert failed["expect_column_values_to_be_unique(account_id)"].sample == ["a3", "a3"]
    assert "1 unexpected" in failed["expect_column_values_to_not_be_null(account_id)"].detail


def test_an_override_value_must_be_a_value_of_its_segment_type(con) -> None:
    suite = _suite(runlog.RAW, "segment_overrides")
    frame = pd.DataFrame({
        "override_id": ["o1", "o2", "o3", "o4"], "account_id": "a1",
        "segment_type": ["arr_tier", "coverage_model", "risk", "risk"],
        "value": ["enterprise", "high_touch", "at_risk", "enterprise"],
        "reason": "strategic", "set_by": "ann", "set_at": datetime(2024, 1, 1),
        "starts_on": date(2024, 1, 1), "expires_on": None,
    })
    con.execute("create table raw.segment_overrides as select * from frame")
    outcome = gx.validate(con, suite)
    # The tiers and coverage models come from the seeds; a tier is no risk value.
    assert [(f.expectation, f.sample) for f in outcome.failures] == [
        ("expect_column_values_to_be_in_set(value)", ["enterprise"])
    ]
    con.execute("delete from raw.segment_overrides")  # an optional table may be empty
    assert gx.validate(con, suite).passed


def test_value_out_of_range_fails_the_public_suite(con) -> None:
    suite = _suite(runlog.PUBLIC, "account_health_daily")
    frame = _health(["green"] * 10)
    frame.loc[3, "health_score"] = 130.0
    con.execute("create table marts.account_health_daily as select * from frame")
    outcome = gx.validate(con, suite)
    assert [f.expectation for f in outcome.failures] == ["expect_column_values_to_be_between(health_score)"]
    assert outcome.failures[0].sample == ["130.0"]


def test_band_share_swing_against_the_last_published_run_fails(con) -> None:
    suite = _suite(runlog.PUBLIC, "account_health_daily")
    before = _health(["red"] * 10 + ["yellow"] * 30 + ["green"] * 60)
    con.execute("create table marts.account_health_daily as select * from before")
    first = gx.validate(con, suite)
    assert first.passed and first.baseline_run_id is None  # no published run yet: no drift check
    _publish_baseline(con, first)

    # The next day, a few accounts moved: within tolerance.
    steady = _health(["red"] * 14 + ["yellow"] * 28 + ["green"] * 58, date(2025, 6, 2))
    con.execute("insert into marts.account_health_daily select * from steady")
    outcome = gx.validate(con, suite)
    assert outcome.passed, outcome.description()
    assert outcome.baseline_run_id == "baseline-run" and outcome.rows == 100

    # A broken upstream turns a third of the book red overnight.
    swung = _health(["red"] * 45 + ["yellow"] * 20 + ["green"] * 35, date(2025, 6, 3))
    con.execute("insert into marts.account_health_daily select * from swung")
    outcome = gx.validate(con, suite)
    assert outcome.blocking_failed
    details = " | ".join(f.text() for f in outcome.failures)
    assert "share of health_band = 'red' was 10.0%" in details and "now 45.0%" in details
    assert "share of health_band = 'green' was 60.0%" in details
    assert json.loads(json.dumps(outcome.metadata()))["checked_shares"]["health_band"] == [
        ["green", 0.35], ["red", 0.45], ["yellow", 0.2]]


def test_row_count_drop_against_the_last_published_run_fails(con) -> None:
    suite = _suite(runlog.PUBLIC, "account_health_daily")
    whole = _health(["green"] * 100)
    con.execute("create table marts.account_health_daily as select * from whole")
    _publish_baseline(con, gx.validate(con, suite))
    half = _health(["green"] * 50, date(2025, 6, 2))
    con.execute("insert into marts.account_health_daily select * from half")
    outcome = gx.validate(con, suite)
    assert [f.expectation for f in outcome.failures] == ["expect_table_row_count_to_be_between()"]
    assert "was 100 rows" in outcome.failures[0].detail and "50" in outcome.failures[0].detail


def test_warning_expectations_do_not_block(con) -> None:
    suite = _suite(runlog.RAW, "invoices")
    con.execute("""
        create table raw.invoices as
        select 'i1' as invoice_id, 'a1' as account_id, null as subscription_id,
               date '2025-01-10' as issued_on, date '2025-01-01' as due_on, null::date as paid_on,
               10.0 as amount, 'USD' as currency, 'open' as status
    """)
    outcome = gx.validate(con, suite)
    assert [(f.expectation, f.severity) for f in outcome.failures] == [
        ("expect_column_pair_values_a_to_be_greater_than_b(due_on,issued_on)", WARNING)]
    assert not outcome.passed and not outcome.blocking_failed


def test_suite_of_a_table_not_built_yet_is_skipped(con) -> None:
    outcome = gx.validate(con, _suite(runlog.PUBLIC, "segment_transitions"))
    assert outcome.skipped == "marts.segment_transitions is not built yet"
    assert outcome.passed and not outcome.blocking_failed
