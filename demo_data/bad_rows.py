"""Deliberately bad rows for `--bad-rows`: one or two of each kind the raw contract rejects.

Every bad row breaks exactly one rule of the raw contract and carries a recognisable key
(`bad_...`), except two that cannot: the null key (found by `account_name` = `bad_null_key`)
and the duplicate key, which is an exact re-send of the generated row of account `acc_000001`
(the loader keeps one copy of a duplicated key, so an identical copy changes no result; the
other copy is rejected). Bad child rows belong to `acc_000001` (and its admin `usr_0000001`),
which always exist, so the rule named is the only one they break.

Unparseable values (`started_on` = `not-a-date`, `mrr` = `abc`) need a text column: in bad-row
mode `subscriptions` is written with `started_on` and `mrr` as text, in Parquet as in CSV.

Four bad accounts have a bad `parent_account_id`: one names an account that does not exist, one
names itself, and two name each other. The loader keeps these accounts (with the parent
cleared) and reports their rows as rejects, one per account.

`expected_bad_rows()` is the list the loader's tests compare `raw.rejects` with. The small
`segment_overrides` table gets five bad rows: on the default demo (about 70 overrides) that is
above the default too-broken limit (`raw_max_rejected_pct`, 5%), so a run on bad-row data
publishes nothing unless the limit is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from orchestration import contract

ACCOUNT = "acc_000001"
USER = "usr_0000001"
FUTURE = datetime(2099, 1, 1, 12, 0, 0)
# Columns written as text in bad-row mode, to carry unparseable values.
TEXT_COLUMNS = {"subscriptions": ("started_on", "mrr")}
# Table and key of the exact duplicate (a re-sent copy of a generated row).
DUPLICATED = ("accounts", ACCOUNT)


@dataclass(frozen=True)
class BadRow:
    """One injected bad row: where it is, how to find it, and the reason the loader must give."""

    table: str
    key: str | None  # the row's key (`raw.rejects.record_key`); None for the null key
    reason: str  # as in `raw.rejects.reason`
    description: str
    match: tuple[tuple[str, str], ...] = ()  # other column values that identify the row, as text


def expected_bad_rows() -> list[BadRow]:
    """Every bad row `--bad-rows` injects, with the reject reason the loader must give it."""
    rows = [
        BadRow(t, key, reason, description, tuple(match.items()))
        for t, key, reason, description, match, _ in _SPECS
    ]
    rows.append(
        BadRow(
            DUPLICATED[0],
            DUPLICATED[1],
            "duplicate_key",
            "exact re-send of a generated account row (one copy is kept)",
        )
    )
    return rows


def bad_records(table: str, start: date) -> list[dict[str, Any]]:
    """The bad rows of one table as full records (every contract column), dates near `start`."""
    columns = contract.TABLES_BY_NAME[table].column_names
    out = []
    for t, key, _, _, _, values in _SPECS:
        if t == table:
            record = dict.fromkeys(columns)
            record.update(_defaults(table, key, start))
            record.update(values(start) if callable(values) else values)
            out.append({c: record[c] for c in columns})
    return out


def _at(start: date, days: int, hour: int = 12) -> datetime:
    return datetime.combine(start + timedelta(days=days), time(hour))


def _defaults(table: str, key: str | None, start: date) -> dict[str, Any]:
    """A valid row of `table` for ACCOUNT; each spec then breaks one thing."""
    t = contract.TABLES_BY_NAME[table]
    base: dict[str, Any] = {t.key: key}
    if t.account_fk:
        base["account_id"] = ACCOUNT
    common = {
        "accounts": {"account_name": key, "created_at": _at(start, 0), "updated_at": _at(start, 1)},
        "subscriptions": {
            "plan": "starter",
            "status": "active",
            "started_on": str(start + timedelta(days=10)),
            "mrr": "100.00",
            "seats": 4,
            "currency": contract.DEFAULT_CURRENCY,
            "updated_at": _at(start, 10),
        },
        "invoices": {
            "issued_on": start + timedelta(days=10),
            "due_on": start + timedelta(days=24),
            "amount": Decimal("100.00"),
            "currency": contract.DEFAULT_CURRENCY,
            "status": "open",
        },
        "users": {"role": "user", "created_at": _at(start, 1)},
        "usage_events": {
            "user_id": USER,
            "event_name": "login",
            "occurred_at": _at(start, 10),
            "quantity": 1,
        },
        "support_tickets": {
            "opened_at": _at(start, 10),
            "first_response_at": _at(start, 10, 13),
            "resolved_at": _at(start, 10, 15),
            "priority": "normal",
            "is_escalated": False,
        },
        "touchpoints": {"occurred_at": _at(start, 10), "touchpoint_type": "call"},
        "nps_responses": {"user_id": USER, "responded_at": _at(start, 10), "score": 8},
        "account_field_history": {
            "changed_at": _at(start, 10),
            "field": "csm_owner",
            "old_value": None,
            "new_value": "Bad Owner",
        },
        "segment_overrides": {
            "segment_type": "risk",
            "value": "at_risk",
            "reason": "champion left the company",
            "set_by": "Bad Owner",
            "set_at": _at(start, 10),
            "starts_on": start + timedelta(days=10),
            "expires_on": start + timedelta(days=40),
        },
    }
    return base | common[table]


# (table, key, reason, description, match, values that break the rule: a dict or start -> dict)
_SPECS: tuple[tuple[str, str | None, str, str, dict[str, str], Any], ...] = (
    (
        "accounts",
        None,
        "null_key",
        "account without account_id",
        {"account_name": "bad_null_key"},
        {"account_name": "bad_null_key"},
    ),
    (
        "usage_events",
        "bad_unknown_account",
        "unknown_account_id",
        "event of an account that does not exist",
        {},
        {"account_id": "bad_no_such_account", "user_id": None},
    ),
    ("subscriptions", "bad_negative_mrr", "out_of_range:mrr", "mrr below 0", {}, {"mrr": "-100.00"}),
    ("nps_responses", "bad_nps_11", "out_of_range:score", "NPS answer 11", {}, {"score": 11}),
    ("support_tickets", "bad_csat_7", "out_of_range:csat_score", "CSAT 7", {}, {"csat_score": 7}),
    (
        "subscriptions",
        "bad_foreign_currency",
        "foreign_currency",
        "subscription in EUR",
        {},
        {"currency": "EUR"},
    ),
    (
        "invoices",
        "bad_foreign_currency_invoice",
        "foreign_currency",
        "invoice in EUR",
        {},
        {"currency": "EUR"},
    ),
    (
        "subscriptions",
        "bad_unparseable_started_on",
        "unparseable:started_on",
        "started_on is not a date",
        {},
        {"started_on": "not-a-date"},
    ),
    ("subscriptions", "bad_unparseable_mrr", "unparseable:mrr", "mrr is not a number", {}, {"mrr": "abc"}),
    (
        "subscriptions",
        "bad_status_paused",
        "not_accepted:status",
        "status outside the enumeration",
        {},
        {"status": "paused"},
    ),
    (
        "subscriptions",
        "bad_ended_before_started",
        "ended_on_before_started_on",
        "ended_on before started_on",
        {},
        lambda start: {"ended_on": start + timedelta(days=5)},
    ),
    (
        "usage_events",
        "bad_future_event",
        "occurred_in_future",
        "event in the year 2099",
        {},
        {"occurred_at": FUTURE},
    ),
    (
        "usage_events",
        "bad_null_event_name",
        "null:event_name",
        "event without event_name",
        {},
        {"event_name": None},
    ),
    (
        "users",
        "bad_unknown_role",
        "not_accepted:role",
        "role outside the enumeration",
        {},
        {"role": "superuser"},
    ),
    (
        "support_tickets",
        "bad_future_ticket",
        "opened_in_future",
        "ticket opened in 2099",
        {},
        {"opened_at": FUTURE, "first_response_at": None, "resolved_at": None},
    ),
    (
        "support_tickets",
        "bad_resolved_before_opened",
        "resolved_before_opened",
        "resolved before it was opened",
        {},
        lambda start: {"first_response_at": None, "resolved_at": _at(start, 9)},
    ),
    (
        "support_tickets",
        "bad_responded_before_opened",
        "responded_before_opened",
        "answered before it was opened",
        {},
        lambda start: {"first_response_at": _at(start, 9), "resolved_at": None},
    ),
    (
        "touchpoints",
        "bad_future_touchpoint",
        "occurred_in_future",
        "touchpoint in 2099",
        {},
        {"occurred_at": FUTURE},
    ),
    (
        "nps_responses",
        "bad_future_response",
        "responded_in_future",
        "NPS answer in 2099",
        {},
        {"responded_at": FUTURE},
    ),
    (
        "accounts",
        "bad_unknown_parent",
        "unknown_parent_account_id",
        "parent account that does not exist (the account is kept without it)",
        {},
        {"parent_account_id": "bad_no_such_account"},
    ),
    (
        "accounts",
        "bad_own_parent",
        "parent_account_id_cycle",
        "account that is its own parent (kept without it)",
        {},
        {"parent_account_id": "bad_own_parent"},
    ),
    (
        "accounts",
        "bad_cycle_a",
        "parent_account_id_cycle",
        "parent of its own parent (kept without it)",
        {},
        {"parent_account_id": "bad_cycle_b"},
    ),
    (
        "accounts",
        "bad_cycle_b",
        "parent_account_id_cycle",
        "parent of its own parent (kept without it)",
        {},
        {"parent_account_id": "bad_cycle_a"},
    ),
    (
        "account_field_history",
        "bad_unknown_field",
        "not_accepted:field",
        "change of a column that has no history",
        {},
        {"field": "employee_count", "new_value": "12"},
    ),
    (
        "account_field_history",
        "bad_future_change",
        "changed_in_future",
        "change in 2099",
        {},
        {"changed_at": FUTURE},
    ),
    (
        "account_field_history",
        "bad_unknown_parent_change",
        "unknown_parent_account_id",
        "parent set to an account that does not exist",
        {},
        {"field": "parent_account_id", "new_value": "bad_no_such_account"},
    ),
    (
        "segment_overrides",
        "bad_segment_type",
        "not_accepted:segment_type",
        "override of a segment type that cannot be overridden",
        {},
        {"segment_type": "health_band", "value": "green"},
    ),
    (
        "segment_overrides",
        "bad_override_value",
        "not_accepted:value",
        "tier override to a tier that does not exist",
        {},
        {"segment_type": "arr_tier", "value": "platinum"},
    ),
    (
        "segment_overrides",
        "bad_empty_reason",
        "null:reason",
        "override without a reason",
        {},
        {"reason": "  "},
    ),
    (
        "segment_overrides",
        "bad_expires_before_start",
        "expires_on_before_starts_on",
        "override that ends before it starts",
        {},
        lambda start: {"expires_on": start + timedelta(days=9)},
    ),
    (
        "segment_overrides",
        "bad_future_override",
        "set_in_future",
        "override set in 2099",
        {},
        {"set_at": FUTURE},
    ),
)
