"""The loader: every kind of bad row is rejected with its reason and the rest is loaded; inputs in
CSV, Parquet and folders of drops; duplicates; idempotence; all-or-nothing; the too-broken gate.

Each test writes a small landing folder of its own (from `VALID`, one valid row set of every
table) and loads it into a DuckDB warehouse under tmp.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration import loader, rules, settings, warehouse
from orchestration.contract import SQL_TYPES, TABLES, TABLES_BY_NAME

LOADED_AT = datetime(2024, 6, 1, 12, 0, 0)

Rows = list[dict[str, str]]

# One consistent, valid row set per table; a test adds or changes rows to break one rule.
VALID: dict[str, Rows] = {
    "accounts": [
        {"account_id": "a1", "account_name": "Acme", "industry": "education", "region": "emea",
         "use_case": "lms", "employee_count": "120", "potential_arr": "150000.00", "is_reference": "true",
         "csm_owner": "ann", "created_at": "2023-01-01 00:00:00", "updated_at": "2024-01-01 00:00:00"},
        {"account_id": "a2", "account_name": "Beta", "created_at": "2023-02-01 00:00:00",
         "updated_at": "2024-01-01 00:00:00"},
    ],
    "subscriptions": [
        {"subscription_id": "s1", "account_id": "a1", "plan": "business", "status": "active",
         "started_on": "2023-01-01", "renews_on": "2025-01-01", "mrr": "1000.00", "seats": "20",
         "currency": "USD", "updated_at": "2024-01-01 00:00:00"},
        {"subscription_id": "s2", "account_id": "a2", "plan": "starter", "status": "cancelled",
         "started_on": "2023-02-01", "ended_on": "2024-01-31", "mrr": "0", "seats": "5",
         "currency": "USD", "updated_at": "2024-01-31 00:00:00"},
    ],
    "invoices": [
        {"invoice_id": "i1", "account_id": "a1", "subscription_id": "s1", "issued_on": "2024-01-01",
         "due_on": "2024-01-15", "paid_on": "2024-01-10", "amount": "1000.00", "currency": "USD",
         "status": "paid"},
    ],
    "users": [
        {"user_id": "u1", "account_id": "a1", "role": "admin", "created_at": "2023-01-02 00:00:00"},
        {"user_id": "u2", "account_id": "a2", "role": "user", "created_at": "2023-02-02 00:00:00",
         "deactivated_at": "2024-01-31 00:00:00"},
    ],
    "usage_events": [
        {"event_id": "e1", "account_id": "a1", "user_id": "u1", "event_name": "login",
         "occurred_at": "2024-05-01 10:00:00", "quantity": "1"},
        {"event_id": "e2", "account_id": "a1", "user_id": "u1", "event_name": "f1",
         "occurred_at": "2024-05-02 11:00:00", "quantity": "3"},
        {"event_id": "e3", "account_id": "a2", "event_name": "f2", "occurred_at": "2024-01-03 09:00:00"},
    ],
    "support_tickets": [
        {"ticket_id": "t1", "account_id": "a1", "opened_at": "2024-05-01 09:00:00",
         "first_response_at": "2024-05-01 10:00:00", "resolved_at": "2024-05-02 09:00:00",
         "priority": "high", "is_escalated": "false", "csat_score": "5"},
    ],
    "touchpoints": [
        {"touchpoint_id": "p1", "account_id": "a1", "occurred_at": "2024-04-01 15:00:00",
         "touchpoint_type": "qbr"},
    ],
    "nps_responses": [
        {"response_id": "r1", "account_id": "a1", "user_id": "u1", "responded_at": "2024-04-15 08:00:00",
         "score": "9"},
    ],
}
VALID_ROWS = sum(len(rows) for rows in VALID.values())


# ------------------------------------------------------------------------------------- helpers


def write_csv(path: Path, rows: Iterable[dict[str, str]], columns: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:  # type: ignore[operator]
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return path


def write_parquet(path: Path, table: str, rows: Rows) -> Path:
    """A typed Parquet file (contract types, not text), as a sync tool would write it."""
    tmp = write_csv(path.with_suffix(".tmp.csv"), rows, TABLES_BY_NAME[table].column_names)
    columns = TABLES_BY_NAME[table].columns
    typed = ", ".join(f"cast({c.name} as {SQL_TYPES[c.type]}) as {c.name}" for c in columns)
    with duckdb.connect() as con:
        source = f"read_csv('{tmp}', all_varchar = true)"
        con.execute(f"copy (select {typed} from {source}) to '{path}' (format parquet)")
    tmp.unlink()
    return path


def write_landing(landing: Path, extra: dict[str, Rows] | None = None, skip: Iterable[str] = ()) -> None:
    """VALID (plus `extra` rows appended per table) as `<table>.csv` files."""
    for table in TABLES:
        if table.name not in skip:
            rows = VALID[table.name] + (extra or {}).get(table.name, [])
            write_csv(landing / f"{table.name}.csv", rows, table.column_names)


def run(landing: Path, **kwargs: Any) -> loader.LoadReport:
    return loader.load(landing, loaded_at=LOADED_AT, **kwargs)


def query(sql: str, warehouse: Path | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse or settings.warehouse_path()), read_only=True) as con:
        return con.execute(sql).fetchall()


def rejects() -> list[tuple[str, str, str | None]]:
    return query("select table_name, reason, record_key from raw.rejects order by all")


def snapshot(warehouse: Path | None = None) -> dict[str, list[tuple]]:
    """Every raw table and the rejects, rows sorted: two loads are equal when their snapshots are."""
    names = [t.name for t in TABLES] + [loader.REJECTS_TABLE]
    return {name: query(f"select * from raw.{name} order by all", warehouse) for name in names}


def bad(table: str, key: str | None, **changes: str) -> dict[str, str]:
    """The first valid row of `table` with a new key and some values changed."""
    row = dict(VALID[table][0])
    row[TABLES_BY_NAME[table].key] = key if key is not None else ""
    row.update(changes)
    return row


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

# (table, bad row, expected reason); keys start with `bad` so they are easy to find.
BAD_CASES: list[tuple[str, dict[str, str], str]] = [
    ("accounts", bad("accounts", None), "null_key"),
    ("accounts", bad("accounts", "   "), "null_key"),
    ("accounts", bad("accounts", "bad_emp", employee_count="many"), "unparseable:employee_count"),
    ("accounts", bad("accounts", "bad_parr", potential_arr="1.2.3"), "unparseable:potential_arr"),
    ("accounts", bad("accounts", "bad_ref", is_reference="maybe"), "unparseable:is_reference"),
    ("accounts", bad("accounts", "bad_created", created_at="2023-13-01"), "unparseable:created_at"),
    ("accounts", bad("accounts", "bad_name", account_name=""), "null:account_name"),
    ("accounts", bad("accounts", "bad_no_created", created_at=" "), "null:created_at"),
    ("accounts", bad("accounts", "bad_emp_neg", employee_count="-1"), "out_of_range:employee_count"),
    ("accounts", bad("accounts", "bad_parr_neg", potential_arr="-100"), "out_of_range:potential_arr"),
    ("subscriptions", bad("subscriptions", "bad_start", started_on="yesterday"), "unparseable:started_on"),
    ("subscriptions", bad("subscriptions", "bad_seats", seats="2.5"), "unparseable:seats"),
    ("subscriptions", bad("subscriptions", "bad_mrr", mrr="12,5"), "unparseable:mrr"),
    ("subscriptions", bad("subscriptions", "bad_plan", plan=""), "null:plan"),
    ("subscriptions", bad("subscriptions", "bad_status", status="paused"), "not_accepted:status"),
    ("subscriptions", bad("subscriptions", "bad_mrr_neg", mrr="-0.01"), "out_of_range:mrr"),
    ("subscriptions", bad("subscriptions", "bad_seats_neg", seats="-3"), "out_of_range:seats"),
    ("subscriptions", bad("subscriptions", "bad_eur", currency="EUR"), "foreign_currency"),
    ("subscriptions", bad("subscriptions", "bad_ended", started_on="2023-01-10", ended_on="2023-01-09"),
     "ended_on_before_started_on"),
    ("subscriptions", bad("subscriptions", "bad_account", account_id="zz"), "unknown_account_id"),
    ("invoices", bad("invoices", "bad_inv_status", status="draft"), "not_accepted:status"),
    ("invoices", bad("invoices", "bad_gbp", currency="GBP"), "foreign_currency"),
    ("invoices", bad("invoices", "bad_due", due_on="15/01/2024"), "unparseable:due_on"),
    ("invoices", bad("invoices", "bad_amount", amount=""), "null:amount"),
    ("invoices", bad("invoices", "bad_inv_account", account_id="a3"), "unknown_account_id"),
    ("users", bad("users", "bad_role", role="owner"), "not_accepted:role"),
    ("users", bad("users", "bad_deact", deactivated_at="soon"), "unparseable:deactivated_at"),
    ("users", bad("users", "bad_user_account", account_id="zz"), "unknown_account_id"),
    ("usage_events", bad("usage_events", "bad_future", occurred_at="2024-06-01 12:00:01"),
     "occurred_in_future"),
    ("usage_events", bad("usage_events", "bad_qty", quantity="1.5"), "unparseable:quantity"),
    ("usage_events", bad("usage_events", "bad_qty_neg", quantity="-2"), "out_of_range:quantity"),
    ("usage_events", bad("usage_events", "bad_event_name", event_name=""), "null:event_name"),
    ("usage_events", bad("usage_events", "bad_event_account", account_id="zz"), "unknown_account_id"),
    ("support_tickets", bad("support_tickets", "bad_opened", opened_at="2024-07-01 00:00:00",
                            first_response_at="", resolved_at=""), "opened_in_future"),
    ("support_tickets", bad("support_tickets", "bad_resolved", resolved_at="2024-05-01 08:59:59"),
     "resolved_before_opened"),
    ("support_tickets", bad("support_tickets", "bad_responded", first_response_at="2024-04-30 09:00:00"),
     "responded_before_opened"),
    ("support_tickets", bad("support_tickets", "bad_priority", priority="asap"), "not_accepted:priority"),
    ("support_tickets", bad("support_tickets", "bad_csat_0", csat_score="0"), "out_of_range:csat_score"),
    ("support_tickets", bad("support_tickets", "bad_csat_6", csat_score="6"), "out_of_range:csat_score"),
    ("support_tickets", bad("support_tickets", "bad_escalated", is_escalated="perhaps"),
     "unparseable:is_escalated"),
    ("support_tickets", bad("support_tickets", "bad_ticket_account", account_id="zz"), "unknown_account_id"),
    ("touchpoints", bad("touchpoints", "bad_tp_account", account_id="zz"), "unknown_account_id"),
    ("nps_responses", bad("nps_responses", "bad_nps_account", account_id="zz"), "unknown_account_id"),
    ("touchpoints", bad("touchpoints", "bad_type", touchpoint_type="lunch"), "not_accepted:touchpoint_type"),
    ("touchpoints", bad("touchpoints", "bad_tp_future", occurred_at="2025-01-01 00:00:00"),
     "occurred_in_future"),
    ("nps_responses", bad("nps_responses", "bad_nps_11", score="11"), "out_of_range:score"),
    ("nps_responses", bad("nps_responses", "bad_nps_neg", score="-1"), "out_of_range:score"),
    ("nps_responses", bad("nps_responses", "bad_nps_text", score="ten"), "unparseable:score"),
    ("nps_responses", bad("nps_responses", "bad_nps_future", responded_at="2030-01-01 00:00:00"),
     "responded_in_future"),
]


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
    real_ddl = loader._ddl

    def failing_ddl(output: Any, **kwargs: Any) -> str:
        if output.name == loader.REJECTS_TABLE:  # the last table written
            raise RuntimeError("disk full")
        return real_ddl(output, **kwargs)

    monkeypatch.setattr(loader, "_ddl", failing_ddl)
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
    assert loader.main(["--landing", str(landing)]) == 0
    out = capsys.readouterr().out
    assert "rows read" in out and "usage_events" in out and "TOO BROKEN" in out
    assert loader.main(["--landing", str(landing), "--check"]) == 2


def test_cli_reports_a_landing_error(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert loader.main(["--landing", str(isolated_env / "nowhere")]) == 1
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
