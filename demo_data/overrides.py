"""CSM overrides of segments: a CSM (or a CS lead) serves an account differently from the rules.

A few percent of the accounts, mostly mid-market and enterprise ones (served by hand), get an
override of one of the three types: a revenue tier or a coverage model one level above (a
strategic logo, a migration) or below (a customer who prefers self-serve) the account's size,
or a risk flag set by what the CSM knows (`at_risk` from the account's worst days of latent
health, or `not_at_risk`: a seasonal dip, usage the product does not see). Some overrides have ended,
some are open-ended (set long ago and never ended), and on a few accounts a CS lead later set a
second override of the same type over the first, so the two overlap. Tier and coverage values
come from the rules' seeds (`revenue_tiers`, `coverage_models`), so they are always valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo_data import names
from demo_data.accounts import Accounts
from demo_data.lifecycle import History
from demo_data.world import SECONDS_PER_DAY, Calendar, Streams, lower_second
from orchestration import contract, rules

OVERRIDDEN_SHARE = 0.03  # accounts with an override
MIN_OVERRIDES = 3  # so a small demo still has one of each type
LARGE_ACCOUNT_WEIGHT = 6.0  # mid-market and enterprise accounts are this much likelier to get one
OPEN_ENDED_SHARE = 0.35  # overrides nobody ended
OPEN_ENDED_MIN_AGE_DAYS = 91  # open-ended overrides start at least this long before the end
DURATION_DAYS = (30, 181)  # days an ended override applied (lower inclusive, upper exclusive)
SET_AHEAD_DAYS = (0, 8)  # an override is set up to a week before its first day
OVERLAP_SHARE = 0.15  # accounts where a CS lead set a second override of the same type
OVERLAP_AFTER_DAYS = (7, 46)  # ... starting this many days after the first one
LEAD_SHARE = 0.25  # overrides set by a CS lead rather than the account's CSM
AT_RISK_SHARE = 0.6  # risk overrides that flag an account at risk (from its worst day of health)
WORKDAY_SECONDS = (9 * 3600, 18 * 3600)

REASONS = {
    ("arr_tier", "up"): (
        "strategic logo in a new market",
        "multi-year expansion under negotiation",
        "executive sponsor asked for enterprise coverage",
    ),
    ("arr_tier", "down"): ("served through its parent company's team", "customer prefers self-serve, agreed at QBR"),
    ("coverage_model", "up"): (
        "platform migration: weekly calls until go-live",
        "new champion needs onboarding",
        "competitor pitching at renewal",
    ),
    ("coverage_model", "down"): ("customer asked for fewer meetings", "self-sufficient admin team"),
    ("risk", "at_risk"): ("champion left the company", "budget freeze announced", "evaluating a competitor"),
    ("risk", "not_at_risk"): (
        "seasonal dip: school holidays",
        "usage moved to the API, not tracked",
        "billing dispute resolved",
    ),
}


@dataclass(frozen=True)
class Overrides:
    """One entry per override, ordered by when it was set."""

    account: np.ndarray  # int64
    segment_type: np.ndarray  # object
    value: np.ndarray  # object
    reason: np.ndarray  # object
    set_by: np.ndarray  # object
    set_second: np.ndarray  # int64, seconds from the calendar start
    starts_on: np.ndarray  # int64 day index
    expires_on: np.ndarray  # int64 day index, -1 = open-ended


def _levels() -> dict[str, list[str]]:
    """The values of the tier and coverage types, lowest first (tiers by ARR floor)."""
    tiers = sorted(rules.seed_rows("revenue_tiers"), key=lambda row: float(row["arr_floor"]))
    model_of = {row["tier_name"]: row["coverage_model"] for row in rules.seed_rows("coverage_models")}
    return {
        "arr_tier": [row["tier_name"] for row in tiers],
        "coverage_model": [model_of[row["tier_name"]] for row in tiers],
    }


def build_overrides(streams: Streams, calendar: Calendar, accounts: Accounts, history: History) -> Overrides:
    rng = streams.get("segment_overrides")
    levels = _levels()
    floors = np.sort([float(row["arr_floor"]) for row in rules.seed_rows("revenue_tiers")])
    level = np.searchsorted(floors, accounts.initial_arr, side="right") - 1
    lived = history.alive.any(axis=1)
    weight = np.where(level > 0, LARGE_ACCOUNT_WEIGHT, 1.0) * lived
    count = min(int(lived.sum()), max(MIN_OVERRIDES, round(accounts.n * OVERRIDDEN_SHARE)))
    chosen = np.sort(rng.choice(accounts.n, size=count, replace=False, p=weight / weight.sum()))
    kinds = rng.permutation(np.resize(np.array(contract.SEGMENT_TYPES, dtype=object), count))
    open_ended = rng.permutation(np.arange(count) < round(count * OPEN_ENDED_SHARE))
    overlapped = rng.permutation(np.arange(count) < max(1, round(count * OVERLAP_SHARE)))

    rows: list[tuple] = []
    for i, kind, is_open, overlaps in zip(chosen, kinds, open_ended, overlapped):
        days = np.flatnonzero(history.alive[i])
        old_enough = days[days < calendar.days - OPEN_ENDED_MIN_AGE_DAYS]
        days = old_enough if is_open and old_enough.size else days
        at_risk = kind == "risk" and rng.random() < AT_RISK_SHARE
        # A CSM flags an account at risk when it is at its worst; other overrides start any day.
        starts = int(days[np.argmin(history.health[i, days])] if at_risk else rng.choice(days))
        expires = -1 if is_open else starts + int(rng.integers(*DURATION_DAYS))
        value, direction = _value(kind, levels, int(level[i]), at_risk, None)
        lead = rng.random() < LEAD_SHARE or accounts.csm_owner[i] is None
        rows.append(_row(rng, calendar, accounts, i, kind, value, direction, starts, expires, lead))
        later = starts + int(rng.integers(*OVERLAP_AFTER_DAYS))
        if overlaps and later < calendar.days and (expires < 0 or expires >= later):
            value, direction = _value(kind, levels, int(level[i]), not at_risk, value)
            ends = -1 if rng.random() < OPEN_ENDED_SHARE else later + int(rng.integers(*DURATION_DAYS))
            rows.append(_row(rng, calendar, accounts, i, kind, value, direction, later, ends, True))
    rows.sort(key=lambda row: (row[5], row[0]))
    columns = list(zip(*rows))
    return Overrides(
        account=np.array(columns[0], dtype=np.int64),
        segment_type=np.array(columns[1], dtype=object),
        value=np.array(columns[2], dtype=object),
        reason=np.array(columns[3], dtype=object),
        set_by=np.array(columns[4], dtype=object),
        set_second=np.array(columns[5], dtype=np.int64),
        starts_on=np.array(columns[6], dtype=np.int64),
        expires_on=np.array(columns[7], dtype=np.int64),
    )


def _value(kind: str, levels: dict[str, list[str]], level: int, at_risk: bool, other_than: str | None
           ) -> tuple[str, str]:
    """The override's value and the direction its reason explains (up / down, or the risk value).

    A tier or coverage override moves the account one level from its size, up when it can; a
    second override on the account (`other_than` the first's value) picks another level, and a
    second risk override the other flag.
    """
    if kind == "risk":
        value = "at_risk" if at_risk else "not_at_risk"
        return value, value
    values = levels[kind]
    others = [t for t in range(len(values)) if t != level]
    targets = [t for t in others if values[t] != other_than] or others
    above = [t for t in targets if t > level]
    target = min(above) if above else max(targets)
    return values[target], "up" if target > level else "down"


def _row(
    rng: np.random.Generator,
    calendar: Calendar,
    accounts: Accounts,
    account: int,
    kind: str,
    value: str,
    direction: str,
    starts: int,
    expires: int,
    by_lead: bool,
) -> tuple:
    reasons = REASONS[(kind, direction)]
    set_by = names.CS_LEADS[rng.integers(0, len(names.CS_LEADS))] if by_lead else accounts.csm_owner[account]
    day = max(starts - int(rng.integers(*SET_AHEAD_DAYS)), int(accounts.created_day[account]))
    second = max(
        int(rng.integers(*WORKDAY_SECONDS)),
        int(lower_second(np.array(day), accounts.created_day[account], accounts.created_second[account])),
    )
    second = min(second, SECONDS_PER_DAY - 1)
    reason = reasons[rng.integers(0, len(reasons))]
    return (account, kind, value, reason, set_by, day * SECONDS_PER_DAY + second, starts, expires)
