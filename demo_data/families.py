"""Corporate families: a few large accounts are parents of 2-10 subsidiary accounts.

Parents are drawn among the largest accounts (a group signs its subsidiaries one by one); in a
share of families one child is itself the parent of a few accounts, so families are sometimes
three levels deep. Families are trees by construction: no account is its own ancestor. A child's
parent was either set when the child was created in the CRM (when the parent already existed),
or linked later, which the field history records as a change of `parent_account_id`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo_data.accounts import Accounts
from demo_data.world import SECONDS_PER_DAY, Calendar, Streams

FAMILIES_PER_ACCOUNT = 0.008  # 2,000 accounts -> 16 families
MIN_ACCOUNTS_FOR_A_FAMILY = 12
CHILDREN = (2, 10)  # children of a parent, both inclusive
GRANDCHILDREN = (2, 4)  # children of a child that is a parent too, both inclusive
NESTED_SHARE = 0.25  # families in which one child is itself a parent
PARENT_POOL_FACTOR = 3  # parents are drawn among the largest (this x families) accounts
SET_AT_CREATION_SHARE = 0.4  # children created after their parent whose link was set at creation


@dataclass(frozen=True)
class Families:
    parent: np.ndarray  # int64 [account]: index of the parent account, -1 at the top
    linked_second: np.ndarray  # int64 [account]: when the parent was set (seconds), -1 at creation


def build_families(streams: Streams, calendar: Calendar, accounts: Accounts) -> Families:
    rng = streams.get("families")
    n = accounts.n
    parent = np.full(n, -1, dtype=np.int64)
    families = max(1, round(n * FAMILIES_PER_ACCOUNT)) if n >= MIN_ACCOUNTS_FOR_A_FAMILY else 0
    largest = np.argsort(-accounts.initial_arr, kind="stable")[: max(families, families * PARENT_POOL_FACTOR)]
    parents = rng.choice(largest, size=families, replace=False) if families else largest[:0]
    free = rng.permutation(np.setdiff1d(np.arange(n), parents))
    taken = 0
    for top in parents:
        children = free[taken : taken + rng.integers(CHILDREN[0], CHILDREN[1] + 1)]
        taken += children.size
        parent[children] = top
        if children.size and rng.random() < NESTED_SHARE:
            grandchildren = free[taken : taken + rng.integers(GRANDCHILDREN[0], GRANDCHILDREN[1] + 1)]
            taken += grandchildren.size
            parent[grandchildren] = rng.choice(children)
    # A family with fewer than two children (too few accounts left) is no family.
    counts = np.bincount(parent[parent >= 0], minlength=n)
    parent[(parent >= 0) & (counts[np.maximum(parent, 0)] < CHILDREN[0])] = -1
    return Families(parent=parent, linked_second=_linked_seconds(rng, calendar, accounts, parent))


def _linked_seconds(
    rng: np.random.Generator, calendar: Calendar, accounts: Accounts, parent: np.ndarray
) -> np.ndarray:
    """When each child was linked to its parent: at its creation (-1), or later in the history."""
    created = accounts.created_seconds
    child = np.flatnonzero(parent >= 0)
    both_exist = np.maximum(created[child], created[parent[child]]) + 3600
    at_creation = (created[child] > created[parent[child]]) & (rng.random(child.size) < SET_AT_CREATION_SHARE)
    # Linked in a CRM clean-up some time after both accounts exist (no later than the last day).
    later = both_exist + (rng.random(child.size) * (calendar.last_second - both_exist)).astype(np.int64)
    linked = np.full(accounts.n, -1, dtype=np.int64)
    linked[child] = np.where(at_creation | (both_exist >= calendar.last_second - SECONDS_PER_DAY), -1, later)
    return linked
