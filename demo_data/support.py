"""Support tickets: more, more urgent and more often escalated as an account's health falls.

Response and resolution times depend on priority (and slow down for unhappy accounts);
CSAT answers (1-5, for under half of resolved tickets) follow health. Nothing is answered
or resolved after the end of the history: such tickets are still waiting or open.
"""

from __future__ import annotations

import numpy as np

from demo_data.accounts import Accounts
from demo_data.lifecycle import History
from demo_data.people import Users
from demo_data.world import (
    SECONDS_PER_DAY,
    Calendar,
    Streams,
    lower_second,
    poisson_account_days,
    seconds_in_day,
)

PRIORITIES = np.array(["low", "normal", "high", "urgent"], dtype=object)
TICKETS_PER_DAY_PER_SQRT_USER = 0.002
FIRST_RESPONSE_MEDIAN_HOURS = np.array([16.0, 6.0, 2.0, 0.5])  # by priority
RESOLUTION_MEDIAN_HOURS = np.array([72.0, 36.0, 18.0, 8.0])  # after the first response
NEVER_RESPONDED_SHARE, NEVER_RESOLVED_SHARE = 0.03, 0.04
CSAT_ANSWER_SHARE = 0.45
NULL_ESCALATION_SHARE = 0.05


def build_tickets(
    streams: Streams, calendar: Calendar, accounts: Accounts, history: History, users: Users
) -> dict[str, np.ndarray]:
    rng = streams.get("tickets")
    user_count = np.bincount(users.account, minlength=accounts.n)
    sick_all = 1.0 - history.health
    rate = TICKETS_PER_DAY_PER_SQRT_USER * (1 + np.sqrt(user_count))[:, None] * (0.5 + 3.0 * sick_all**2)
    account, day = poisson_account_days(rng, rate * history.alive)
    n = account.size
    sick = sick_all[account, day]

    lower = lower_second(day, accounts.created_day[account], accounts.created_second[account])
    opened = day * SECONDS_PER_DAY + seconds_in_day(rng, n, accounts.center_hour[account], 3.0, lower)
    u = rng.random(n)
    p_urgent, p_high, p_low = 0.03 + 0.15 * sick, 0.15 + 0.15 * sick, 0.30 - 0.15 * sick
    priority = np.select([u < p_urgent, u < p_urgent + p_high, u < p_urgent + p_high + p_low], [3, 2, 0], 1)
    escalated = rng.random(n) < 0.02 + 0.30 * sick**2 + 0.20 * (priority == 3)

    response_hours = rng.lognormal(np.log(FIRST_RESPONSE_MEDIAN_HOURS[priority]), 0.8) * (1 + 0.6 * sick)
    responded = opened + np.round(response_hours * 3600).astype(np.int64)
    resolution_hours = rng.lognormal(np.log(RESOLUTION_MEDIAN_HOURS[priority]), 1.0) * (1 + sick)
    resolved = responded + np.round(resolution_hours * 3600).astype(np.int64)
    no_response = (rng.random(n) < NEVER_RESPONDED_SHARE) | (responded > calendar.last_second)
    no_resolution = no_response | (rng.random(n) < NEVER_RESOLVED_SHARE) | (resolved > calendar.last_second)

    csat = np.clip(
        np.round(1 + 4 * (0.3 + 0.65 * (1 - sick)) + rng.normal(0, 0.8, n) - 0.8 * escalated), 1, 5
    )
    no_csat = no_resolution | (rng.random(n) >= CSAT_ANSWER_SHARE)
    order = np.lexsort((account, opened))
    return {
        "account": account[order],
        "opened": opened[order],
        "responded": responded[order],
        "no_response": no_response[order],
        "resolved": resolved[order],
        "no_resolution": no_resolution[order],
        "priority": PRIORITIES[priority[order]],
        "escalated": escalated[order],
        "null_escalation": (rng.random(n) < NULL_ESCALATION_SHARE)[order],
        "csat": csat[order].astype(np.int64),
        "no_csat": no_csat[order],
    }
