"""The loader's rows: every kind of bad row is rejected with its reason and the rest is loaded;
the order of the reasons; normalisation; duplicates.

Each test writes a small landing folder of its own (tests/loader_support.py) and loads it into a
DuckDB warehouse under tmp.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration import loader, rules
from orchestration.contract import SQL_TYPES, TABLES, TABLES_BY_NAME
from tests.loader_support import (
    BAD_CASES,
    LOADED_AT,
    VALID,
    VALID_ROWS,
    Rows,
    bad,
    query,
    rejects,
    run,
    write_csv,
    write_landing,
)


# ---------------------------------------------------------------------------------- valid input


def test_valid_landing_loads_every_row_typed(landing: Path) -> None:
    write_landing(landing)
    report = run(landing)

    assert report.rows_read == report.rows_loaded == VALID_ROWS
    assert report.rows_rejected == 0 and rejects() == []
    assert not report.too_broken and report.problems == []
    for table in TABLES:
        types = dict(query(f"select column_name, data_type from information_schema.columns "
                           f"where table_schema = 'raw' and table_name = '{table.name}'"))
        assert list(types) == table.column_names
        assert [types[c.name].lower() for c in table.columns] == [
            SQL_TYPES[c.type].replace(" ", "").lower() for c in table.columns
        ]
        assert query(f"select count(*) from raw.{table.name}")[0][0] == len(VALID[table.name])
    a1 = query("select potential_arr, is_reference, created_at from raw.accounts where account_id = 'a1'")
    assert a1 == [(Decimal("150000.00"), True, datetime(2023, 1, 1))]
    assert report.as_of_hint == datetime(2024, 5, 2, 11, 0)
    assert report.latest_complete_day == date(2024, 5, 1)


# ------------------------------------------------------------------------------------ bad rows

# The report, the rows of raw.rejects, and the keys loaded per table.
BadLoad = tuple[loader.LoadReport, list[tuple], dict[str, list[tuple]]]


@pytest.fixture(scope="module")
def bad_load(tmp_path_factory: pytest.TempPathFactory) -> BadLoad:
    """VALID plus every bad case, loaded once (the cases have distinct keys, so they cannot interact)."""
    root = tmp_path_factory.mktemp("bad_load")
    extra: dict[str, Rows] = {}
    for table, row, _ in BAD_CASES:
        extra.setdefault(table, []).append(row)
    write_landing(root / "landing", extra)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CS_REPORTING_CURRENCY", raising=False)
        rules.dbt_vars.cache_clear()
        report = run(root / "landing", warehouse_path=root / "warehouse.duckdb")
    found = query("select * from raw.rejects", root / "warehouse.duckdb")
    keys = {t.name: query(f"select {t.key} from raw.{t.name} order by 1", root / "warehouse.duckdb")
            for t in TABLES}
    return report, found, keys


@pytest.mark.parametrize(("table", "row", "reason"), BAD_CASES, ids=[f"{t}-{r}" for t, _, r in BAD_CASES])
def test_a_bad_row_is_rejected_with_its_reason(
    bad_load: BadLoad, table: str, row: dict[str, str], reason: str
) -> None:
    _, found, _ = bad_load
    record = {c: (row.get(c) or None) for c in TABLES_BY_NAME[table].column_names}
    matches = [r for r in found if r[0] == table and json.loads(r[3]) == record]
    key = row[TABLES_BY_NAME[table].key].strip() or None
    assert [r[:3] for r in matches] == [(table, reason, key)]
    assert matches[0][4:] == (f"{table}.csv", LOADED_AT)


def test_the_rest_is_loaded_beside_the_bad_rows(bad_load: BadLoad) -> None:
    report, found, keys = bad_load
    assert len(found) == report.rows_rejected == len(BAD_CASES)
    assert report.rows_loaded == VALID_ROWS and report.rows_read == VALID_ROWS + len(BAD_CASES)
    assert keys == {t: sorted((r[TABLES_BY_NAME[t].key],) for r in rows) for t, rows in VALID.items()}
    assert sum(report.rejected_by_table_reason.values()) == len(BAD_CASES)


def test_every_contract_rule_has_a_bad_row_case() -> None:
    """A rule added to the contract (enumeration, range, currency, row rule) needs a case above."""
    covered = {(table, reason) for table, _, reason in BAD_CASES}
    for table in TABLES:
        expected = {f"not_accepted:{c.name}" for c in table.columns if c.accepted_values}
        expected |= {f"out_of_range:{c.name}" for c in table.columns
                     if c.min_value is not None or c.max_value is not None}
        expected |= {name for name, _ in table.row_rules}
        expected |= {"foreign_currency"} if table.has_currency else set()
        expected |= {"unknown_account_id"} if table.account_fk else set()
        expected |= {f"not_accepted:{c.name}" for c in table.columns if c.accepted_values_by}
        expected |= {f"unparseable:{c.name}" for c in table.columns if c.typed_by}
        expected |= {"unknown_parent_account_id"} if any(c.typed_by for c in table.columns) else set()
        missing = {r for r in expected if (table.name, r) not in covered}
        assert not missing, f"{table.name}: no bad-row case for {sorted(missing)}"


def test_values_at_the_edges_of_the_rules_are_accepted(landing: Path) -> None:
    write_landing(landing, {
        "subscriptions": [bad("subscriptions", "s_edge", mrr="0", seats="0", started_on="2024-01-01",
                              ended_on="2024-01-01")],
        "usage_events": [bad("usage_events", "e_now", occurred_at="2024-06-01 12:00:00")],
        "support_tickets": [bad("support_tickets", "t_edge", csat_score="1",
                                first_response_at="2024-05-01 09:00:00", resolved_at="2024-05-01 09:00:00")],
        "nps_responses": [bad("nps_responses", "r_0", score="0"), bad("nps_responses", "r_10", score="10")],
    })
    report = run(landing)
    assert rejects() == []
    assert report.rows_loaded == VALID_ROWS + 5


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"seats": "x", "mrr": "-1", "currency": "EUR"}, "unparseable:seats"),
        ({"mrr": "", "plan": "", "seats": "x"}, "unparseable:seats"),
        ({"plan": "", "status": "paused"}, "null:plan"),
        ({"status": "paused", "mrr": "-1"}, "not_accepted:status"),
        ({"mrr": "-1", "currency": "EUR"}, "out_of_range:mrr"),
        ({"currency": "EUR", "started_on": "2023-01-10", "ended_on": "2023-01-09"}, "foreign_currency"),
        ({"account_id": "zz", "started_on": "2023-01-10", "ended_on": "2023-01-09"},
         "ended_on_before_started_on"),
    ],
)
def test_a_row_gets_the_first_reason_that_applies(
    landing: Path, changes: dict[str, str], reason: str
) -> None:
    write_landing(landing, {"subscriptions": [bad("subscriptions", "bad", **changes)]})
    run(landing)
    assert rejects() == [("subscriptions", reason, "bad")]


def test_null_key_comes_before_everything(landing: Path) -> None:
    write_landing(landing, {"subscriptions": [bad("subscriptions", "", mrr="x", account_id="zz")]})
    run(landing)
    assert rejects() == [("subscriptions", "null_key", None)]


def test_values_are_trimmed_and_normalised(landing: Path) -> None:
    write_landing(landing, {
        "subscriptions": [bad("subscriptions", " s3 ", plan=" business ", status=" Active ", currency="usd",
                              seats="3.0", renews_on="")],
        "users": [bad("users", "u3", role="ADMIN", created_at="2024-05-01T10:00:00+02:00")],
        "support_tickets": [
            bad("support_tickets", "t2", priority="Urgent", is_escalated="TRUE", csat_score="")
        ],
    })
    report = run(landing)
    assert report.rows_rejected == 0
    assert query("select subscription_id, plan, status, currency, seats, renews_on from raw.subscriptions "
                 "where subscription_id = 's3'") == [("s3", "business", "active", "USD", 3, None)]
    assert query("select role, created_at from raw.users where user_id = 'u3'") == [
        ("admin", datetime(2024, 5, 1, 8, 0))  # the offset is converted to UTC
    ]
    t2 = query("select priority, is_escalated, csat_score from raw.support_tickets where ticket_id = 't2'")
    assert t2 == [("urgent", True, None)]


def test_reporting_currency_comes_from_the_dbt_var(landing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CS_REPORTING_CURRENCY", "EUR")  # reporting_currency renders this env var
    write_landing(landing, {"invoices": [bad("invoices", "i_eur", currency="eur")]})
    report = run(landing)
    # Now the USD rows are the foreign ones.
    assert report.rejected_by_table_reason == {("subscriptions", "foreign_currency"): 2,
                                               ("invoices", "foreign_currency"): 1}
    assert query("select invoice_id from raw.invoices") == [("i_eur",)]


def test_children_of_a_rejected_account_are_unknown(landing: Path) -> None:
    write_landing(landing, {
        "accounts": [bad("accounts", "a3", account_name="")],
        "usage_events": [bad("usage_events", "e_a3", account_id="a3")],
    })
    run(landing)
    assert rejects() == [
        ("accounts", "null:account_name", "a3"), ("usage_events", "unknown_account_id", "e_a3")
    ]


def test_a_malformed_csv_line_is_rejected_and_the_rest_loaded(landing: Path) -> None:
    write_landing(landing)
    with open(landing / "touchpoints.csv", "a", encoding="utf-8", newline="") as f:
        f.write("p2,a1,2024-04-02 10:00:00,call,one too many\r\np3,a1,2024-04-03 10:00:00,email\r\n")
    report = run(landing)
    assert rejects() == [("touchpoints", "malformed_line", None)]
    record = json.loads(query("select record from raw.rejects")[0][0])
    assert record["line"] == 3 and record["text"] == "p2,a1,2024-04-02 10:00:00,call,one too many"
    assert query("select touchpoint_id from raw.touchpoints order by 1") == [("p1",), ("p3",)]
    assert report.tables["touchpoints"].rows_read == 3


def test_a_file_the_csv_parser_cannot_read_is_a_clear_error(landing: Path) -> None:
    write_landing(landing)
    with open(landing / "touchpoints.csv", "a", encoding="utf-8", newline="") as f:
        f.write("p2,a1,2024-04-02 10:00:00,call\n")  # a Unix line in a Windows file
    with pytest.raises(loader.LandingError, match="touchpoints: cannot read touchpoints.csv"):
        run(landing)


# ----------------------------------------------------------------------------------- duplicates


def test_duplicate_key_keeps_the_latest_updated_at(landing: Path) -> None:
    newer = bad("accounts", "a1", account_name="Acme New", updated_at="2024-03-01 00:00:00")
    older = bad("accounts", "a1", account_name="Acme Old", updated_at="2024-02-01 00:00:00")
    write_landing(landing, {"accounts": [newer, older]})  # the latest is not the last row
    report = run(landing)

    assert query("select account_name from raw.accounts where account_id = 'a1'") == [("Acme New",)]
    assert rejects() == [("accounts", "duplicate_key", "a1")] * 2
    names = sorted(json.loads(r[0])["account_name"] for r in query("select record from raw.rejects"))
    assert names == ["Acme", "Acme Old"]
    assert report.tables["accounts"].rows_loaded == 2


def test_without_updated_at_the_last_file_then_the_last_row_wins(landing: Path) -> None:
    write_landing(landing, skip=["usage_events"])
    columns = TABLES_BY_NAME["usage_events"].column_names
    first = [dict(VALID["usage_events"][0], quantity="1"), dict(VALID["usage_events"][1], quantity="7"),
             dict(VALID["usage_events"][1], quantity="8")]
    write_csv(landing / "usage_events" / "2024-05-01.csv", first, columns)
    second = [dict(VALID["usage_events"][0], quantity="5")]
    write_csv(landing / "usage_events" / "2024-05-02.csv", second, columns)
    run(landing)

    assert query("select event_id, quantity from raw.usage_events order by 1") == [("e1", 5), ("e2", 8)]
    assert query("select record_key, source_file from raw.rejects order by all") == [
        ("e1", "usage_events/2024-05-01.csv"), ("e2", "usage_events/2024-05-01.csv")
    ]


def test_a_bad_update_leaves_the_good_row_in_place(landing: Path) -> None:
    update = bad("accounts", "a1", employee_count="lots", updated_at="2024-05-01 00:00:00")
    write_landing(landing, {"accounts": [update]})
    run(landing)
    assert rejects() == [("accounts", "unparseable:employee_count", "a1")]
    assert query("select employee_count from raw.accounts where account_id = 'a1'") == [(120,)]
