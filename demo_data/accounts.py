"""Firmographics of the synthetic accounts: arrival, size, plan, industry, CSM, potential.

Sizes follow a heavy-tailed ARR mix (many SMB, some mid-market, few enterprise) with a share
of accounts placed near the $25K and $100K tier floors so that ordinary expansions and
contractions move them across tiers in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo_data import names
from demo_data.world import (
    ENTERPRISE_FLOOR_ARR,
    INDUSTRIES,
    MID_MARKET_FLOOR_ARR,
    SECONDS_PER_DAY,
    Calendar,
    Streams,
)

# List price per seat and month by plan (USD): seats = MRR / price.
SEAT_PRICE_MONTHLY = np.array([25.0, 45.0, 80.0])
INDUSTRY_SHARES = np.array([0.15, 0.22, 0.15, 0.14, 0.13, 0.14])  # the rest (7%) has no industry
REGION_SHARES = np.array([0.45, 0.30, 0.17, 0.06])  # the rest (2%) has no region
# UTC hour around which each region works (Americas afternoon, Europe midday, Asia morning).
REGION_CENTER_HOUR = np.array([17.0, 11.0, 3.0, 16.0, 13.0])  # last entry: unknown region
USE_CASES = {
    "education": ("course_delivery", "student_engagement"),
    "technology": ("product_analytics", "project_management"),
    "sales": ("sales_pipeline", "forecasting"),
    "financial_services": ("compliance_reporting", "client_portal"),
    "healthcare": ("patient_engagement", "compliance_reporting"),
    "retail": ("inventory_planning", "customer_analytics"),
}
NEAR_FLOOR_HEALTH_PENALTY = 0.7  # logit units off the baseline health of accounts near a tier floor
FEATURE_ADOPTION = np.array([1.0, 0.92, 0.75, 0.65, 0.60])  # chance an account adopts f1..f5 (if in its plan)
TRIAL_SHARE = 0.25  # accounts that start with a trial
TRIAL_DAYS = np.array([14, 30])
TRIAL_CONVERSION_BASE = 0.55  # conversion probability = base + span * health at trial end
TRIAL_CONVERSION_SPAN = 0.40


@dataclass(frozen=True)
class Accounts:
    """One entry per account, ordered by arrival (account ids follow creation order)."""

    n: int
    ids: np.ndarray  # object, "acc_000001"
    born: np.ndarray  # day index of the first subscription start
    created_day: np.ndarray  # day index of created_at
    created_second: np.ndarray  # second of that day
    industry: np.ndarray  # index into INDUSTRIES, -1 = null
    region: np.ndarray  # index into REGIONS, -1 = null
    center_hour: np.ndarray  # UTC hour around which the account works
    use_case: np.ndarray  # object, None = null
    employee_count: np.ndarray  # -1 = null
    potential_arr: np.ndarray  # nan = null
    is_reference: np.ndarray  # int8: 1, 0, -1 = null
    csm_owner: np.ndarray  # object, None = null
    name: np.ndarray  # object
    quality: np.ndarray  # latent baseline health (logit units)
    initial_arr: np.ndarray
    initial_plan: np.ndarray  # index into PLANS
    seats_known: np.ndarray  # bool: the billing system records seats for this account
    trial_days: np.ndarray  # 0 = no trial
    trial_mrr_quoted: np.ndarray  # bool: the trial period shows the quoted MRR (else 0)
    adopted_features: np.ndarray  # bool [account, feature]: features its users take up

    @property
    def created_seconds(self) -> np.ndarray:
        """created_at as seconds from the calendar start (day index * 86400 + second)."""
        return self.created_day * SECONDS_PER_DAY + self.created_second


def _arrival_days(rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    # A launch cohort in the first 15% of the history, then steady arrivals to the last day,
    # so the newest accounts are days to weeks old at the end.
    launch = rng.random(n) < 0.35
    first = rng.integers(0, max(1, int(days * 0.15)), n)
    steady = rng.integers(0, days, n)
    return np.sort(np.where(launch, first, steady))


def _initial_arr(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ARR at the first start, and whether it was placed near a tier floor."""
    kind = rng.choice(4, size=n, p=[0.05, 0.07, 0.03, 0.85])
    enterprise = rng.lognormal(np.log(170_000), 0.45, n)
    near_mid = MID_MARKET_FLOOR_ARR * rng.uniform(0.85, 1.15, n)
    near_ent = ENTERPRISE_FLOOR_ARR * rng.uniform(0.88, 1.12, n)
    body = np.clip(rng.lognormal(np.log(7_000), 1.0, n), 600, 95_000)
    arr = np.choose(kind, [enterprise, near_mid, near_ent, body])
    return np.round(arr / 12, 0) * 12, (kind == 1) | (kind == 2)  # whole-dollar MRR


def _plan_for_arr(rng: np.random.Generator, arr: np.ndarray) -> np.ndarray:
    score = np.log(arr) + rng.normal(0, 0.35, arr.size)
    return np.digitize(score, [np.log(12_000), np.log(80_000)])


