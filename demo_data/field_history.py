"""The CRM's field history of account attributes: who owned an account, what was corrected, when.

The accounts table holds the attributes as they are now; the history is drawn backwards from
them, so the last `new_value` of each account and field is the current value, and each change's
`old_value` is the value before it (the previous change's `new_value`). Kinds of changes:

- CSM reassignments (a book rebalanced, a CSM moved on), and mid-market and enterprise accounts
  whose CSM left without a successor (the owner cleared: a large account without an owner);
- industry corrections shortly after an account was created (a wrong or empty vertical fixed);
- potential ARR estimates revised, first set, or dropped;
- reference flags granted (and a few withdrawn);
- parent links set after both accounts existed (`families`).

Values are text as a CRM keeps them: money with two decimals, booleans as true/false, an empty
value as null. Each kind of change draws from its own random stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from demo_data.accounts import Accounts
from demo_data.families import Families
from demo_data.lifecycle import size_class
from demo_data.world import INDUSTRIES, SECONDS_PER_DAY, Calendar, Streams

REASSIGNED_SHARE = 0.25  # accounts with an owner now whose owner changed during the history
SECOND_REASSIGNMENT_SHARE = 0.25  # of those, owned by two earlier CSMs
FIRST_OWNER_SHARE = 0.3  # the first change gave the account its first owner (it had none)
OWNER_LEFT_SHARE = 0.5  # mid-market and enterprise accounts without an owner now whose CSM left
CORRECTED_INDUSTRY_SHARE = 0.06
INDUSTRY_WAS_EMPTY_SHARE = 0.4  # of the corrections, the industry was empty before
CORRECTION_DAYS = 60  # corrections happen within this many days of the account's creation
REVISED_POTENTIAL_SHARE = 0.3  # accounts with a potential ARR now whose estimate changed
SECOND_ESTIMATE_SHARE = 0.3  # of those, revised twice
FIRST_ESTIMATE_SHARE = 0.4  # the first change set the first estimate (it was empty)
DROPPED_POTENTIAL_SHARE = 0.02  # accounts without a potential ARR now that had one
GRANTED_REFERENCE_SHARE = 0.3  # reference accounts that became one during the history
WITHDRAWN_REFERENCE_SHARE = 0.02  # accounts that are no reference now but were one
SETTLING_SECONDS = 3600  # nothing is changed in the first hour of an account


@dataclass(frozen=True)
class FieldHistory:
    """One entry per change, ordered by time (then account and field)."""

    account: np.ndarray  # int64
    second: np.ndarray  # int64, seconds from the calendar start
    field: np.ndarray  # object, a column of raw.accounts
    old_value: np.ndarray  # object, text or None
    new_value: np.ndarray  # object, text or None

    def last_change(self, accounts: int) -> np.ndarray:
        """Second of each account's last change, -1 without changes."""
        last = np.full(accounts, -1, dtype=np.int64)
        np.maximum.at(last, self.account, self.second)
        return last


