"""Generate a synthetic SaaS book of business as the raw tables' landing files.

`generate()` simulates accounts and their hidden health, derives every raw table from it and
writes one file per table (`<table>.parquet` or `<table>.csv`, or `<table>/<drop>.<ext>` as a
new drop), with exactly the contract's columns in contract order; with `truth`, it also writes
the hidden churn propensity to a folder of its own (`truth`). The same arguments give
byte-identical files. `usage_events`, the big table, is generated and written in chunks of
days so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration import contract
from orchestration.connectors import parse_names
from demo_data import bad_rows as bad
from demo_data import output, shapes
from demo_data.accounts import Accounts, build_accounts
from demo_data.families import Families, build_families
from demo_data.field_history import FieldHistory, build_field_history
from demo_data.billing import (
    Invoices,
    Subscriptions,
    build_invoices,
    build_subscriptions,
    subscription_statuses,
    subscription_updated_at,
)
from demo_data.lifecycle import History, simulate
from demo_data.overrides import Overrides, build_overrides
from demo_data.people import Users, build_users
from demo_data.success import build_nps, build_touchpoints
from demo_data.support import build_tickets
from demo_data.truth import write_truth
from demo_data.usage import usage_batches
from demo_data.world import (
    INDUSTRIES,
    PLANS,
    REGIONS,
    ROLES,
    SECONDS_PER_DAY,
    Calendar,
    Streams,
)

# A fixed default (never the wall clock), so a default run is reproducible.
DEFAULT_END = date(2026, 10, 31)


def generate(
    accounts: int,
    days: int,
    seed: int,
    out: Path,
    end: date = DEFAULT_END,
    fmt: str = "parquet",
    bad_rows: bool = False,
    drop_name: str | None = None,
    truth: Path | None = None,
    shape: tuple[str, ...] | str = (),
) -> dict[str, int]:
    """Write the raw tables for `accounts` accounts over `days` days ending on `end`; rows per table.

    `end` is the last day with usage and must not be after today (the loader rejects events in
    the future). With `bad_rows`, the rows of `bad_rows.expected_bad_rows()` are added. With
    `truth`, the ground truth for benchmarks is written into that folder (`truth.py`); keep it
    out of the landing folder. With `shape` (connector names, e.g. `("stripe", "zendesk")` or
    "stripe,zendesk"), the domains those connectors provide are written in their shapes instead
    (`shapes`), derived from the same rows; the counts then name those tables `<connector>.<table>`.
    """
    _validate(accounts, days, end, fmt)
    shape = parse_names(shape)
    if shape and bad_rows:
        raise ValueError("bad rows are contract-shaped: generate them without a connector shape")
    replaced = shapes.replaced_tables(shape)
    calendar, streams = Calendar(end=end, days=days), Streams(seed)
    accs = build_accounts(streams, calendar, accounts)
    history = simulate(streams, calendar, accs)
    users = build_users(streams, calendar, accs, history)
    subs = build_subscriptions(streams, calendar, accs, history)
    invoices = build_invoices(streams, calendar, accs, history, subs)
    families = build_families(streams, calendar, accs)
    changes = build_field_history(streams, calendar, accs, families)
    account_ids, user_ids = output.texts(accs.ids), output.texts(users.ids)

    tables = {
        "accounts": _accounts_columns(streams, calendar, accs, families, changes),
        "subscriptions": _subscriptions_columns(streams, calendar, subs, invoices, account_ids),
        "invoices": _invoices_columns(calendar, invoices, subs, account_ids),
        "users": _users_columns(calendar, users, account_ids),
        "support_tickets": _tickets_columns(streams, calendar, accs, history, users, account_ids),
        "touchpoints": _touchpoints_columns(streams, calendar, accs, history, account_ids),
        "nps_responses": _nps_columns(streams, calendar, accs, history, users, account_ids, user_ids),
        "account_field_history": _field_history_columns(calendar, changes, account_ids),
        "segment_overrides": _overrides_columns(
            calendar, build_overrides(streams, calendar, accs, history), account_ids
        ),
    }
    counts: dict[str, int] = {}
    contract_tables = {}
    for name, columns in tables.items():
        table = _with_bad_rows(
            name, output.contract_table(name, columns, _text_columns(name, bad_rows)), calendar, bad_rows
        )
        contract_tables[name] = table
        if name in replaced:
            continue
        with _writer(out, name, fmt, drop_name, bad_rows) as writer:
            writer.write(table)
        counts[name] = writer.rows

    def events() -> Iterator[pa.Table]:
        for batch in usage_batches(streams, calendar, accs, history, users, account_ids, user_ids):
            yield output.contract_table("usage_events", batch)

    if "usage_events" not in replaced:
        with _writer(out, "usage_events", fmt, drop_name, bad_rows) as writer:
            for batch in events():
                writer.write(batch)
            if bad_rows:
                writer.write(_bad_table("usage_events", calendar))
        counts["usage_events"] = writer.rows
    synced_at = datetime.combine(end, time(23, 59, 59))
    counts |= shapes.write(out, shape, contract_tables, events, fmt, drop_name, synced_at)
    if truth is not None:
        write_truth(truth, calendar, accs, history)
    return {t.name: counts[t.name] for t in contract.TABLES if t.name in counts} | {
        label: n for label, n in counts.items() if "." in label
    }


def _validate(accounts: int, days: int, end: date, fmt: str) -> None:
    if accounts < 1 or days < 1:
        raise ValueError("accounts and days must be at least 1")
    if end > date.today():
        raise ValueError(f"end {end} is after today: the loader would reject its events as future")
    if fmt not in output.FORMATS:
        raise ValueError(f"format must be one of {output.FORMATS}, not {fmt!r}")


def _text_columns(table: str, bad_rows: bool) -> tuple[str, ...]:
    return bad.TEXT_COLUMNS.get(table, ()) if bad_rows else ()


def _writer(out: Path, table: str, fmt: str, drop_name: str | None, bad_rows: bool) -> output.TableWriter:
    return output.TableWriter(
        output.file_path(Path(out), table, fmt, drop_name),
        output.schema(table, _text_columns(table, bad_rows)),
        fmt,
    )


def _bad_table(table: str, calendar: Calendar) -> pa.Table:
    return pa.Table.from_pylist(
        bad.bad_records(table, calendar.start), schema=output.schema(table, bad.TEXT_COLUMNS.get(table, ()))
    )


def _with_bad_rows(table: str, good: pa.Table, calendar: Calendar, bad_rows: bool) -> pa.Table:
    if not bad_rows:
        return good
    parts = [good, _bad_table(table, calendar)]
    if table == bad.DUPLICATED[0]:
        key = contract.TABLES_BY_NAME[table].key
        parts.append(good.filter(pa.compute.equal(good[key], bad.DUPLICATED[1])))
    return pa.concat_tables(parts)


def _labels(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Category labels by index; -1 is null."""
    return pa.array(np.array(values, dtype=object)[index], mask=index < 0, type=pa.string())


