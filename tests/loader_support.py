"""Landing files for the loader's tests: one valid row set of every table (`VALID`), one bad row
of each kind with the reason it must get (`BAD_CASES`), and helpers to write, load and read back.

Each test writes a small landing folder of its own and loads it into a DuckDB warehouse under tmp.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration import loader, settings
from orchestration.contract import SQL_TYPES, TABLES, TABLES_BY_NAME

LOADED_AT = datetime(2024, 6, 1, 12, 0, 0)

Rows = list[dict[str, str]]

# One consistent, valid row set per table; a test adds or changes rows to break one rule.
VALID: dict[str, Rows] = {
    "accounts": [
        {"account_id": "a1", "account_name": "Acme", "industry": "education", "region": "emea",
         "use_case": "lms", "employee_count": "120", "potential_arr": "150000.00", "is_reference": "true",
         "csm_owner": "ann", "created_at": "2023-01-01 00:00:00", "updated_at": "2024-01-01 00:00:00"},
        {"account_id": "a2", "account_name": "Beta", "parent_account_id": "a1",
         "created_at": "2023-02-01 00:00:00", "updated_at": "2024-01-01 00:00:00"},
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
    "account_field_history": [
        {"change_id": "c1", "account_id": "a1", "changed_at": "2024-02-01 10:00:00", "field": "csm_owner",
         "old_value": "bob", "new_value": "ann"},
        {"change_id": "c2", "account_id": "a1", "changed_at": "2024-02-02 10:00:00", "field": "potential_arr",
         "old_value": "90000", "new_value": "150000.00"},
        {"change_id": "c3", "account_id": "a2", "changed_at": "2024-03-01 10:00:00",
         "field": "parent_account_id", "new_value": "a1"},
    ],
    "segment_overrides": [
        {"override_id": "o1", "account_id": "a1", "segment_type": "arr_tier", "value": "enterprise",
         "reason": "strategic logo", "set_by": "ann", "set_at": "2024-03-01 09:00:00", "starts_on": "2024-03-01",
         "expires_on": "2024-08-31"},
        {"override_id": "o2", "account_id": "a1", "segment_type": "risk", "value": "at_risk",
         "reason": "champion left", "set_by": "ann", "set_at": "2024-04-01 09:00:00", "starts_on": "2024-04-02"},
        {"override_id": "o3", "account_id": "a2", "segment_type": "coverage_model", "value": "high_touch",
         "reason": "migration project", "set_by": "cs lead", "set_at": "2024-01-05 09:00:00",
         "starts_on": "2024-01-01", "expires_on": "2024-01-01"},
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
    ("account_field_history", bad("account_field_history", "bad_field", field="employee_count"),
     "not_accepted:field"),
    ("account_field_history", bad("account_field_history", "bad_no_field", field=""), "null:field"),
    ("account_field_history", bad("account_field_history", "bad_changed", changed_at="2024-06-01 12:00:01"),
     "changed_in_future"),
    ("account_field_history", bad("account_field_history", "bad_change_account", account_id="zz"),
     "unknown_account_id"),
    ("account_field_history", bad("account_field_history", "bad_parr_text", field="potential_arr",
                                  old_value="", new_value="lots"), "unparseable:new_value"),
    ("account_field_history", bad("account_field_history", "bad_ref_text", field="is_reference",
                                  old_value="maybe", new_value="true"), "unparseable:old_value"),
    ("account_field_history", bad("account_field_history", "bad_parr_neg_value", field="potential_arr",
                                  old_value="1000", new_value="-5"), "out_of_range:new_value"),
    ("account_field_history", bad("account_field_history", "bad_parent", field="parent_account_id",
                                  old_value="", new_value="zz"), "unknown_parent_account_id"),
    ("account_field_history", bad("account_field_history", "bad_old_parent", field="parent_account_id",
                                  old_value="zz", new_value=""), "unknown_parent_account_id"),
    ("segment_overrides", bad("segment_overrides", "bad_type", segment_type="health_band"),
     "not_accepted:segment_type"),
    ("segment_overrides", bad("segment_overrides", "bad_tier", value="platinum"), "not_accepted:value"),
    ("segment_overrides", bad("segment_overrides", "bad_tier_as_model", value="high_touch"),
     "not_accepted:value"),
    ("segment_overrides", bad("segment_overrides", "bad_model", segment_type="coverage_model",
                              value="white_glove"), "not_accepted:value"),
    ("segment_overrides", bad("segment_overrides", "bad_risk", segment_type="risk", value="maybe"),
     "not_accepted:value"),
    ("segment_overrides", bad("segment_overrides", "bad_reason", reason="  "), "null:reason"),
    ("segment_overrides", bad("segment_overrides", "bad_expires", starts_on="2024-03-01",
                              expires_on="2024-02-29"), "expires_on_before_starts_on"),
    ("segment_overrides", bad("segment_overrides", "bad_set_at", set_at="2024-06-02 00:00:00"),
     "set_in_future"),
    ("segment_overrides", bad("segment_overrides", "bad_starts", starts_on="soon"), "unparseable:starts_on"),
    ("segment_overrides", bad("segment_overrides", "bad_override_account", account_id="zz"),
     "unknown_account_id"),
]