class _Changes:
    """Collects chains of changes: values v0 -> v1 -> ... -> vk at k increasing seconds."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, str, str | None, str | None]] = []

    def add(self, account: int, seconds: np.ndarray, field: str, values: list[str | None]) -> None:
        for second, old, new in zip(seconds, values[:-1], values[1:]):
            if old != new:  # a CRM records no change that changes nothing
                self.rows.append((int(account), int(second), field, old, new))

    def result(self) -> FieldHistory:
        rows = sorted(self.rows, key=lambda r: (r[1], r[0], r[2]))
        columns = list(zip(*rows)) if rows else [(), (), (), (), ()]
        return FieldHistory(
            account=np.array(columns[0], dtype=np.int64),
            second=np.array(columns[1], dtype=np.int64),
            field=np.array(columns[2], dtype=object),
            old_value=np.array(columns[3], dtype=object),
            new_value=np.array(columns[4], dtype=object),
        )


def build_field_history(
    streams: Streams, calendar: Calendar, accounts: Accounts, families: Families
) -> FieldHistory:
    changes = _Changes()
    kinds: tuple[tuple[str, Callable[..., None]], ...] = (
        ("csm_owner", _owners),
        ("industry", _industries),
        ("potential_arr", _potentials),
        ("is_reference", _references),
    )
    for field, build in kinds:
        build(streams.get("field_history_" + field), calendar, accounts, changes)
    ids = accounts.ids
    for child in np.flatnonzero(families.linked_second >= 0):
        parent = str(ids[families.parent[child]])
        changes.add(child, families.linked_second[child : child + 1], "parent_account_id", [None, parent])
    return changes.result()


def _times(rng: np.random.Generator, lo: int, hi: int, k: int) -> np.ndarray | None:
    """k strictly increasing seconds in [lo, hi), or None when the span is too short."""
    if hi - lo <= k:
        return None
    return np.sort(rng.integers(lo, hi - k, k)) + np.arange(k)


def _other(rng: np.random.Generator, choices: list[str], value: str | None) -> str | None:
    """A value of `choices` other than `value` (None when there is no other)."""
    others = [c for c in choices if c != value]
    return others[rng.integers(0, len(others))] if others else None


def _owners(rng: np.random.Generator, calendar: Calendar, accounts: Accounts, changes: _Changes) -> None:
    pool = sorted({o for o in accounts.csm_owner if o is not None})
    large = size_class(accounts.initial_arr) > 0
    start = accounts.created_seconds + SETTLING_SECONDS
    draws = rng.random((accounts.n, 3))
    for i, owner in enumerate(accounts.csm_owner):
        if owner is not None and draws[i, 0] < REASSIGNED_SHARE:
            k = 2 if draws[i, 1] < SECOND_REASSIGNMENT_SHARE else 1
            values: list[str | None] = [owner]
            for _ in range(k):
                values.insert(0, _other(rng, pool, values[0]))
            if draws[i, 2] < FIRST_OWNER_SHARE:
                values[0] = None
        elif owner is None and large[i] and draws[i, 0] < OWNER_LEFT_SHARE:
            values = [_other(rng, pool, None), None]
        else:
            continue
        seconds = _times(rng, int(start[i]), calendar.last_second, len(values) - 1)
        if seconds is not None:
            changes.add(i, seconds, "csm_owner", values)


def _industries(rng: np.random.Generator, calendar: Calendar, accounts: Accounts, changes: _Changes) -> None:
    start = accounts.created_seconds + SETTLING_SECONDS
    end = np.minimum(start + CORRECTION_DAYS * SECONDS_PER_DAY, calendar.last_second)
    corrected = (accounts.industry >= 0) & (rng.random(accounts.n) < CORRECTED_INDUSTRY_SHARE)
    was_empty = rng.random(accounts.n) < INDUSTRY_WAS_EMPTY_SHARE
    for i in np.flatnonzero(corrected):
        current = INDUSTRIES[accounts.industry[i]]
        before = None if was_empty[i] else _other(rng, list(INDUSTRIES), current)
        seconds = _times(rng, int(start[i]), int(end[i]), 1)
        if seconds is not None:
            changes.add(i, seconds, "industry", [before, current])


def _money(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _estimate(rng: np.random.Generator, around: float) -> float:
    """An earlier estimate of a potential ARR: within 40%-160% of it, in thousands."""
    return float(max(1000.0, np.round(around * rng.uniform(0.4, 1.6) / 1000) * 1000))


def _potentials(rng: np.random.Generator, calendar: Calendar, accounts: Accounts, changes: _Changes) -> None:
    start = accounts.created_seconds + SETTLING_SECONDS
    draws = rng.random((accounts.n, 3))
    for i, potential in enumerate(accounts.potential_arr):
        if not np.isnan(potential) and draws[i, 0] < REVISED_POTENTIAL_SHARE:
            earlier = 2 if draws[i, 1] < SECOND_ESTIMATE_SHARE else 1
            chain: list[float | None] = [_estimate(rng, potential) for _ in range(earlier)]
            if draws[i, 2] < FIRST_ESTIMATE_SHARE:
                chain[0] = None
            chain.append(potential)
        elif np.isnan(potential) and draws[i, 0] < DROPPED_POTENTIAL_SHARE:
            chain = [_estimate(rng, 2 * accounts.initial_arr[i]), None]
        else:
            continue
        seconds = _times(rng, int(start[i]), calendar.last_second, len(chain) - 1)
        if seconds is not None:
            changes.add(i, seconds, "potential_arr", [_money(v) for v in chain])


def _references(rng: np.random.Generator, calendar: Calendar, accounts: Accounts, changes: _Changes) -> None:
    start = accounts.created_seconds + SETTLING_SECONDS
    draws = rng.random(accounts.n)
    granted = (accounts.is_reference == 1) & (draws < GRANTED_REFERENCE_SHARE)
    withdrawn = (accounts.is_reference == 0) & (draws < WITHDRAWN_REFERENCE_SHARE)
    for i in np.flatnonzero(granted | withdrawn):
        seconds = _times(rng, int(start[i]), calendar.last_second, 1)
        if seconds is not None:
            values: list[str | None] = ["false", "true"] if granted[i] else ["true", "false"]
            changes.add(i, seconds, "is_reference", values)
