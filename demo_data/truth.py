"""The ground truth behind the demo data, for benchmarks: each account's latent churn propensity.

The simulation (`lifecycle`) decides every day, for each paying account past its first weeks,
whether it decides to churn, with a daily hazard that rises steeply as its smoothed latent
health falls (and near its renewal). `latent_churn.parquet` holds, per account and calendar
month in which a subscription (a trial included) covered a day:

- `account_id`, `month` (the first day of the month);
- `propensity`: the chance that the account decided to churn during the month, given the hazard
  of its exposed days (1 - the product of (1 - daily hazard)); 0 in a month it could not decide
  (a trial, its notice period, its first weeks). Trials that lapse without paying are no churn
  decision and are not in it;
- `decided_to_churn`: whether it did decide that month (it then leaves within a month's notice);
- `latent_health`: its mean latent health (0-1) over the days it was live that month.

It is written to a folder of its own (`--truth`), never into the landing folder: no model reads
it. A benchmark compares it with what the pipeline infers (health bands, the at-risk flag).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from demo_data import output
from demo_data.accounts import Accounts
from demo_data.lifecycle import History
from demo_data.world import Calendar

LATENT_CHURN_FILE = "latent_churn.parquet"
SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("month", pa.date32()),
        ("propensity", pa.float64()),
        ("decided_to_churn", pa.bool_()),
        ("latent_health", pa.float64()),
    ]
)


def latent_churn(calendar: Calendar, accounts: Accounts, history: History) -> pa.Table:
    """One row per account and month in which it was live."""
    month_of_day = calendar.epoch_days().astype("datetime64[D]").astype("datetime64[M]")
    months, first_day = np.unique(month_of_day, return_index=True)
    survives = np.add.reduceat(np.log1p(-history.churn_hazard.astype(np.float64)), first_day, axis=1)
    decided = np.logical_or.reduceat(history.churn_decided, first_day, axis=1)
    live_days = np.add.reduceat(history.alive.astype(np.int64), first_day, axis=1)
    health = np.add.reduceat(np.where(history.alive, history.health, 0.0), first_day, axis=1)
    account, month = np.nonzero(live_days > 0)
    return pa.Table.from_arrays(
        [
            output.texts(accounts.ids).take(pa.array(account)),
            pa.array(months[month].astype("datetime64[D]"), type=pa.date32()),
            pa.array(np.round(-np.expm1(survives[account, month]), 6)),
            pa.array(decided[account, month]),
            pa.array(np.round(health[account, month] / live_days[account, month], 4)),
        ],
        schema=SCHEMA,
    )


def write_truth(folder: Path, calendar: Calendar, accounts: Accounts, history: History) -> int:
    """Write `<folder>/latent_churn.parquet`; the number of rows."""
    with output.TableWriter(Path(folder) / LATENT_CHURN_FILE, SCHEMA, "parquet") as writer:
        writer.write(latent_churn(calendar, accounts, history))
    return writer.rows
