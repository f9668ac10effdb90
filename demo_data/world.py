"""Shared pieces of the synthetic world: the calendar, random streams and catalogue constants.

Every component draws from its own named random stream (`Streams.get("users")`), so
changing how one table is generated does not shift the random numbers of another, and
the same seed always gives the same data.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)

PLANS = ("starter", "business", "enterprise")
# Feature keys each plan includes (the plan-features rule the health models read).
PLAN_FEATURES = {
    "starter": ("f1", "f2"),
    "business": ("f1", "f2", "f3", "f4"),
    "enterprise": ("f1", "f2", "f3", "f4", "f5"),
}
FEATURES = ("f1", "f2", "f3", "f4", "f5")
EVENT_NAMES = ("login",) + FEATURES
# Plan index -> boolean mask over FEATURES.
PLAN_FEATURE_MASK = np.array([[f in PLAN_FEATURES[p] for f in FEATURES] for p in PLANS])

INDUSTRIES = ("education", "technology", "sales", "financial_services", "healthcare", "retail")
REGIONS = ("north_america", "emea", "apac", "latam")
ROLES = ("admin", "co_admin", "executive", "user")

# Revenue-tier floors of seeds/revenue_tiers.csv (ARR, USD); they shape the ARR mix, not segments.
MID_MARKET_FLOOR_ARR = 25_000.0
ENTERPRISE_FLOOR_ARR = 100_000.0


@dataclass(frozen=True)
class Calendar:
    """The generated history: `days` days ending on `end` (both inclusive), day index 0..days-1."""

    end: date
    days: int

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def start_epoch_day(self) -> int:
        return (self.start - EPOCH).days

    def epoch_days(self) -> np.ndarray:
        """Days since 1970-01-01 of every day index."""
        return self.start_epoch_day + np.arange(self.days, dtype=np.int64)

    def weekday(self) -> np.ndarray:
        """Monday = 0 ... Sunday = 6 for every day index (1970-01-01 was a Thursday)."""
        return (self.epoch_days() + 3) % 7

    def month(self) -> np.ndarray:
        """Calendar month 1..12 of every day index."""
        return self.epoch_days().astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1

    @property
    def last_second(self) -> int:
        """Seconds from the start to the last second of the last day (nothing happens after it)."""
        return self.days * SECONDS_PER_DAY - 1


@dataclass
class Streams:
    """Independent, reproducible random generators, one per named component."""

    seed: int
    _cache: dict[str, np.random.Generator] = field(default_factory=dict)

    def get(self, name: str, *index: int) -> np.random.Generator:
        key = (name, *index)
        label = "/".join(map(str, key))
        if label not in self._cache:
            # crc32 gives a stable integer per name (Python's hash() is salted per process).
            seq = np.random.SeedSequence([self.seed, zlib.crc32(name.encode()), *index])
            self._cache[label] = np.random.default_rng(seq)
        return self._cache[label]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def within_group_rank(group_sizes: np.ndarray) -> np.ndarray:
    """0, 1, ..., size-1 for each group, concatenated (the rank of a row inside its group)."""
    sizes = np.asarray(group_sizes, dtype=np.int64)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(int(sizes.sum()), dtype=np.int64) - starts


def seconds_in_day(
    rng: np.random.Generator,
    n: int,
    center_hour: np.ndarray | float,
    spread_hours: float,
    lower: np.ndarray | int = 0,
) -> np.ndarray:
    """Seconds after midnight around a local working-hours centre, never before `lower`.

    `lower` is the second of the day an account or user was created, for rows on its creation
    day (0 otherwise), so nothing happens before its owner exists.
    """
    raw = (np.asarray(center_hour) * 3600 + rng.normal(0.0, spread_hours * 3600, n)) % SECONDS_PER_DAY
    lower = np.broadcast_to(np.asarray(lower, dtype=np.int64), (n,))
    # On a creation day, squeeze the time into [lower, end of day).
    squeezed = lower + (raw / SECONDS_PER_DAY) * (SECONDS_PER_DAY - 1 - lower)
    return np.where(lower > 0, squeezed, raw).astype(np.int64)


def poisson_account_days(rng: np.random.Generator, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(account, day) of each event when account-day counts are Poisson with `rate` [account, day]."""
    counts = rng.poisson(rate)
    account, day = np.nonzero(counts)
    repeat = counts[account, day]
    return np.repeat(account, repeat), np.repeat(day, repeat)


def lower_second(day: np.ndarray, created_day: np.ndarray, created_second: np.ndarray) -> np.ndarray:
    """The earliest allowed second of `day` for something owned by a row created on `created_day`."""
    return np.where(day == created_day, created_second + 1, 0)
