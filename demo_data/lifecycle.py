"""The hidden life of each account: latent health, and the subscription changes it causes.

Health is a logit-scale sum of a per-account baseline, an AR(1) wobble, decline episodes
(a downward drift lasting one to five months, after which an account recovers or stays low)
and an onboarding ramp. A 30-day moving average of health drives expansions (healthy),
contractions (unhealthy) and the churn decision, which is then served out over a notice
period of up to a month; so low engagement precedes churn by weeks to months. Usage,
tickets, NPS, touchpoints and payments are drawn later from the recorded daily health.

The simulation steps through the days once, vectorised over all accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo_data.accounts import SEAT_PRICE_MONTHLY, Accounts
from demo_data.world import (
    ENTERPRISE_FLOOR_ARR,
    MID_MARKET_FLOOR_ARR,
    Calendar,
    Streams,
    sigmoid,
)

# Kinds of logged subscription events. Every kind but CHURN starts a new subscription period.
START, TRIAL, CONVERT, CHANGE, REACTIVATE, CHURN = range(6)
# Account states during the simulation.
NONE, TRIALING, PAYING, NOTICE, CHURNED = range(5)

AR_PERSISTENCE = 0.97  # day-to-day persistence of the health wobble
AR_NOISE = 0.12  # its daily innovation (logit units)
DECLINE_ANNUAL_RATE = np.array([0.35, 0.22, 0.15])  # chance per year of a decline episode: SMB, MM, ENT
DECLINE_DAYS = (30, 150)
DECLINE_SLOPE = (0.015, 0.05)  # logit units lost per day while declining
DECLINE_RECOVERY_SHARE = 0.45  # episodes after which health returns to baseline
ONBOARDING_DIP, ONBOARDING_DAYS = -0.9, 20.0  # new accounts ramp up from a lower health
SMOOTHING_DAYS = 30.0  # health memory of the churn / expansion decisions
CHURN_MIN_AGE_DAYS = 45
CHURN_SIZE_MULTIPLIER = np.array([1.5, 1.0, 0.6])  # SMB churn more, enterprise less
CHURN_BASE_DAILY, CHURN_UNHEALTHY_DAILY = 0.0001, 0.011  # hazard = base + unhealthy * (1 - health)^3
RENEWAL_WINDOW_DAYS, RENEWAL_CHURN_MULTIPLIER = 45, 2.0
NOTICE_DAYS_MAX = 30
CHANGE_COOLDOWN_DAYS = 60
EXPANSION_DAILY, CONTRACTION_DAILY = 0.0016, 0.0045
REACTIVATION_DAILY, REACTIVATION_MIN_GAP_DAYS = 0.0005, 31


@dataclass(frozen=True)
class SubscriptionEvents:
    """The subscription log: one row per event, ordered by day then account."""

    account: np.ndarray
    day: np.ndarray
    kind: np.ndarray
    mrr: np.ndarray
    plan: np.ndarray
    seats: np.ndarray  # nan = unknown
    contract_day: np.ndarray  # day the current contract (annual renewal cycle) began


@dataclass(frozen=True)
class History:
    health: np.ndarray  # float32 [account, day], latent health 0..1
    alive: np.ndarray  # bool [account, day], a subscription (trial included) covers the day
    plan: np.ndarray  # int8 [account, day], plan index (meaningful where alive)
    events: SubscriptionEvents
    # float32 [account, day]: the daily chance of deciding to churn, where the account could decide
    # (paying, past the minimum age), else 0; the ground truth benchmarks compare predictions with.
    churn_hazard: np.ndarray
    churn_decided: np.ndarray  # bool [account, day]: the account decided to churn that day


def size_class(arr: np.ndarray) -> np.ndarray:
    """0 = SMB, 1 = mid-market, 2 = enterprise, by ARR."""
    return np.digitize(arr, [MID_MARKET_FLOOR_ARR, ENTERPRISE_FLOOR_ARR])


class _Log:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(
        self,
        idx: np.ndarray,
        day: int,
        kind: int,
        mrr: np.ndarray,
        plan: np.ndarray,
        seats: np.ndarray,
        contract_day: np.ndarray,
    ) -> None:
        if idx.size:
            self.parts.append(
                (
                    idx,
                    np.full(idx.size, day),
                    np.full(idx.size, kind),
                    mrr[idx].copy(),
                    plan[idx].copy(),
                    seats[idx].copy(),
                    contract_day[idx].copy(),
                )
            )

    def result(self) -> SubscriptionEvents:
        cols = [np.concatenate([p[i] for p in self.parts]) if self.parts else np.empty(0) for i in range(7)]
        return SubscriptionEvents(
            cols[0].astype(np.int64),
            cols[1].astype(np.int64),
            cols[2].astype(np.int8),
            cols[3],
            cols[4].astype(np.int8),
            cols[5],
            cols[6].astype(np.int64),
        )


def _seats(mrr: np.ndarray, plan: np.ndarray, known: np.ndarray) -> np.ndarray:
    return np.where(known, np.maximum(1, np.round(mrr / SEAT_PRICE_MONTHLY[plan])), np.nan)


def _resize(
    rng: np.random.Generator, mrr: np.ndarray, plan: np.ndarray, grow: np.ndarray, shrink: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """New MRR and plan for accounts that expand (`grow`) or contract (`shrink`)."""
    n = mrr.size
    factor = np.where(grow, np.maximum(1.05, rng.lognormal(np.log(1.3), 0.2, n)), rng.uniform(0.6, 0.95, n))
    new_arr = np.where(grow | shrink, mrr * 12 * factor, mrr * 12)
    coin = rng.random(n) < 0.5
    upgrade = grow & coin & (((plan == 0) & (new_arr >= 15_000)) | ((plan == 1) & (new_arr >= 90_000)))
    downgrade = shrink & coin & (((plan == 1) & (new_arr < 10_000)) | ((plan == 2) & (new_arr < 60_000)))
    new_plan = (plan + upgrade - downgrade).astype(np.int8)
    return np.maximum(10.0, np.round(new_arr / 12)), new_plan


def simulate(streams: Streams, calendar: Calendar, accounts: Accounts) -> History:
    rng = streams.get("lifecycle")
    n, days = accounts.n, calendar.days
    health = np.zeros((n, days), dtype=np.float32)
    alive = np.zeros((n, days), dtype=bool)
    plans = np.zeros((n, days), dtype=np.int8)
    churn_hazard = np.zeros((n, days), dtype=np.float32)
    churn_decided = np.zeros((n, days), dtype=bool)
    log = _Log()

    state = np.full(n, NONE, dtype=np.int8)
    mrr = accounts.initial_arr / 12
    plan = accounts.initial_plan.astype(np.int8)
    seats = _seats(mrr, plan, accounts.seats_known)
    wobble, offset, smooth = np.zeros(n), np.zeros(n), np.zeros(n)
    decline_left = np.zeros(n, dtype=np.int64)
    decline_slope = np.zeros(n)
    recovers = np.zeros(n, dtype=bool)
    onboard_day = accounts.born.copy()
    contract_day = accounts.born.copy()
    last_change = np.full(n, -(10**6))
    trial_end = np.where(accounts.trial_days > 0, accounts.born + accounts.trial_days, -1)
    churn_day = np.full(n, -1)
    p_decline = -np.log1p(-DECLINE_ANNUAL_RATE) / 365
    all_zero = np.zeros(n)

    for t in range(days):
        # Arrivals: a trial (MRR 0 or the quoted price) or a paid start.
        new = np.flatnonzero(accounts.born == t)
        trial_new = new[accounts.trial_days[new] > 0]
        paid_new = new[accounts.trial_days[new] == 0]
        state[trial_new], state[paid_new] = TRIALING, PAYING
        trial_mrr = np.where(accounts.trial_mrr_quoted, mrr, 0.0)
        log.add(trial_new, t, TRIAL, trial_mrr, plan, seats, contract_day)
        log.add(paid_new, t, START, mrr, plan, seats, contract_day)

        # Reactivations: a churned account comes back, smaller, with a fresh start.
        back = np.flatnonzero(
            (state == CHURNED)
            & (t - churn_day >= REACTIVATION_MIN_GAP_DAYS)
            & (rng.random(n) < REACTIVATION_DAILY)
        )
        mrr[back] = np.maximum(10.0, np.round(mrr[back] * rng.uniform(0.6, 1.0, back.size)))
        seats[back] = _seats(mrr[back], plan[back], accounts.seats_known[back])
        state[back], onboard_day[back], contract_day[back], last_change[back] = PAYING, t, t, t
        offset[back], wobble[back], decline_left[back] = 0.0, 0.0, 0
        log.add(back, t, REACTIVATE, mrr, plan, seats, contract_day)

        # Latent health of the day.
        live = (state == TRIALING) | (state == PAYING) | (state == NOTICE)
        wobble = AR_PERSISTENCE * wobble + AR_NOISE * rng.standard_normal(n)
        klass = size_class(mrr * 12)
        onset = live & (decline_left == 0) & (offset > -0.5) & (rng.random(n) < p_decline[klass])
        decline_left[onset] = rng.integers(*DECLINE_DAYS, onset.sum())
        decline_slope[onset] = rng.uniform(*DECLINE_SLOPE, onset.sum())
        recovers[onset] = rng.random(onset.sum()) < DECLINE_RECOVERY_SHARE
        declining = decline_left > 0
        offset = np.where(declining, offset - decline_slope, offset * np.where(recovers, 0.96, 0.995))
        decline_left = np.maximum(decline_left - 1, 0)
        age = t - onboard_day
        ramp = np.where(age >= 0, ONBOARDING_DIP * np.exp(-np.maximum(age, 0) / ONBOARDING_DAYS), 0.0)
        h = sigmoid(accounts.quality + wobble + offset + ramp)
        smooth = np.where(age == 0, h, smooth + (h - smooth) / SMOOTHING_DAYS)

        # Trial ends: converts to paid (a new period from today) or lapses (last day yesterday).
        ending = np.flatnonzero((state == TRIALING) & (trial_end == t))
        converts = rng.random(ending.size) < 0.55 + 0.40 * smooth[ending]
        won, lost = ending[converts], ending[~converts]
        state[won], contract_day[won], last_change[won] = PAYING, t, t
        log.add(won, t, CONVERT, mrr, plan, seats, contract_day)
        state[lost], churn_day[lost] = CHURNED, t - 1
        log.add(lost, t - 1, CHURN, all_zero, plan, seats, contract_day)

        # Expansions (healthy) and contractions (unhealthy), at most one per cooldown.
        can_change = (
            (state == PAYING) & (t - last_change >= CHANGE_COOLDOWN_DAYS) & (age >= CHANGE_COOLDOWN_DAYS)
        )
        p_grow = EXPANSION_DAILY * np.clip((smooth - 0.6) / 0.35, 0, 1)
        p_shrink = CONTRACTION_DAILY * np.clip((0.65 - smooth) / 0.4, 0, 1)
        draw = rng.random(n)
        grow = can_change & (draw < p_grow)
        shrink = can_change & ~grow & (draw < p_grow + p_shrink)
        new_mrr, new_plan = _resize(rng, mrr, plan, grow, shrink)
        changed = np.flatnonzero(grow | shrink)
        mrr[changed], plan[changed] = new_mrr[changed], new_plan[changed]
        seats[changed] = _seats(mrr[changed], plan[changed], accounts.seats_known[changed])
        last_change[changed] = t
        log.add(changed, t, CHANGE, mrr, plan, seats, contract_day)

        health[:, t] = h
        alive[:, t] = (state == TRIALING) | (state == PAYING) | (state == NOTICE)
        plans[:, t] = plan

        # Churn decisions: hazard rises steeply as smoothed health falls, more so near renewal.
        days_to_renewal = 365 - (t - contract_day) % 365
        hazard = (
            CHURN_SIZE_MULTIPLIER[klass]
            * np.where(days_to_renewal <= RENEWAL_WINDOW_DAYS, RENEWAL_CHURN_MULTIPLIER, 1.0)
            * (CHURN_BASE_DAILY + CHURN_UNHEALTHY_DAILY * (1 - smooth) ** 3)
        )
        exposed = (state == PAYING) & (age >= CHURN_MIN_AGE_DAYS)
        decide = exposed & (rng.random(n) < hazard)
        churn_hazard[:, t] = np.where(exposed, hazard, 0.0)
        churn_decided[:, t] = decide
        state[decide] = NOTICE
        churn_day[decide] = t + rng.integers(0, NOTICE_DAYS_MAX + 1, decide.sum())

        # Notice served: today was the last day of service.
        gone = np.flatnonzero((state == NOTICE) & (churn_day == t))
        state[gone] = CHURNED
        log.add(gone, t, CHURN, all_zero, plan, seats, contract_day)

    return History(
        health=health,
        alive=alive,
        plan=plans,
        events=log.result(),
        churn_hazard=churn_hazard,
        churn_decided=churn_decided,
    )
