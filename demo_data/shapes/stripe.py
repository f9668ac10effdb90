"""The billing book in Stripe's shape: customer, product, price, subscription_history,
subscription_item and invoice, as Fivetran syncs them.

Each account billed is a customer whose metadata holds its account id. Contract subscription
periods become Stripe subscriptions: a period follows the one before in the same subscription when
it starts the next day at the same price per unit, and only its trial state or seat count differs
(a trial turning paid, an upgrade); otherwise it opens a subscription of its own (in Stripe, a new
price on an item is not historized). Every period is a version of subscription_history, monthly
prices get a version at each monthly renewal, and a subscription that ends gets a canceled version.
Prices are per seat (unit_amount_decimal: the period's cents over its seats, up to 12 decimals) for
products sold per seat, flat for the periods without seats; enterprise plans are billed yearly.
A monthly subscription's contract renewal date is in its metadata. One deleted customer and one
customer whose key names no account show the staging filter and the loader's matching.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from demo_data.shapes.common import NEVER, Rows, as_json, at, from_rows, number

NAME = "stripe"
YEARLY_PLANS = ("enterprise",)
ANCHOR_SECONDS = 9 * 3600  # subscriptions renew at 09:00 UTC (plus a few minutes each)


def tables(accounts: Rows, subscriptions: Rows, invoices: Rows, synced_at: datetime) -> dict[str, pa.Table]:
    names = {a["account_id"]: (a["account_name"], a["created_at"]) for a in accounts}
    billed = sorted({s["account_id"] for s in subscriptions} | {i["account_id"] for i in invoices}, key=number)
    customers = [_customer(account, *names[account], synced_at) for account in billed]
    subs, sub_of_period = _subscriptions(subscriptions, synced_at)
    extra_customers, extra_subs = _odd_customers(synced_at)
    prices = _prices(subs + extra_subs)
    products = [
        {"id": f"prod_{plan}{suffix}", "name": plan.capitalize(), "unit_label": label, "active": True,
         "is_deleted": False, "_fivetran_synced": synced_at}
        for plan in sorted({s["plan"] for s in subs + extra_subs})
        for suffix, label in (("", "seat"), ("_flat", None))
    ]
    return {
        "customer": from_rows(NAME, "customer", customers + extra_customers),
        "product": from_rows(NAME, "product", products),
        "price": from_rows(NAME, "price", list(prices.values())),
        "subscription_history": from_rows(NAME, "subscription_history", [v for s in subs + extra_subs
                                                                          for v in s["versions"]]),
        "subscription_item": from_rows(NAME, "subscription_item", [
            {"id": "si_" + s["id"].removeprefix("sub_"), "subscription_id": s["id"],
             "plan_id": _price_id(s), "quantity": s["versions"][-1]["quantity"], "created": s["start"],
             "_fivetran_synced": synced_at}
            for s in subs + extra_subs
        ]),
        "invoice": from_rows(NAME, "invoice", [_invoice(i, sub_of_period, synced_at) for i in invoices]),
    }


def _customer(account: str, name: str, created: datetime, synced_at: datetime) -> dict:
    return {"id": _customer_id(account), "name": name, "email": f"billing@{number(account)}.example.com",
            "metadata": as_json({"account_id": account}), "created": created, "is_deleted": False,
            "livemode": True, "_fivetran_synced": synced_at}


def _customer_id(account: str) -> str:
    return f"cus_{number(account):08d}"


def _joins(previous: dict, period: dict) -> bool:
    """Whether a period continues the subscription of the one before (a new version, not a new one)."""
    return (
        previous["account_id"] == period["account_id"]
        and previous["ended_on"] is not None
        and previous["ended_on"] + timedelta(days=1) == period["started_on"]
        and previous["plan"] == period["plan"]
        and (previous["seats"] is None) == (period["seats"] is None)
        and _unit_cents(previous) == _unit_cents(period)
        and (previous["status"] == "trialing", previous["seats"]) != (period["status"] == "trialing", period["seats"])
    )


def _unit_cents(period: dict) -> Decimal:
    """Cents per seat (or per subscription) of one billing period of the price."""
    months = 12 if period["plan"] in YEARLY_PLANS else 1
    cents = Decimal(period["mrr"]) * 100 * months
    return (cents / (period["seats"] or 1)).quantize(Decimal("1e-12"))


def _subscriptions(periods: Rows, synced_at: datetime) -> tuple[list[dict], dict[str, str]]:
    """Stripe subscriptions (with their versions) and the Stripe id of each contract period."""
    ordered = sorted(periods, key=lambda p: (number(p["account_id"]), p["started_on"], number(p["subscription_id"])))
    groups: list[list[dict]] = []
    for period in ordered:
        if groups and _joins(groups[-1][-1], period):
            groups[-1].append(period)
        else:
            groups.append([period])
    subs, sub_of_period = [], {}
    for group in groups:
        sub_id = group[0]["subscription_id"]
        sub_of_period.update({p["subscription_id"]: sub_id for p in group})
        subs.append(_subscription(sub_id, group, synced_at))
    return subs, sub_of_period


def _subscription(sub_id: str, group: list[dict], synced_at: datetime) -> dict:
    anchor = ANCHOR_SECONDS + 60 * (zlib.crc32(sub_id.encode()) % 120)
    first = group[0]
    start = at(first["started_on"], anchor)
    versions = []
    for period in group:
        versions += _period_versions(sub_id, period, anchor, start, synced_at.date())
    last = group[-1]
    if last["ended_on"] is not None:
        ended_at = at(last["ended_on"] + timedelta(days=1), anchor)
        versions.append({**versions[-1], "_fivetran_start": ended_at, "status": "canceled", "ended_at": ended_at,
                         "canceled_at": ended_at})
    for version, following in zip(versions, versions[1:] + [None]):
        version["_fivetran_end"] = following["_fivetran_start"] - timedelta(seconds=1) if following else NEVER
        version["_fivetran_active"] = following is None
        version["_fivetran_synced"] = synced_at
    return {"id": sub_id, "start": start, "plan": first["plan"], "flat": first["seats"] is None,
            "unit_cents": _unit_cents(last), "yearly": first["plan"] in YEARLY_PLANS, "versions": versions}


def _period_versions(sub_id: str, period: dict, anchor: int, start: datetime, end: date) -> list[dict]:
    """The versions of one period: at its start, then at each monthly renewal while it runs."""
    yearly = period["plan"] in YEARLY_PLANS
    trial = period["status"] == "trialing"
    status = "trialing" if trial else ("past_due" if period["status"] == "past_due" else "active")
    metadata = {} if yearly or period["renews_on"] is None else {"renews_on": period["renews_on"].isoformat()}
    last_day = period["ended_on"] or end
    starts = [period["started_on"]]
    while not yearly and _add_month(starts[-1]) <= last_day:
        starts.append(_add_month(starts[-1]))
    versions = []
    for day in starts:
        period_end = (at(period["renews_on"], anchor) if yearly and period["renews_on"]
                      else at(_add_month(day), anchor))
        versions.append({
            "id": sub_id, "_fivetran_start": at(day, anchor), "customer_id": _customer_id(period["account_id"]),
            "status": status, "start_date": start, "created": start, "current_period_start": at(day, anchor),
            "current_period_end": period_end, "quantity": period["seats"] or 1,
            "trial_start": start if trial else None, "trial_end": period_end if trial else None,
            "metadata": as_json(metadata), "livemode": True,
        })
    return versions


def _add_month(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("no valid day")


def _price_id(sub: dict) -> str:
    return f"price_{sub['id'].removeprefix('sub_')}"


def _prices(subs: list[dict]) -> dict[str, dict]:
    """One price per subscription (B2B deals are priced one by one), its cents as a decimal."""
    return {
        _price_id(s): {
            "id": _price_id(s), "product_id": f"prod_{s['plan']}{'_flat' if s['flat'] else ''}", "currency": "usd",
            "unit_amount": int(s["unit_cents"]) if s["unit_cents"] == int(s["unit_cents"]) else None,
            "unit_amount_decimal": s["unit_cents"], "billing_scheme": "per_unit",
            "recurring_interval": "year" if s["yearly"] else "month", "recurring_interval_count": 1,
            "active": True, "is_deleted": False, "livemode": True,
        }
        for s in subs
    }


def _invoice(invoice: dict, sub_of_period: dict[str, str], synced_at: datetime) -> dict:
    return {
        "id": "in_" + invoice["invoice_id"].removeprefix("inv_"),
        "customer_id": _customer_id(invoice["account_id"]),
        "subscription_id": sub_of_period.get(invoice["subscription_id"]) if invoice["subscription_id"] else None,
        "created": at(invoice["issued_on"], 8 * 3600), "due_date": at(invoice["due_on"]),
        "status": invoice["status"], "amount_due": int(Decimal(invoice["amount"]) * 100), "currency": "usd",
        "status_transitions_paid_at": at(invoice["paid_on"], 12 * 3600) if invoice["paid_on"] else None,
        "is_deleted": False, "livemode": True, "_fivetran_synced": synced_at,
    }


def _odd_customers(synced_at: datetime) -> tuple[Rows, list[dict]]:
    """A deleted customer (staging ignores it) and one whose key names no account (the loader
    rejects it and its subscription as unmatched_account), each with a running subscription."""
    created = synced_at - timedelta(days=30)
    customers, subs = [], []
    for suffix, account, deleted in (("deleted", "acc_deleted", True), ("walkin", "acc_unknown", False)):
        customer = {**_customer("acc_0", f"Customer {suffix}", created, synced_at), "id": f"cus_{suffix}",
                    "metadata": as_json({"account_id": account}), "is_deleted": deleted}
        customers.append(customer)
        period = {"subscription_id": f"sub_{suffix}", "account_id": "acc_0", "plan": "starter", "status": "active",
                  "started_on": created.date(), "ended_on": None, "renews_on": None, "mrr": Decimal("100.00"),
                  "seats": None}
        sub = _subscription(f"sub_{suffix}", [period], synced_at)
        for version in sub["versions"]:
            version["customer_id"] = f"cus_{suffix}"
        subs.append(sub)
    return customers, subs
