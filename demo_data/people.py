"""Users of each account: roles, creation, deactivation and how active each person is.

Every account has an admin created with the account; larger accounts get more users, a
co-admin or two and executives. Most users join in the first two weeks, some later; a few
leave at random, and most users of a churned account are deactivated after it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo_data.accounts import SEAT_PRICE_MONTHLY, Accounts
from demo_data.lifecycle import CHURN, History
from demo_data.world import SECONDS_PER_DAY, Calendar, Streams, within_group_rank

USERS_PER_SEAT = (0.35, 0.8)  # users created per licensed seat (uniform range)
MAX_USERS = 250
ROLE_ACTIVITY = np.array([1.15, 1.0, 0.55, 1.0])  # activity multiplier by role (admin ... user)
DORMANT_SHARE, DORMANT_ACTIVITY = 0.10, 0.08  # users who almost never log in
RANDOM_DEACTIVATION_SHARE = 0.07
CHURN_DEACTIVATION_SHARE = 0.70


@dataclass(frozen=True)
class Users:
    account: np.ndarray
    role: np.ndarray  # index into ROLES
    created_day: np.ndarray
    created_second: np.ndarray
    deactivated_day: np.ndarray  # day index, calendar.days = never (within the history)
    deactivated_second: np.ndarray
    activity: np.ndarray  # personal propensity to use the product on an account's active day
    ids: np.ndarray  # object

    @property
    def n(self) -> int:
        return self.account.size


def final_churn_day(accounts: Accounts, history: History) -> np.ndarray:
    """Last day of service of accounts churned at the end of the history, else -1."""
    ev = history.events
    order = np.lexsort((ev.kind == CHURN, ev.day, ev.account))
    last = np.full(accounts.n, -1)
    last_kind = np.full(accounts.n, -1)
    last[ev.account[order]] = ev.day[order]  # later rows overwrite earlier ones
    last_kind[ev.account[order]] = ev.kind[order]
    return np.where(last_kind == CHURN, last, -1)


def _role_counts(rng: np.random.Generator, size: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = size.size
    admins = 1 + (size >= 60)
    co_admins = (size >= 4) * (rng.random(n) < 0.6) + (size >= 30)
    executives = np.where(size >= 40, 2 + size // 100, (size >= 6) * (rng.random(n) < 0.6))
    executives = np.minimum(np.minimum(executives, 5), np.maximum(size - admins - co_admins, 0))
    co_admins = np.minimum(co_admins, size - admins)
    return admins, co_admins, executives


def build_users(streams: Streams, calendar: Calendar, accounts: Accounts, history: History) -> Users:
    rng = streams.get("users")
    seats = np.maximum(1, np.round(accounts.initial_arr / 12 / SEAT_PRICE_MONTHLY[accounts.initial_plan]))
    size = np.clip(np.round(seats * rng.uniform(*USERS_PER_SEAT, accounts.n)), 1, MAX_USERS).astype(np.int64)
    admins, co_admins, executives = _role_counts(rng, size)

    account = np.repeat(np.arange(accounts.n), size)
    rank = within_group_rank(size)
    role = np.select(
        [
            rank < admins[account],
            rank < (admins + co_admins)[account],
            rank < (admins + co_admins + executives)[account],
        ],
        [0, 1, 2],
        3,
    )
    n = account.size
    last_alive = calendar.days - 1 - np.argmax(history.alive[:, ::-1], axis=1)
    born, last = accounts.born[account], last_alive[account]
    early = born + rng.integers(0, 15, n)
    later = born + (rng.random(n) * (last - born + 1)).astype(np.int64)
    created_day = np.where(
        rank == 0,
        accounts.created_day[account],
        np.minimum(np.where(rng.random(n) < 0.8, early, later), last),
    )
    created_second = rng.integers(7 * 3600, 19 * 3600, n)
    # Nobody is created before the account itself (same day: at least a minute after it).
    same_day = created_day == accounts.created_day[account]
    created_second = np.where(
        same_day, np.maximum(created_second, accounts.created_second[account] + 60), created_second
    )
    created_second = np.where(rank == 0, accounts.created_second[account] + 60, created_second)

    never = calendar.days
    random_leave = created_day + 7 + (rng.random(n) * (calendar.days + 200 - created_day)).astype(np.int64)
    random_leave = np.where((rank > 0) & (rng.random(n) < RANDOM_DEACTIVATION_SHARE), random_leave, never)
    churned = final_churn_day(accounts, history)[account]
    churn_leave = np.where(
        (churned >= 0) & (rng.random(n) < CHURN_DEACTIVATION_SHARE), churned + rng.integers(1, 31, n), never
    )
    deactivated_day = np.minimum(np.minimum(random_leave, churn_leave), never)
    deactivated_day = np.where(deactivated_day <= created_day, never, deactivated_day)

    activity = rng.beta(2.5, 1.5, n) * ROLE_ACTIVITY[role]
    activity = np.where(rng.random(n) < DORMANT_SHARE, activity * DORMANT_ACTIVITY, activity)
    return Users(
        account=account,
        role=role,
        created_day=created_day,
        created_second=created_second,
        deactivated_day=deactivated_day,
        deactivated_second=rng.integers(0, SECONDS_PER_DAY, n),
        activity=activity,
        ids=np.array([f"usr_{i:07d}" for i in range(1, n + 1)], dtype=object),
    )
