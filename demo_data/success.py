"""Customer-success touchpoints and NPS survey answers.

QBRs run roughly quarterly for accounts in a QBR programme (most enterprise accounts with a
CSM, some mid-market, few SMB) and are skipped more often when the account disengages. Other
touchpoints (calls, meetings, emails, onsites, webinars) follow the account's size and CSM
coverage, and become more frequent while the account is at risk. NPS answers (0-10) follow
the account's health at the time.
"""

from __future__ import annotations

import numpy as np

from demo_data.accounts import Accounts
from demo_data.lifecycle import History, size_class
from demo_data.people import Users
from demo_data.world import (
    SECONDS_PER_DAY,
    Calendar,
    Streams,
    lower_second,
    poisson_account_days,
    seconds_in_day,
)

TOUCHPOINT_TYPES = np.array(["qbr", "call", "meeting", "email", "onsite", "webinar"], dtype=object)
QBR_PROGRAMME_SHARE = np.array([0.10, 0.50, 0.90])  # of accounts with a CSM, by size class
QBR_FIRST_DAYS, QBR_GAP_DAYS = (30, 100), (75, 105)
# Daily rate of other touchpoints by size class, with / without a CSM.
TOUCH_RATE_WITH_CSM = np.array([0.012, 0.03, 0.07])
TOUCH_RATE_POOLED = 0.003
AT_RISK_BOOST = 2.5  # extra touchpoint rate multiplier at the lowest health
# Mix of the other types (call, meeting, email, onsite, webinar): high-touch vs the rest.
HIGH_TOUCH_MIX = np.array([0.35, 0.25, 0.25, 0.10, 0.05])
OTHER_MIX = np.array([0.28, 0.12, 0.45, 0.0, 0.15])
NPS_PER_DAY_PER_SQRT_USER = 0.0025
NULL_RESPONDENT_SHARE = 0.04


def _qbrs(
    rng: np.random.Generator, calendar: Calendar, accounts: Accounts, history: History
) -> tuple[np.ndarray, np.ndarray]:
    klass = size_class(accounts.initial_arr)
    has_csm = np.array([o is not None for o in accounts.csm_owner])
    programme = np.flatnonzero(has_csm & (rng.random(accounts.n) < QBR_PROGRAMME_SHARE[klass]))
    slots = calendar.days // QBR_GAP_DAYS[0] + 2
    gaps = rng.integers(*QBR_GAP_DAYS, (programme.size, slots))
    gaps[:, 0] = rng.integers(*QBR_FIRST_DAYS, programme.size)
    day = accounts.born[programme][:, None] + np.cumsum(gaps, axis=1)
    account = np.broadcast_to(programme[:, None], day.shape)
    inside = day < calendar.days
    account, day = account[inside], day[inside]
    held = history.alive[account, day] & (
        rng.random(day.size) >= 0.05 + 0.5 * (1 - history.health[account, day]) ** 2
    )
    return account[held], day[held]


def build_touchpoints(
    streams: Streams, calendar: Calendar, accounts: Accounts, history: History
) -> dict[str, np.ndarray]:
    rng = streams.get("touchpoints")
    qbr_account, qbr_day = _qbrs(rng, calendar, accounts, history)

    klass = size_class(accounts.initial_arr)
    has_csm = np.array([o is not None for o in accounts.csm_owner])
    base = np.where(has_csm, TOUCH_RATE_WITH_CSM[klass], TOUCH_RATE_POOLED)
    risk = np.clip((0.55 - history.health) / 0.35, 0, 1)
    account, day = poisson_account_days(rng, base[:, None] * (1 + AT_RISK_BOOST * risk) * history.alive)
    high_touch = has_csm[account] & (klass[account] == 2)
    kind = (
        np.where(
            high_touch,
            rng.choice(5, account.size, p=HIGH_TOUCH_MIX),
            rng.choice(5, account.size, p=OTHER_MIX),
        )
        + 1
    )

    account = np.concatenate([qbr_account, account])
    day = np.concatenate([qbr_day, day])
    kind = np.concatenate([np.zeros(qbr_account.size, dtype=np.int64), kind])
    lower = lower_second(day, accounts.created_day[account], accounts.created_second[account])
    at = day * SECONDS_PER_DAY + seconds_in_day(rng, day.size, accounts.center_hour[account], 2.0, lower)
    order = np.lexsort((kind, account, at))
    return {"account": account[order], "at": at[order], "type": TOUCHPOINT_TYPES[kind[order]]}


def build_nps(
    streams: Streams, calendar: Calendar, accounts: Accounts, history: History, users: Users
) -> dict[str, np.ndarray]:
    rng = streams.get("nps")
    user_count = np.bincount(users.account, minlength=accounts.n)
    first_user = np.cumsum(user_count) - user_count
    rate = (NPS_PER_DAY_PER_SQRT_USER * np.sqrt(user_count))[:, None] * history.alive
    account, day = poisson_account_days(rng, rate)
    n = account.size
    score = np.clip(np.round(rng.normal(1.5 + 8.8 * history.health[account, day], 1.5)), 0, 10).astype(
        np.int64
    )

    # A random user of the account who exists that day; otherwise the answer is anonymous.
    user = first_user[account] + (rng.random(n) * user_count[account]).astype(np.int64)
    exists = (users.created_day[user] <= day) & (day < users.deactivated_day[user])
    anonymous = ~exists | (rng.random(n) < NULL_RESPONDENT_SHARE)
    lower = np.maximum(
        lower_second(day, accounts.created_day[account], accounts.created_second[account]),
        np.where(anonymous, 0, lower_second(day, users.created_day[user], users.created_second[user])),
    )
    at = day * SECONDS_PER_DAY + seconds_in_day(rng, n, accounts.center_hour[account], 3.0, lower)
    order = np.lexsort((account, at))
    return {
        "account": account[order],
        "user": user[order],
        "anonymous": anonymous[order],
        "at": at[order],
        "score": score[order],
    }