def _categorical(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    """Index drawn with the given shares; the missing share (1 - sum) becomes -1 (null)."""
    p = np.append(shares, 1.0 - shares.sum())
    draw = rng.choice(p.size, size=n, p=p)
    return np.where(draw == shares.size, -1, draw)


def _use_cases(rng: np.random.Generator, industry: np.ndarray) -> np.ndarray:
    pick = rng.integers(0, 2, industry.size)
    missing = rng.random(industry.size) < 0.10
    out = np.empty(industry.size, dtype=object)
    generic = ("reporting", "collaboration")
    for i, (ind, p, miss) in enumerate(zip(industry, pick, missing)):  # per account: small table
        out[i] = None if miss else (USE_CASES[INDUSTRIES[ind]] if ind >= 0 else generic)[p]
    return out


def _company_names(rng: np.random.Generator, n: int) -> np.ndarray:
    first = np.array(names.COMPANY_FIRST, dtype=object)[rng.integers(0, len(names.COMPANY_FIRST), n)]
    second = np.array(names.COMPANY_SECOND, dtype=object)[rng.integers(0, len(names.COMPANY_SECOND), n)]
    suffix = np.array(names.COMPANY_SUFFIX, dtype=object)[rng.integers(0, len(names.COMPANY_SUFFIX), n)]
    return first + " " + second + suffix


def _csm_owners(rng: np.random.Generator, arr: np.ndarray) -> np.ndarray:
    # Enterprise accounts almost always have a CSM, mid-market mostly, SMB rarely (tech-touch).
    p_assigned = np.select([arr >= ENTERPRISE_FLOOR_ARR, arr >= MID_MARKET_FLOOR_ARR], [0.97, 0.80], 0.08)
    assigned = rng.random(arr.size) < p_assigned
    # Staff roughly at the coverage ratios of seeds/coverage_models.csv (15 / 50 / 200 accounts per CSM).
    load = (arr >= ENTERPRISE_FLOOR_ARR).sum() / 15 + (
        (arr >= MID_MARKET_FLOOR_ARR) & (arr < ENTERPRISE_FLOOR_ARR)
    ).sum() / 50
    pool_size = int(
        np.clip(
            np.ceil(load + (assigned & (arr < MID_MARKET_FLOOR_ARR)).sum() / 200),
            2,
            len(names.CSM_FIRST) * len(names.CSM_LAST),
        )
    )
    pairs = rng.permutation(len(names.CSM_FIRST) * len(names.CSM_LAST))[:pool_size]
    pool = np.array(
        [
            f"{names.CSM_FIRST[k // len(names.CSM_LAST)]} {names.CSM_LAST[k % len(names.CSM_LAST)]}"
            for k in pairs
        ],
        dtype=object,
    )
    owners = pool[rng.integers(0, pool_size, arr.size)]
    return np.where(assigned, owners, None)


def build_accounts(streams: Streams, calendar: Calendar, n: int) -> Accounts:
    rng = streams.get("accounts")
    born = _arrival_days(rng, n, calendar.days)
    created_day = np.maximum(born - rng.integers(0, 22, n), 0)
    created_second = rng.integers(8 * 3600, 18 * 3600, n)
    arr, near_floor = _initial_arr(rng, n)
    plan = _plan_for_arr(rng, arr)
    industry = _categorical(rng, INDUSTRY_SHARES, n)
    region = _categorical(rng, REGION_SHARES, n)
    # Accounts near a tier floor are made more volatile, so some of them drop below it again.
    quality = (
        rng.normal(1.6, 0.9, n) + 0.3 * (arr >= ENTERPRISE_FLOOR_ARR) - NEAR_FLOOR_HEALTH_PENALTY * near_floor
    )

    seats = np.maximum(1, np.round(arr / 12 / SEAT_PRICE_MONTHLY[plan]))
    pilot = (rng.random(n) < 0.05) & (arr < 60_000)
    employees = np.where(
        pilot, rng.lognormal(np.log(8_000), 0.8, n), seats * rng.lognormal(np.log(6), 0.7, n)
    )
    employees = np.where(rng.random(n) < 0.10, -1, np.maximum(1, np.round(employees))).astype(np.int64)

    # Potential ARR: large for pilots in big companies, a multiple of ARR for some, null for most.
    potential = np.where(
        pilot,
        rng.lognormal(np.log(300_000), 0.5, n),
        np.where(rng.random(n) < 0.40, arr * rng.uniform(1.1, 3.0, n), np.nan),
    )
    potential = np.round(potential / 1000) * 1000

    p_reference = (0.01 + 0.08 * (arr >= MID_MARKET_FLOOR_ARR) + 0.12 * (arr >= ENTERPRISE_FLOOR_ARR)) * (
        quality > 1.2
    )
    reference = rng.random(n) < p_reference
    is_reference = np.where(reference, 1, np.where(rng.random(n) < 0.12, -1, 0)).astype(np.int8)

    return Accounts(
        n=n,
        ids=np.array([f"acc_{i:06d}" for i in range(1, n + 1)], dtype=object),
        born=born,
        created_day=created_day,
        created_second=created_second,
        industry=industry,
        region=region,
        center_hour=REGION_CENTER_HOUR[region],
        use_case=_use_cases(rng, industry),
        employee_count=employees,
        potential_arr=potential,
        is_reference=is_reference,
        csm_owner=_csm_owners(rng, arr),
        name=_company_names(rng, n),
        quality=quality,
        initial_arr=arr,
        initial_plan=plan,
        seats_known=rng.random(n) >= 0.08,
        trial_days=np.where(rng.random(n) < TRIAL_SHARE, TRIAL_DAYS[rng.integers(0, 2, n)], 0),
        trial_mrr_quoted=rng.random(n) < 0.30,
        adopted_features=rng.random((n, FEATURE_ADOPTION.size)) < FEATURE_ADOPTION,
    )