def _accounts_columns(
    streams: Streams, calendar: Calendar, accs: Accounts, families: Families, changes: FieldHistory
) -> dict[str, pa.Array]:
    rng = streams.get("accounts_updated")
    created = accs.created_seconds
    updated = created + (rng.random(accs.n) * (calendar.last_second - created)).astype(np.int64)
    # A row changes with each change of its attributes.
    updated = np.maximum(updated, changes.last_change(accs.n))
    parent = families.parent
    return {
        "account_id": output.texts(accs.ids),
        "account_name": output.texts(accs.name),
        "industry": _labels(INDUSTRIES, accs.industry),
        "region": _labels(REGIONS, accs.region),
        "use_case": output.texts(accs.use_case),
        "employee_count": output.integers(accs.employee_count, accs.employee_count < 0),
        "potential_arr": output.money(np.nan_to_num(accs.potential_arr), np.isnan(accs.potential_arr)),
        "is_reference": pa.array(accs.is_reference == 1, mask=accs.is_reference < 0),
        "csm_owner": output.texts(accs.csm_owner),
        "parent_account_id": output.texts(accs.ids).take(pa.array(parent, mask=parent < 0)),
        "created_at": output.timestamps(calendar, created),
        "updated_at": output.timestamps(calendar, updated),
    }


def _subscriptions_columns(
    streams: Streams, calendar: Calendar, subs: Subscriptions, invoices: Invoices, account_ids: pa.Array
) -> dict[str, pa.Array]:
    return {
        "subscription_id": output.texts(subs.ids),
        "account_id": account_ids.take(pa.array(subs.account)),
        "plan": _labels(PLANS, subs.plan.astype(np.int64)),
        "status": output.texts(subscription_statuses(calendar, subs, invoices)),
        "started_on": output.dates(calendar, subs.started_on),
        "ended_on": output.dates(calendar, subs.ended_on, subs.ended_on < 0),
        "renews_on": output.dates(calendar, subs.renews_on, subs.renews_on < 0),
        "mrr": output.money(subs.mrr),
        "seats": output.integers(np.nan_to_num(subs.seats), np.isnan(subs.seats)),
        "currency": pa.array([contract.DEFAULT_CURRENCY] * subs.n, type=pa.string()),
        "updated_at": output.timestamps(calendar, subscription_updated_at(streams, calendar, subs)),
    }


