"""Backtest of the segments on generated data: do the health bands and the at-risk flag foresee churn,
and are they steady? Run on demand (`make bench-quality`), e.g. after changing a rule.

For each dataset (seed, accounts x days) it generates the demo data with its ground truth into
`<workdir>/seed<S>_<A>x<D>/data`, runs the whole pipeline there (`python -m orchestration.cli run`
with CS_DATA_DIR pointed at it), and reads what the run published:

- `segment_quality_monthly` from the serving file, pooled over its complete snapshots by summing
  the counts (never averaging the ratios): at-risk share, lift and recall, health AUC, band
  changes and at-risk entries per live account-year and the shares reversed the next day;
- `health_band_outcomes`: whether red churned more than yellow and yellow more than green in
  every complete snapshot;
- the ceiling of the health AUC: the AUC of the generator's own latent churn propensity
  (`demo_truth/latent_churn.parquet`, the snapshot's month) for the same accounts and outcomes
  (the warehouse's `int_revenue__churn_outcomes`, the churn the table counts). The health AUC is
  recomputed from the same accounts beside it, a check of the SQL.

It prints the figures of every dataset side by side with the targets (a Markdown table, as the
README shows it) and writes them to `<workdir>/quality.json`.

    python bench/quality.py [--datasets 7:2000x400 11:1000x400 23:3000x400] [--workdir DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from orchestration import quality  # noqa: E402  (the project root is put on the path above)

DEFAULT_DATASETS = ["7:2000x400", "11:1000x400", "23:3000x400"]
DAYS_PER_YEAR = 365
BANDS_WORST_FIRST = ("red", "yellow", "green")
# The paying, scored accounts of the complete snapshots with their outcome and latent propensity
# (one row per account-snapshot: small enough for pandas).
OUTCOMES_SQL = """
select
    outcomes.snapshot_date,
    outcomes.account_id,
    outcomes.has_churned,
    cast(segments.health_score as double) as health_score,
    truth.propensity
from intermediate.int_revenue__churn_outcomes as outcomes
inner join marts.account_segments_daily as segments
    on outcomes.account_id = segments.account_id
    and outcomes.snapshot_date = segments.as_of_date
left join read_parquet(?) as truth
    on outcomes.account_id = truth.account_id
    and date_trunc('month', outcomes.snapshot_date) = truth.month
where outcomes.is_complete
    and outcomes.is_paying
    and segments.health_score is not null
"""


@dataclass(frozen=True)
class Dataset:
    seed: int
    accounts: int
    days: int

    @classmethod
    def parse(cls, text: str) -> Dataset:
        seed, size = text.split(":")
        accounts, days = size.split("x")
        return cls(int(seed), int(accounts), int(days))

    @property
    def name(self) -> str:
        return f"seed{self.seed}_{self.accounts}x{self.days}"

    @property
    def label(self) -> str:
        return f"seed {self.seed}, {self.accounts:,} x {self.days}"


@dataclass(frozen=True)
class Target:
    figure: str
    text: str
    met: Callable[[dict], bool]
    shown: Callable[[dict], str]


def _pct(value: float | None) -> str:
    return "-" if value is None or pd.isna(value) else f"{100 * value:.1f}%"


def _fixed(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _at_least(value: float | None, floor: float) -> bool:
    return value is not None and value >= floor


def _at_most(value: float | None, ceiling: float) -> bool:
    return value is not None and value <= ceiling


TARGETS = [
    Target("at-risk share of paying accounts", "10-25%",
           lambda f: f["at_risk_share"] is not None and 0.10 <= f["at_risk_share"] <= 0.25,
           lambda f: _pct(f["at_risk_share"])),
    Target("at-risk lift (recall)", ">= 3 at recall >= 50%",
           lambda f: _at_least(f["at_risk_lift"], 3) and _at_least(f["at_risk_recall"], 0.5),
           lambda f: f"{_fixed(f['at_risk_lift'])} ({_pct(f['at_risk_recall'])})"),
    Target("health AUC (latent ceiling)", ">= 0.80, within 0.05 of the ceiling",
           lambda f: _at_least(f["health_auc"], 0.80) and f["latent_auc"] is not None
           and _at_least(f["health_auc"], f["latent_auc"] - 0.05),
           lambda f: f"{_fixed(f['health_auc'], 3)} ({_fixed(f['latent_auc'], 3)})"),
    Target("band changes per live account-year (reversed next day)", "<= 3, <= 5% reversed",
           lambda f: _at_most(f["band_changes_per_account_year"], 3)
           and _at_most(f["band_reversal_share"], 0.05),
           lambda f: f"{_fixed(f['band_changes_per_account_year'])} ({_pct(f['band_reversal_share'])})"),
    Target("at-risk entries per live account-year (out next day)", "<= 2",
           lambda f: _at_most(f["risk_entries_per_account_year"], 2),
           lambda f: f"{_fixed(f['risk_entries_per_account_year'])} ({_pct(f['risk_reversal_share'])})"),
    Target("red > yellow > green 90-day churn", "every complete snapshot",
           lambda f: f["band_order_held"] == f["snapshots"],
           lambda f: f"{f['band_order_held']} of {f['snapshots']} snapshots"),
]


def environment(data: Path, root: Path) -> dict[str, str]:
    """The environment of one dataset's run: every path under its own folder, telemetry off."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CS_LANDING_DIR", "CS_WAREHOUSE_PATH", "CS_SERVING_PATH", "CS_DBT_TARGET")}
    env.update(
        CS_DATA_DIR=str(data),
        DAGSTER_HOME=str(data / "dagster_home"),
        DBT_TARGET_PATH=str(root / "target"),
        DBT_LOG_PATH=str(root / "logs"),
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        GX_ANALYTICS_ENABLED="false",
        DAGSTER_DISABLE_TELEMETRY="true",
    )
    return env


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with open(log, "a", encoding="utf-8") as out:
        result = subprocess.run(command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-30:])
        raise SystemExit(f"failed: {' '.join(command)} (log {log}):\n{tail}")


