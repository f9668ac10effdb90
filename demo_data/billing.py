"""Subscriptions and invoices, derived from the simulated subscription log.

Subscription periods: every logged start, trial, conversion, change or reactivation opens a
period. A period ended by an MRR or plan change gets `ended_on` = the day before the next
period starts and status `cancelled` (the billing system closes the old contract line and
opens a new one); a period ended by churn gets `ended_on` = the last day of service, status
`cancelled` and no following period. Trial periods keep status `trialing` for good (their
MRR, 0 or the quoted price, is never revenue). The running period has `ended_on` null and
status `active`, or `past_due` when the account has an unpaid invoice past its due date.
`renews_on` is the next contract anniversary after the period's end (after `end` while
running).

Invoices: one per month of service of every paid period, issued on the period's monthly
anniversary; payment delays and defaults grow as the account's health falls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo_data.accounts import Accounts
from demo_data.lifecycle import CHURN, TRIAL, History
from demo_data.world import SECONDS_PER_DAY, Calendar, Streams, within_group_rank

CONTRACT_YEAR_DAYS = 365
NET_TERMS_DAYS = np.array([14, 30, 30])  # payment terms by plan
VOID_SHARE = 0.01
UNCOLLECTIBLE_AFTER_DAYS = 90  # an unpaid invoice this far past due is usually written off
WRITE_OFF_SHARE = 0.85
SERVICES_INVOICE_SHARE = 0.04  # accounts with a one-off (non-subscription) services invoice


@dataclass(frozen=True)
class Subscriptions:
    account: np.ndarray
    plan: np.ndarray
    is_trial: np.ndarray
    started_on: np.ndarray  # day index
    ended_on: np.ndarray  # day index, -1 = running
    renews_on: np.ndarray  # day index, -1 = null
    mrr: np.ndarray
    seats: np.ndarray  # nan = null
    ids: np.ndarray  # object

    @property
    def n(self) -> int:
        return self.account.size


@dataclass(frozen=True)
class Invoices:
    account: np.ndarray
    subscription: np.ndarray  # index into Subscriptions, -1 = none
    issued_on: np.ndarray
    due_on: np.ndarray
    paid_on: np.ndarray  # -1 = null
    amount: np.ndarray
    status: np.ndarray  # object


def build_subscriptions(
    streams: Streams, calendar: Calendar, accounts: Accounts, history: History
) -> Subscriptions:
    ev = history.events
    # Per account by day; on one day a period opens before a churn closes it.
    order = np.lexsort((ev.kind == CHURN, ev.day, ev.account))
    acc, day, kind = ev.account[order], ev.day[order], ev.kind[order]
    nxt_same = np.append(acc[1:] == acc[:-1], False)
    nxt_day, nxt_kind = np.append(day[1:], -1), np.append(kind[1:], -1)
    opens = kind != CHURN
    ended = np.where(nxt_same, np.where(nxt_kind == CHURN, nxt_day, nxt_day - 1), -1)[opens]
    started = day[opens]
    if np.any((ended >= 0) & (ended < started)):
        raise AssertionError("a subscription period would end before it starts")

    rng = streams.get("subscriptions")
    is_trial = kind[opens] == TRIAL
    contract_day = ev.contract_day[order][opens]
    reference = np.where(ended >= 0, ended, calendar.days - 1)
    anniversary = contract_day + CONTRACT_YEAR_DAYS * ((reference - contract_day) // CONTRACT_YEAR_DAYS + 1)
    seats = ev.seats[order][opens]
    seats = np.where(rng.random(seats.size) < 0.03, np.nan, seats)
    n = started.size
    return Subscriptions(
        account=acc[opens],
        plan=ev.plan[order][opens],
        is_trial=is_trial,
        started_on=started,
        ended_on=ended,
        renews_on=np.where(is_trial, -1, anniversary),
        mrr=np.round(ev.mrr[order][opens], 2),
        seats=seats,
        ids=np.array([f"sub_{i:07d}" for i in range(1, n + 1)], dtype=object),
    )


def _add_months(epoch_day: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The same day of month `months` later (clipped to the month's last day), as epoch days."""
    start = epoch_day.astype("datetime64[D]")
    first = start.astype("datetime64[M]")
    day_of_month = (start - first.astype("datetime64[D]")).astype(np.int64)
    target = first + months.astype("timedelta64[M]")
    month_days = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return (target.astype("datetime64[D]") + np.minimum(day_of_month, month_days - 1)).astype(np.int64)


