"""The as-of range of a run: decided once in Python from the data, the days built and the request.

The rule at its edges (a first build, a continuing run, a re-run of the latest day, an explicit day,
a range that would leave a hole, a day after the data, bad input), reading the bounds from a
warehouse, and dbt's refusal to guess a range when no vars are given.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from orchestration.as_of import AsOfError, AsOfRange, DataBounds, Request, decide, read_bounds
from orchestration.settings import PROJECT_DIR

HISTORY_START, LATEST = date(2025, 1, 1), date(2025, 6, 29)


def bounds(last_built: date | None) -> DataBounds:
    return DataBounds(history_start=HISTORY_START, latest_complete_day=LATEST, last_built_day=last_built)


def test_a_first_build_computes_the_whole_history() -> None:
    chosen = decide(bounds(None), Request())
    assert (chosen.start, chosen.end) == (HISTORY_START, LATEST)
    assert chosen.dbt_vars() == {"as_of_start": "2025-01-01", "as_of_end": "2025-06-29", "history_start": "2025-01-01"}


def test_a_later_run_continues_after_the_last_day_built() -> None:
    chosen = decide(bounds(date(2025, 6, 20)), Request())
    assert (chosen.start, chosen.end) == (date(2025, 6, 21), LATEST)


def test_a_run_with_nothing_new_recomputes_the_latest_day() -> None:
    assert (decide(bounds(LATEST), Request()).start, decide(bounds(LATEST), Request()).end) == (LATEST, LATEST)


def test_a_full_refresh_rebuilds_the_whole_history() -> None:
    chosen = decide(bounds(date(2025, 6, 20)), Request(full_refresh=True))
    assert (chosen.start, chosen.end) == (HISTORY_START, LATEST)


def test_an_explicit_day_or_range_is_computed_as_asked() -> None:
    one_day = decide(bounds(date(2025, 6, 20)), Request.parse(as_of_date="2025-03-15"))
    assert (one_day.start, one_day.end) == (date(2025, 3, 15), date(2025, 3, 15))
    a_range = decide(bounds(date(2025, 6, 20)), Request.parse(start="2025-03-01", end="2025-03-31"))
    assert (a_range.start, a_range.end, a_range.days) == (date(2025, 3, 1), date(2025, 3, 31), 31)


def test_a_range_that_would_leave_a_hole_is_widened_back() -> None:
    # the day after the last day built is exactly where a range may start
    exact = decide(bounds(date(2025, 6, 20)), Request.parse(start="2025-06-21", end="2025-06-25"))
    assert exact.start == date(2025, 6, 21)
    widened = decide(bounds(date(2025, 6, 20)), Request.parse(as_of_date="2025-06-25"))
    assert (widened.start, widened.end) == (date(2025, 6, 21), date(2025, 6, 25))
    assert "widened" in widened.why


def test_the_latest_complete_day_may_be_asked_for_but_not_a_later_one() -> None:
    assert decide(bounds(LATEST), Request.parse(as_of_date=LATEST.isoformat())).end == LATEST
    with pytest.raises(AsOfError, match="after 2025-06-29, the latest complete day"):
        decide(bounds(LATEST), Request.parse(as_of_date="2025-06-30"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"as_of_date": "2025-13-01"}, "is not a day: write it as YYYY-MM-DD"),
        ({"as_of_date": "yesterday"}, "is not a day"),
        ({"start": "2025-03-01"}, "needs both a start and an end"),
        ({"start": "2025-03-02", "end": "2025-03-01"}, "starts on 2025-03-02, after its end"),
        ({"as_of_date": "2025-03-01", "start": "2025-03-01", "end": "2025-03-02"}, "not both"),
    ],
)
def test_a_malformed_request_says_what_is_wrong(fields: dict[str, str], message: str) -> None:
    with pytest.raises(AsOfError, match=message):
        Request.parse(**fields)


def test_no_data_no_range() -> None:
    with pytest.raises(AsOfError, match="empty"):
        decide(DataBounds(None, None, None), Request())


def test_bounds_come_from_the_raw_tables_and_the_daily_model_furthest_behind(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.usage_events as select timestamp '2025-06-30 08:00:00' as occurred_at")
    con.execute("create table raw.subscriptions as select date '2025-01-01' as started_on")
    daily = [("marts", "a_daily"), ("marts", "b_daily")]
    assert read_bounds(con, daily) == DataBounds(date(2025, 1, 1), LATEST, None)  # neither is built yet
    con.execute("create table marts.a_daily as select date '2025-06-20' as as_of_date")
    assert read_bounds(con, daily).last_built_day is None  # one of them never built: a first build
    con.execute("create table marts.b_daily as select date '2025-06-18' as as_of_date")
    assert read_bounds(con, daily).last_built_day == date(2025, 6, 18)
    con.close()


def test_the_range_reads_as_the_run_log_shows_it() -> None:
    assert str(AsOfRange(date(2025, 6, 1), date(2025, 6, 1), "asked")) == "2025-06-01 (asked)"
    assert str(AsOfRange(date(2025, 6, 1), date(2025, 6, 3), "x")).startswith("2025-06-01..2025-06-03")


@pytest.mark.slow
def test_dbt_refuses_to_guess_a_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CS_WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    project = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--quiet"]
    result = dbtRunner().invoke(["compile", "--select", "int_revenue__mrr_daily", *project])
    assert not result.success
    assert "no as-of range: pass --vars" in str(result.exception or result.result)
    one_day = dbtRunner().invoke(["compile", "--select", "int_revenue__mrr_daily", *project,
                                  "--vars", "{as_of_date: '2025-06-01'}"])
    assert one_day.success, one_day.exception
    compiled = tmp_path / "target" / "compiled" / "cs_segmentation" / "models" / "intermediate" / "revenue"
    assert "cast('2025-06-01' as date)" in (compiled / "int_revenue__mrr_daily.sql").read_text()