def prepare(dataset: Dataset, workdir: Path, reuse: bool) -> tuple[Path, float]:
    """Generate the dataset and run the pipeline on it; its data folder and the seconds it took."""
    root = workdir / dataset.name
    data = root / "data"
    if reuse and (data / "serving.duckdb").exists():
        print(f"==> {dataset.label}: reusing the run in {data}", flush=True)
        return data, 0.0
    shutil.rmtree(root, ignore_errors=True)
    data.mkdir(parents=True)
    env, log = environment(data, root), root / "run.log"
    started = time.perf_counter()
    print(f"==> {dataset.label}: generating and running the pipeline (log {log})", flush=True)
    _run([sys.executable, "-m", "demo_data", "--accounts", str(dataset.accounts), "--days", str(dataset.days),
          "--seed", str(dataset.seed), "--out", str(data / "landing"), "--truth", str(data / "demo_truth")],
         env, log)
    _run([sys.executable, "-m", "orchestration.cli", "run"], env, log)
    return data, time.perf_counter() - started


def pooled(snapshots: pd.DataFrame) -> dict[str, float | None]:
    """The table's figures over all its snapshots: the counts summed, then divided."""
    s = snapshots.sum(numeric_only=True)
    precision = _ratio(s.at_risk_churned_accounts, s.at_risk_accounts)
    churn_rate = _ratio(s.churned_accounts, s.paying_accounts)
    return {
        "snapshots": len(snapshots),
        "account_snapshots": int(s.paying_accounts),
        "at_risk_share": _ratio(s.at_risk_accounts, s.paying_accounts),
        "churn_rate_90d": churn_rate,
        "at_risk_precision": precision,
        "at_risk_recall": _ratio(s.at_risk_churned_accounts, s.churned_accounts),
        "at_risk_lift": _ratio(precision, churn_rate) if precision is not None else None,
        "health_auc": _ratio(s.health_auc_pairs_churner_lower, s.health_auc_pairs),
        "band_changes_per_account_year": _ratio(DAYS_PER_YEAR * s.band_changes, s.banded_live_account_days),
        "band_reversal_share": _ratio(s.band_reversals, s.band_changes),
        "risk_entries_per_account_year": _ratio(DAYS_PER_YEAR * s.risk_entries, s.live_account_days),
        "risk_reversal_share": _ratio(s.risk_reversals, s.risk_entries),
    }


def band_outcomes(serving: Path, snapshot_dates: list) -> dict:
    """Per band, the 90-day churn rate pooled over the snapshots; in how many of them red churned more
    than yellow and yellow more than green, and the others."""
    with duckdb.connect(str(serving), read_only=True) as con:
        outcomes = con.execute(
            "select snapshot_date, health_band, accounts, churned_within_90d from main.health_band_outcomes "
            "where is_complete"
        ).df()
    outcomes = outcomes[outcomes["snapshot_date"].isin(pd.to_datetime(snapshot_dates))]
    totals = outcomes.groupby("health_band")[["accounts", "churned_within_90d"]].sum()
    rates = outcomes.pivot(index="snapshot_date", columns="health_band", values="churned_within_90d") / \
        outcomes.pivot(index="snapshot_date", columns="health_band", values="accounts")
    red, yellow, green = (rates[band] for band in BANDS_WORST_FIRST)
    held = (red > yellow) & (yellow > green)
    return {
        "band_churn_rates": {
            band: _ratio(totals.loc[band, "churned_within_90d"], totals.loc[band, "accounts"])
            for band in BANDS_WORST_FIRST
        },
        "band_order_held": int(held.sum()),
        "band_order_missed": [f"{day:%Y-%m-%d} (red {_pct(r)}, yellow {_pct(y)}, green {_pct(g)})"
                              for day, r, y, g, ok in zip(rates.index, red, yellow, green, held) if not ok],
    }


