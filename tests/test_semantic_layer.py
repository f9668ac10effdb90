"""The semantic layer: `mf query` (MetricFlow) on the embedded warehouse gives the figures plain SQL
on the public tables gives.

MetricFlow reads the semantic manifest at `<project>/target/semantic_manifest.json` (a fixed path),
so the test parses the project there first, as the README tells a user to.
"""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.project import MARTS_SCHEMA
from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import environment_for, published_base

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def warehouse() -> Path:
    return published_base() / "warehouse.duckdb"


def mf_query(warehouse: Path, out: Path, *args: str) -> list[dict[str, str]]:
    env = {**os.environ, **environment_for(warehouse.parent), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    env.pop("DBT_TARGET_PATH", None)
    parse = subprocess.run([str(BIN / "dbt"), "parse", "--quiet", "--target-path", "target"],
                           cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert parse.returncode == 0, parse.stdout + parse.stderr
    done = subprocess.run([str(BIN / "mf"), "query", "--quiet", *args, "--csv", str(out)],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_mrr_and_retention_by_month_match_sql(warehouse: Path, tmp_path: Path) -> None:
    rows = mf_query(warehouse, tmp_path / "out.csv", "--metrics", "mrr,accounts_at_risk,grr,nrr",
                    "--group-by", "metric_time__month", "--order", "metric_time__month")
    assert rows
    by_month = {row["metric_time__month"][:10]: row for row in rows}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # a balance is taken on the month's last computed day, never summed over its days
        balances = con.execute(f"""
            select cast(date_trunc('month', as_of_date) as date) as month, sum(mrr),
                   sum(case when is_at_risk then 1 else 0 end)
            from {MARTS_SCHEMA}.account_segments_daily as daily
            where as_of_date = (select max(as_of_date) from {MARTS_SCHEMA}.account_segments_daily as same
                                where date_trunc('month', same.as_of_date) = date_trunc('month', daily.as_of_date))
            group by 1
        """).fetchall()
        retention = dict(con.execute(f"""
            select cast(month as date), (sum(starting_arr) - sum(contraction_arr) - sum(churned_arr))
                   / nullif(sum(starting_arr), 0)
            from {MARTS_SCHEMA}.segment_summary_monthly where segment_type = 'arr_tier' group by 1
        """).fetchall())
    assert {str(month) for month, _, _ in balances} == set(by_month)
    for month, mrr, at_risk in balances:
        row = by_month[str(month)]
        assert math.isclose(float(row["mrr"]), float(mrr), rel_tol=1e-9)
        assert int(float(row["accounts_at_risk"])) == at_risk
        expected = retention.get(month)
        if expected is None:
            assert row["grr"] in ("", "None")
        else:
            assert math.isclose(float(row["grr"]), float(expected), rel_tol=1e-9)
            assert float(row["nrr"]) >= 0
