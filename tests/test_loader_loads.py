"""The loader's loads: CSV, Parquet and folders of drops; clear errors and all-or-nothing writes;
idempotence; the too-broken gate; the CLI; the generator's bad rows; the PostgreSQL target.

Each test writes a small landing folder of its own (tests/loader_support.py) and loads it into a
DuckDB warehouse under tmp.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from orchestration import loader, settings, warehouse
from orchestration.contract import TABLES_BY_NAME
from orchestration.loader import write
from orchestration.loader.__main__ import main as cli_main
from tests.loader_support import (
    BAD_CASES,
    VALID,
    Rows,
    bad,
    query,
    run,
    snapshot,
    write_csv,
    write_landing,
    write_parquet,
)


# -------------------------------------------------------------------------------------- formats


def test_csv_parquet_gzip_and_folders_of_drops_load_alike(tmp_path: Path, isolated_env: Path) -> None:
    extra = {"usage_events": [bad("usage_events", "bad_future", occurred_at="2030-01-01 00:00:00")]}
    plain, mixed = tmp_path / "plain", tmp_path / "mixed"
    write_landing(plain, extra)
    run(plain, warehouse_path=tmp_path / "plain.duckdb")

    write_landing(mixed, extra, skip=["accounts", "subscriptions", "usage_events", "touchpoints"])
    write_parquet(mixed / "accounts.parquet", "accounts", VALID["accounts"])
    write_csv(mixed / "subscriptions.csv.gz", VALID["subscriptions"],
              TABLES_BY_NAME["subscriptions"].column_names)
    events = VALID["usage_events"] + extra["usage_events"]
    write_csv(mixed / "usage_events" / "part-1.csv", events[:2], TABLES_BY_NAME["usage_events"].column_names)
    write_parquet(mixed / "usage_events" / "part-2.parquet", "usage_events", events[2:])
    # A drop folder may sit beside a file of the same table; both are read.
    write_csv(mixed / "touchpoints.csv", [], TABLES_BY_NAME["touchpoints"].column_names)
    write_parquet(mixed / "touchpoints" / "2024" / "04.parquet", "touchpoints", VALID["touchpoints"])
    (mixed / "usage_events" / "_SUCCESS").write_text("")
    (mixed / "README.txt").write_text("not a table")
    report = run(mixed, warehouse_path=tmp_path / "mixed.duckdb")

    plain_rows = snapshot(tmp_path / "plain.duckdb")
    mixed_rows = snapshot(tmp_path / "mixed.duckdb")
    assert {k: v for k, v in mixed_rows.items() if k != "rejects"} == \
           {k: v for k, v in plain_rows.items() if k != "rejects"}
    assert [r[:3] for r in mixed_rows["rejects"]] == [r[:3] for r in plain_rows["rejects"]]
    assert mixed_rows["rejects"][0][4] == "usage_events/part-2.parquet"
    assert report.tables["usage_events"].source_files == (
        "usage_events/part-1.csv", "usage_events/part-2.parquet"
    )
    assert report.tables["touchpoints"].source_files == ("touchpoints.csv", "touchpoints/2024/04.parquet")
    assert report.ignored_files == ("README.txt",)


def test_extra_columns_are_ignored(landing: Path) -> None:
    columns = TABLES_BY_NAME["accounts"].column_names
    write_landing(landing, skip=["accounts"])
    rows = [dict(r, _synced_at="2024-06-01", notes="x,y") for r in VALID["accounts"]]
    write_csv(landing / "accounts.csv", rows, ["_synced_at"] + columns[:3] + ["notes"] + columns[3:])
    report = run(landing)
    assert report.rows_rejected == 0
    assert [c[0] for c in query("describe raw.accounts")] == columns
    assert query("select account_id, account_name, industry from raw.accounts order by 1") == [
        ("a1", "Acme", "education"), ("a2", "Beta", None)
    ]


# ------------------------------------------------------------------------- errors, all-or-nothing


def test_a_missing_column_is_a_clear_error_and_nothing_is_written(landing: Path) -> None:
    write_landing(landing)
    run(landing)
    before = snapshot()
    columns = [c for c in TABLES_BY_NAME["usage_events"].column_names if c != "occurred_at"]
    write_csv(landing / "usage_events.csv", VALID["usage_events"][:1], columns)
    write_landing(landing, {"accounts": [bad("accounts", "a9")]}, skip=["usage_events"])

    message = r"usage_events: usage_events\.csv lacks column\(s\) occurred_at"
    with pytest.raises(loader.LandingError, match=message):
        run(landing)
    assert snapshot() == before


def test_a_missing_required_table_is_a_clear_error(landing: Path) -> None:
    write_landing(landing, skip=["subscriptions"])
    with pytest.raises(loader.LandingError, match="subscriptions: no subscriptions.csv"):
        run(landing)
    assert not settings.warehouse_path().exists() or query(
        "select count(*) from information_schema.tables where table_schema = 'raw'") == [(0,)]


def test_a_missing_landing_folder_is_a_clear_error(isolated_env: Path) -> None:
    with pytest.raises(loader.LandingError, match="does not exist"):
        run(isolated_env / "nowhere")
    assert not settings.warehouse_path().exists()


def test_a_missing_optional_table_loads_empty(landing: Path) -> None:
    write_landing(landing, skip=["nps_responses"])
    report = run(landing)
    assert report.missing_tables == ("nps_responses",)
    assert query("select count(*) from raw.nps_responses") == [(0,)]
    assert "nps_responses" in report.summary()


def test_a_failed_write_rolls_back_every_table(landing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_landing(landing)
    run(landing)
    before = snapshot()
    write_landing(landing, {"accounts": [bad("accounts", "a9")], "usage_events": [bad("usage_events", "e9")]})
    real_ddl = write._ddl

    def failing_ddl(output: Any, **kwargs: Any) -> str:
        if output.name == loader.REJECTS_TABLE:  # the last table written
            raise RuntimeError("disk full")
        return real_ddl(output, **kwargs)

    monkeypatch.setattr(write, "_ddl", failing_ddl)
    with pytest.raises(RuntimeError, match="disk full"):
        run(landing)
    assert snapshot() == before


# ---------------------------------------------------------------------------------- idempotence


def test_loading_the_same_files_twice_gives_the_same_tables(landing: Path) -> None:
    extra: dict[str, Rows] = {}
    for table, row, _ in BAD_CASES[::5]:
        extra.setdefault(table, []).append(row)
    write_landing(landing, extra)
    first = run(landing)
    once = snapshot()
    second = loader.load(landing, loaded_at=datetime(2024, 6, 1, 13, 0))
    twice = snapshot()

    assert first.to_dict()["tables"] == second.to_dict()["tables"]
    for name in once.keys() - {"rejects"}:
        assert twice[name] == once[name], name
    # The rejects are the same rows, stamped with the second load's time.
    assert [r[:5] for r in twice["rejects"]] == [r[:5] for r in once["rejects"]]
    assert {r[5] for r in twice["rejects"]} == {datetime(2024, 6, 1, 13, 0)}
    assert len(once["rejects"]) == len(BAD_CASES[::5])


# ------------------------------------------------------------------------------ too-broken gate


def _events_with_bad(landing: Path, bad_count: int) -> None:
    """usage_events of 20 rows, `bad_count` of them in the future; every other table clean."""
    good = [bad("usage_events", f"g{i}") for i in range(20 - len(VALID["usage_events"]) - bad_count)]
    future = [bad("usage_events", f"bad{i}", occurred_at="2030-01-01 00:00:00") for i in range(bad_count)]
    write_landing(landing, {"usage_events": good + future})


def test_exactly_at_the_limit_is_not_too_broken(landing: Path) -> None:
    _events_with_bad(landing, 1)  # 1 of 20 = 5%
    report = run(landing, max_rejected_pct=5)
    assert report.tables["usage_events"].rejected_pct == pytest.approx(5.0)
    assert not report.too_broken and report.problems == []


def test_above_the_limit_is_too_broken_but_still_loaded(landing: Path) -> None:
    _events_with_bad(landing, 2)  # 2 of 20 = 10%
    report = run(landing, max_rejected_pct=5)
    assert report.too_broken
    assert len(report.problems) == 1 and report.problems[0].startswith("usage_events: 10.00% of 20 rows")
    assert "TOO BROKEN" in report.summary()
    assert query("select count(*) from raw.usage_events") == [(18,)]  # the loader reports, it does not refuse


def test_the_limit_defaults_to_the_dbt_var(landing: Path) -> None:
    _events_with_bad(landing, 2)
    report = run(landing)
    assert report.max_rejected_pct == 5.0  # raw_max_rejected_pct in dbt_project.yml
    assert report.too_broken
    assert not run(landing, max_rejected_pct=10).too_broken


def test_the_report_serialises(landing: Path) -> None:
    write_landing(landing, {"nps_responses": [bad("nps_responses", "bad_nps_11", score="11")]})
    report = run(landing)
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict["tables"]["nps_responses"]["rejected_by_reason"] == {"out_of_range:score": 1}
    assert as_dict["rows_rejected"] == 1 and as_dict["too_broken"] is True
    assert "out_of_range:score 1" in str(report)


# ------------------------------------------------------------------------------------------ CLI


def test_cli_prints_the_report(landing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _events_with_bad(landing, 2)
    assert cli_main(["--landing", str(landing)]) == 0
    out = capsys.readouterr().out
    assert "rows read" in out and "usage_events" in out and "TOO BROKEN" in out
    assert cli_main(["--landing", str(landing), "--check"]) == 2


def test_cli_reports_a_landing_error(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--landing", str(isolated_env / "nowhere")]) == 1
    assert "does not exist" in capsys.readouterr().err


# ------------------------------------------------------------------- the generator's bad rows


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_injected_bad_row_of_the_generator_is_rejected_with_its_reason(
    isolated_env: Path, tmp_path: Path, fmt: str
) -> None:
    from demo_data import bad_rows
    from demo_data.generator import generate

    out = tmp_path / "landing"
    generate(30, 45, 3, out, fmt=fmt, bad_rows=True)
    report = loader.load(out)

    found = query("select table_name, reason, record_key, record from raw.rejects")
    expected = bad_rows.expected_bad_rows()
    assert report.rows_rejected == len(found) == len(expected)
    for row in expected:
        matches = [
            r for r in found
            if r[:3] == (row.table, row.reason, row.key)
            and all(json.loads(r[3]).get(c) == v for c, v in row.match)
        ]
        assert len(matches) == 1, f"{row} not rejected as expected; rejects: {found}"


# -------------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_postgres_target_gets_the_same_rows_as_duckdb(landing: Path) -> None:
    """Needs a server at the CS_PG_* settings; skipped when none answers."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        warehouse.connect_postgres().close()
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server at the CS_PG_* settings: {exc}")
    write_landing(landing, {
        "subscriptions": [bad("subscriptions", "bad_eur", currency="EUR")],
        "accounts": [bad("accounts", "a1", account_name="Acme 2", updated_at="2024-02-01")],
    })
    duck = run(landing)
    pg_report = run(landing, target="postgres")
    assert pg_report.to_dict()["tables"] == duck.to_dict()["tables"]

    con = warehouse.connect_postgres()
    try:
        with con.cursor() as cur:
            for name, rows in snapshot().items():
                cur.execute(f"select * from raw.{name}")
                assert sorted(cur.fetchall()) == rows, name
    finally:
        con.close()