def pooled_auc(accounts: pd.DataFrame, score: str, churners_low: bool) -> float | None:
    """Mann-Whitney AUC within each snapshot, pooled: pairs summed over snapshots, ties half."""
    ordered = pairs = 0.0
    for _, day in accounts.groupby("snapshot_date"):
        ranks = day[score].rank(method="average")
        churned = day["has_churned"].astype(bool)
        n1, n0 = int(churned.sum()), int((~churned).sum())
        churner_higher = ranks[churned].sum() - n1 * (n1 + 1) / 2
        pairs += n1 * n0
        ordered += n1 * n0 - churner_higher if churners_low else churner_higher
    return _ratio(ordered, pairs)


def ceilings(data: Path) -> dict[str, float | int | None]:
    """The latent propensity's AUC and the health AUC recomputed, over the same account-snapshots."""
    truth = data / "demo_truth" / "latent_churn.parquet"
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        accounts = con.execute(OUTCOMES_SQL, [str(truth)]).df()
    with_truth = accounts.dropna(subset=["propensity"])
    return {
        "latent_auc": pooled_auc(with_truth, "propensity", churners_low=False),
        "health_auc_recomputed": pooled_auc(accounts, "health_score", churners_low=True),
        "scored_without_truth": len(accounts) - len(with_truth),
    }


def measure(dataset: Dataset, workdir: Path, reuse: bool) -> dict:
    data, seconds = prepare(dataset, workdir, reuse)
    rows = pd.DataFrame(quality.read_snapshots(data / "serving.duckdb"))
    if rows.empty:
        raise SystemExit(f"{dataset.label}: segment_quality_monthly has no complete snapshot")
    figures = pooled(rows)
    figures.update(band_outcomes(data / "serving.duckdb", list(rows["snapshot_date"])))
    figures.update(ceilings(data))
    figures.update(dataset=dataset.label, seconds=round(seconds),
                   first_snapshot=str(rows["snapshot_date"].min()),
                   last_snapshot=str(rows["snapshot_date"].max()))
    figures["targets"] = {t.figure: t.met(figures) for t in TARGETS}
    return figures


def report(results: list[dict]) -> str:
    """The figures of every dataset side by side with the targets, as a Markdown table, and notes."""
    header = ["figure (pooled over the complete snapshots)", "target", *(r["dataset"] for r in results)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for target in TARGETS:
        cells = [f"{target.shown(r)} {'PASS' if r['targets'][target.figure] else 'MISS'}" for r in results]
        lines.append("| " + " | ".join([target.figure, target.text, *cells]) + " |")
    extra = [
        ("complete snapshots", lambda r: f"{r['snapshots']} ({r['first_snapshot']} .. {r['last_snapshot']})"),
        ("paying account-snapshots", lambda r: f"{r['account_snapshots']:,}"),
        ("90-day churn rate", lambda r: _pct(r["churn_rate_90d"])),
        ("at-risk precision", lambda r: _pct(r["at_risk_precision"])),
        ("90-day churn of red / yellow / green",
         lambda r: " / ".join(_pct(v) for v in r["band_churn_rates"].values())),
        ("health AUC recomputed from the accounts", lambda r: _fixed(r["health_auc_recomputed"], 3)),
        ("seconds to generate and run (0: reused)", lambda r: f"{r['seconds']:,}"),
    ]
    for name, shown in extra:
        lines.append("| " + " | ".join([name, "", *(shown(r) for r in results)]) + " |")
    notes = []
    for r in results:
        table, recomputed = r["health_auc"], r["health_auc_recomputed"]
        if table is not None and recomputed is not None and abs(table - recomputed) > 1e-9:
            notes.append(f"{r['dataset']}: health AUC recomputed from the accounts is {recomputed:.6f}, "
                         f"the table's {table:.6f}")
        if r["scored_without_truth"]:
            notes.append(f"{r['dataset']}: {r['scored_without_truth']} account-snapshots have no latent "
                         "propensity (left out of the ceiling)")
        if r["band_order_missed"]:
            notes.append(f"{r['dataset']}: band order missed on {'; '.join(r['band_order_missed'])}")
    return "\n".join(lines + [""] + notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=DEFAULT_DATASETS, help="SEED:ACCOUNTSxDAYS")
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "bench" / "out" / "quality")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a dataset's earlier run when it has a serving file")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    results = [measure(Dataset.parse(text), workdir, args.reuse) for text in args.datasets]
    print("\n" + report(results))
    (workdir / "quality.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