def _invoices_columns(
    calendar: Calendar, invoices: Invoices, subs: Subscriptions, account_ids: pa.Array
) -> dict[str, pa.Array]:
    n = invoices.account.size
    return {
        "invoice_id": output.ids("inv_", np.arange(1, n + 1), 8),
        "account_id": account_ids.take(pa.array(invoices.account)),
        "subscription_id": output.texts(subs.ids).take(
            pa.array(invoices.subscription, mask=invoices.subscription < 0)
        ),
        "issued_on": output.dates(calendar, invoices.issued_on),
        "due_on": output.dates(calendar, invoices.due_on),
        "paid_on": output.dates(calendar, invoices.paid_on, invoices.paid_on < 0),
        "amount": output.money(invoices.amount),
        "currency": pa.array([contract.DEFAULT_CURRENCY] * n, type=pa.string()),
        "status": output.texts(invoices.status),
    }


def _users_columns(calendar: Calendar, users: Users, account_ids: pa.Array) -> dict[str, pa.Array]:
    never = users.deactivated_day >= calendar.days
    return {
        "user_id": output.texts(users.ids),
        "account_id": account_ids.take(pa.array(users.account)),
        "role": _labels(ROLES, users.role),
        "created_at": output.timestamps(calendar, users.created_day * SECONDS_PER_DAY + users.created_second),
        "deactivated_at": output.timestamps(
            calendar,
            np.where(never, 0, users.deactivated_day * SECONDS_PER_DAY + users.deactivated_second),
            never,
        ),
    }


def _tickets_columns(
    streams: Streams,
    calendar: Calendar,
    accs: Accounts,
    history: History,
    users: Users,
    account_ids: pa.Array,
) -> dict[str, pa.Array]:
    t = build_tickets(streams, calendar, accs, history, users)
    n = t["account"].size
    return {
        "ticket_id": output.ids("tkt_", np.arange(1, n + 1), 7),
        "account_id": account_ids.take(pa.array(t["account"])),
        "opened_at": output.timestamps(calendar, t["opened"]),
        "first_response_at": output.timestamps(calendar, t["responded"], t["no_response"]),
        "resolved_at": output.timestamps(calendar, t["resolved"], t["no_resolution"]),
        "priority": output.texts(t["priority"]),
        "is_escalated": pa.array(t["escalated"], mask=t["null_escalation"]),
        "csat_score": output.integers(t["csat"], t["no_csat"]),
    }


def _touchpoints_columns(
    streams: Streams, calendar: Calendar, accs: Accounts, history: History, account_ids: pa.Array
) -> dict[str, pa.Array]:
    t = build_touchpoints(streams, calendar, accs, history)
    n = t["account"].size
    return {
        "touchpoint_id": output.ids("tp_", np.arange(1, n + 1), 7),
        "account_id": account_ids.take(pa.array(t["account"])),
        "occurred_at": output.timestamps(calendar, t["at"]),
        "touchpoint_type": output.texts(t["type"]),
    }


def _nps_columns(
    streams: Streams,
    calendar: Calendar,
    accs: Accounts,
    history: History,
    users: Users,
    account_ids: pa.Array,
    user_ids: pa.Array,
) -> dict[str, pa.Array]:
    r = build_nps(streams, calendar, accs, history, users)
    n = r["account"].size
    return {
        "response_id": output.ids("nps_", np.arange(1, n + 1), 7),
        "account_id": account_ids.take(pa.array(r["account"])),
        "user_id": user_ids.take(pa.array(r["user"], mask=r["anonymous"])),
        "responded_at": output.timestamps(calendar, r["at"]),
        "score": output.integers(r["score"]),
    }


def _field_history_columns(calendar: Calendar, changes: FieldHistory, account_ids: pa.Array) -> dict[str, pa.Array]:
    return {
        "change_id": output.ids("chg_", np.arange(1, changes.account.size + 1), 7),
        "account_id": account_ids.take(pa.array(changes.account)),
        "changed_at": output.timestamps(calendar, changes.second),
        "field": output.texts(changes.field),
        "old_value": output.texts(changes.old_value),
        "new_value": output.texts(changes.new_value),
    }


def _overrides_columns(calendar: Calendar, overrides: Overrides, account_ids: pa.Array) -> dict[str, pa.Array]:
    return {
        "override_id": output.ids("ovr_", np.arange(1, overrides.account.size + 1), 5),
        "account_id": account_ids.take(pa.array(overrides.account)),
        "segment_type": output.texts(overrides.segment_type),
        "value": output.texts(overrides.value),
        "reason": output.texts(overrides.reason),
        "set_by": output.texts(overrides.set_by),
        "set_at": output.timestamps(calendar, overrides.set_second),
        "starts_on": output.dates(calendar, overrides.starts_on),
        "expires_on": output.dates(calendar, overrides.expires_on, overrides.expires_on < 0),
    }
