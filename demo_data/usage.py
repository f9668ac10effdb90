"""Product usage events, generated in chunks of days so memory stays bounded.

Two levels, both vectorised: first whether an account works with the product on a day (its
industry's rhythm: weekdays for technology and sales, a few days a month with a summer lull
for education; scaled by health), then which of its users are active that day (their own
propensity, scaled by health). An active user-day has one or more sessions, each a `login`
and some feature events (mostly the plan's features the account has adopted; fewer when
unhealthy). Each row is a session's login or its use of one feature, with a `quantity`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from demo_data import output
from demo_data.accounts import Accounts
from demo_data.lifecycle import History
from demo_data.people import Users
from demo_data.world import (
    EVENT_NAMES,
    PLAN_FEATURE_MASK,
    SECONDS_PER_DAY,
    Calendar,
    Streams,
    seconds_in_day,
)

# Per industry (order of world.INDUSTRIES, then unknown): chance an account uses the product on a
# weekday / weekend day, factor in July-August, and share of its users active on such a day.
WEEKDAY_RATE = np.array([0.16, 0.95, 0.95, 0.75, 0.70, 0.65, 0.70])
WEEKEND_RATE = np.array([0.01, 0.12, 0.08, 0.05, 0.25, 0.45, 0.10])
SUMMER_FACTOR = np.array([0.15, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0])
PARTICIPATION = np.array([0.60, 0.75, 0.80, 0.60, 0.55, 0.55, 0.60])
SUMMER_MONTHS = (7, 8)
FEATURE_USE = np.array([0.75, 0.50, 0.40, 0.30, 0.25])  # chance an active user uses f1..f5
# Features outside the plan, or in the plan but not adopted by the account, are rarely seen.
OUT_OF_PLAN_FACTOR, NOT_ADOPTED_FACTOR = 0.002, 0.003
SESSIONS_EXTRA = 0.8  # sessions per active user-day = 1 + Poisson(this * health)
NULL_USER_SHARE = 0.005  # events from API keys, without a user
NULL_QUANTITY_SHARE = 0.01
CELLS_PER_CHUNK = 4_000_000  # user-days evaluated at once (bounds memory)


def account_day_probability(
    accounts: Accounts, calendar: Calendar, history: History, d0: int, d1: int
) -> np.ndarray:
    """Chance that each account uses the product on each day of [d0, d1)."""
    industry = accounts.industry  # -1 (unknown) picks the last entry of the rate tables
    weekend = calendar.weekday()[d0:d1] >= 5
    summer = np.isin(calendar.month()[d0:d1], SUMMER_MONTHS)
    base = np.where(weekend[None, :], WEEKEND_RATE[industry][:, None], WEEKDAY_RATE[industry][:, None])
    base = base * np.where(summer[None, :], SUMMER_FACTOR[industry][:, None], 1.0)
    health = history.health[:, d0:d1]
    return base * (0.2 + 0.8 * health**1.5) * history.alive[:, d0:d1]


def _active_user_days(
    rng: np.random.Generator,
    accounts: Accounts,
    calendar: Calendar,
    history: History,
    users: Users,
    d0: int,
    d1: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(user index, day index) of every user active in [d0, d1)."""
    account_active = rng.random((accounts.n, d1 - d0), dtype=np.float32) < account_day_probability(
        accounts, calendar, history, d0, d1
    )
    days = np.arange(d0, d1)
    exists = (days[None, :] >= users.created_day[:, None]) & (days[None, :] < users.deactivated_day[:, None])
    p_user = (users.activity * PARTICIPATION[accounts.industry[users.account]])[:, None] * (
        0.3 + 0.7 * history.health[users.account, d0:d1]
    )
    active = account_active[users.account] & exists & (rng.random(p_user.shape, dtype=np.float32) < p_user)
    user, offset = np.nonzero(active)
    return user, d0 + offset


def _chunk(
    rng: np.random.Generator,
    accounts: Accounts,
    calendar: Calendar,
    history: History,
    users: Users,
    d0: int,
    d1: int,
) -> dict[str, np.ndarray]:
    user, day = _active_user_days(rng, accounts, calendar, history, users, d0, d1)
    # Sessions of each active user-day: more of them when the account is healthy.
    sessions = 1 + rng.poisson(SESSIONS_EXTRA * history.health[users.account[user], day])
    user, day = np.repeat(user, sessions), np.repeat(day, sessions)
    account = users.account[user]
    health = history.health[account, day]
    # Session start, never before the user (and so the account) existed on its creation day.
    lower = np.where(day == users.created_day[user], users.created_second[user], 0)
    start = seconds_in_day(rng, user.size, accounts.center_hour[account], 2.5, lower)
    in_plan = PLAN_FEATURE_MASK[history.plan[account, day]]
    adopted = accounts.adopted_features[account]
    factor = np.where(in_plan, np.where(adopted, 1.0, NOT_ADOPTED_FACTOR), OUT_OF_PLAN_FACTOR)
    p_feature = FEATURE_USE[None, :] * factor * (0.2 + 0.8 * health**2)[:, None]
    hit_row, hit_feature = np.nonzero(rng.random(p_feature.shape, dtype=np.float32) < p_feature)

    # One login per session, then its feature events within the next hour (same day).
    row = np.concatenate([np.arange(user.size), hit_row])
    event = np.concatenate([np.zeros(user.size, dtype=np.int64), hit_feature + 1])
    room = np.minimum(3600, SECONDS_PER_DAY - 1 - start[hit_row])
    later = np.concatenate(
        [np.zeros(user.size, dtype=np.int64), (rng.random(hit_row.size) * (room + 1)).astype(np.int64)]
    )
    at = day[row] * SECONDS_PER_DAY + start[row] + later
    quantity = np.where(event == 0, 1, 1 + rng.poisson(0.5 + 2.0 * health[row]))
    # File order: by time, then user, then event kind.
    order = np.argsort((at * users.n + user[row]) * len(EVENT_NAMES) + event, kind="stable")
    row, event, at, quantity = row[order], event[order], at[order], quantity[order]
    return {
        "account": account[row],
        "user": user[row],
        "event": event,
        "at": at,
        "quantity": quantity,
        "null_user": rng.random(row.size) < NULL_USER_SHARE,
        "null_quantity": rng.random(row.size) < NULL_QUANTITY_SHARE,
    }


def usage_batches(
    streams: Streams,
    calendar: Calendar,
    accounts: Accounts,
    history: History,
    users: Users,
    account_ids: pa.Array,
    user_ids: pa.Array,
) -> Iterator[dict[str, pa.Array]]:
    """Contract columns of raw.usage_events, one chunk of days at a time, in time order."""
    days_per_chunk = max(1, CELLS_PER_CHUNK // max(users.n, 1))
    event_names = pa.array(EVENT_NAMES)
    first_id = 1
    for number, d0 in enumerate(range(0, calendar.days, days_per_chunk)):
        rng = streams.get("usage", number)  # one stream per chunk: reproducible for a given size
        c = _chunk(rng, accounts, calendar, history, users, d0, min(d0 + days_per_chunk, calendar.days))
        n = c["at"].size
        yield {
            "event_id": output.ids("ev_", np.arange(first_id, first_id + n), 10),
            "account_id": account_ids.take(pa.array(c["account"])),
            "user_id": user_ids.take(pa.array(c["user"], mask=c["null_user"])),
            "event_name": event_names.take(pa.array(c["event"])),
            "occurred_at": output.timestamps(calendar, c["at"]),
            "quantity": pa.array(c["quantity"], mask=c["null_quantity"]),
        }
        first_id += n