def _payments(
    rng: np.random.Generator, calendar: Calendar, health: np.ndarray, issued: np.ndarray, due: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Paid day (-1 = unpaid) and status for invoices, given the account's health when issued."""
    n = issued.size
    sick = 1.0 - health
    unpaid = rng.random(n) < 0.002 + 0.15 * sick**3
    late = rng.random(n) < 0.05 + 0.50 * sick**2
    on_time_day = issued + (rng.random(n) * (due - issued + 1)).astype(np.int64)
    late_day = due + 1 + rng.geometric(1.0 / (8 + 25 * sick))
    paid = np.where(unpaid, -1, np.where(late, late_day, on_time_day))
    paid = np.where(paid > calendar.days - 1, -1, paid)  # not paid yet by the end of the history
    void = rng.random(n) < VOID_SHARE
    written_off = (
        (paid < 0) & (due < calendar.days - 1 - UNCOLLECTIBLE_AFTER_DAYS) & (rng.random(n) < WRITE_OFF_SHARE)
    )
    status = np.select([void, paid >= 0, written_off], ["void", "paid", "uncollectible"], "open").astype(
        object
    )
    return np.where(void, -1, paid), status


def build_invoices(
    streams: Streams, calendar: Calendar, accounts: Accounts, history: History, subs: Subscriptions
) -> Invoices:
    rng = streams.get("invoices")
    billed = np.flatnonzero(~subs.is_trial & (subs.mrr > 0))
    last = np.where(subs.ended_on[billed] >= 0, subs.ended_on[billed], calendar.days - 1)
    upper = (last - subs.started_on[billed]) // 28 + 1  # at least the number of monthly anniversaries
    sub = np.repeat(billed, upper)
    month = within_group_rank(upper)
    issued = _add_months(calendar.start_epoch_day + subs.started_on[sub], month) - calendar.start_epoch_day
    keep = issued <= np.repeat(last, upper)
    sub, issued = sub[keep], issued[keep]
    account = subs.account[sub]

    # One-off services invoices, not tied to a subscription.
    services = np.flatnonzero(rng.random(accounts.n) < SERVICES_INVOICE_SHARE)
    services_day = accounts.born[services] + rng.integers(0, 61, services.size)
    services = services[services_day < calendar.days]
    services_day = services_day[services_day < calendar.days]
    sub = np.concatenate([sub, np.full(services.size, -1)])
    account = np.concatenate([account, services])
    issued = np.concatenate([issued, services_day])
    amount = np.concatenate(
        [subs.mrr[sub[sub >= 0]], np.round(rng.uniform(1_500, 15_000, services.size), -2)]
    )

    plan = np.where(sub >= 0, subs.plan[np.maximum(sub, 0)], 1)
    due = issued + NET_TERMS_DAYS[plan]
    paid, status = _payments(rng, calendar, history.health[account, issued], issued, due)
    order = np.lexsort((account, issued))
    return Invoices(
        account=account[order],
        subscription=sub[order],
        issued_on=issued[order],
        due_on=due[order],
        paid_on=paid[order],
        amount=amount[order],
        status=status[order],
    )


def subscription_statuses(calendar: Calendar, subs: Subscriptions, invoices: Invoices) -> np.ndarray:
    """trialing / cancelled / active / past_due (running with an unpaid invoice past due at the end)."""
    overdue = (invoices.status == "open") & (invoices.due_on < calendar.days - 1)
    overdue_accounts = np.zeros(int(subs.account.max(initial=-1)) + 1, dtype=bool)
    overdue_accounts[invoices.account[overdue]] = True
    running = subs.ended_on < 0
    past_due = running & overdue_accounts[subs.account]
    return np.select(
        [subs.is_trial, ~running, past_due], ["trialing", "cancelled", "past_due"], "active"
    ).astype(object)


def subscription_updated_at(streams: Streams, calendar: Calendar, subs: Subscriptions) -> np.ndarray:
    """Seconds from the calendar start of the last change of each row (its end, else its start)."""
    rng = streams.get("subscriptions_updated")
    day = np.where(subs.ended_on >= 0, np.minimum(subs.ended_on + 1, calendar.days - 1), subs.started_on)
    return day * SECONDS_PER_DAY + rng.integers(6 * 3600, 20 * 3600, subs.n)
