"""The same project on Spark: `dbt build --target spark` in a local Spark session.

Runs in .venv-spark (`make test-spark`): pyspark and dbt-spark live there, apart from the main venv
where pyspark would break the Great Expectations imports; in the main venv this module is skipped.
On a small generated dataset, loaded through the project's loader (tests/spark_support.py):
- every seed, model, data test and unit test of the build passes;
- every public table (the marts) is built, not empty, and holds the same rows as the DuckDB
  default built from the same raw tables (tests/compare_tables.py);
- re-running the latest day overwrites that day's partitions of the daily tables, it never
  duplicates or drops rows (insert_overwrite, the Spark strategy of incremental_by_day).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytest.importorskip("dbt.adapters.spark", reason="dbt-spark is not installed in this venv (make test-spark)")

from dbt.cli.main import dbtRunner  # noqa: E402

from demo_data.generator import generate  # noqa: E402
from orchestration import as_of  # noqa: E402
from orchestration.settings import PROJECT_DIR  # noqa: E402
from tests.compare_tables import difference, normalised  # noqa: E402
from tests.ops_pipeline import environment  # noqa: E402
from tests.spark_support import VALIDATED_DUCKDB, export_raw, write_raw_tables  # noqa: E402

pytestmark = pytest.mark.slow

MARTS_SCHEMA = "marts"  # as orchestration.project, which imports Dagster (not in this venv)
ACCOUNTS, DAYS, SEED = 25, 120, 31
END = date(2025, 6, 30)  # last generated day of usage; the latest complete day is the day before
DAILY_TABLES = ("account_features_daily", "account_health_daily", "account_segments_daily")


def dbt(*args: str, target: str = "spark") -> Any:
    """Invoke dbt on a target; the run results (raises when dbt itself could not run)."""
    with environment({"DBT_TARGET_PATH": f"{os.environ['CS_DATA_DIR']}/target_{target}"}):
        result = dbtRunner().invoke([*args, "--target", target, "--project-dir", str(PROJECT_DIR),
                                     "--profiles-dir", str(PROJECT_DIR), "--quiet"])
    if result.exception is not None:
        raise AssertionError(f"dbt {' '.join(args)} did not run: {result.exception}")
    return result.result


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The session dbt-spark opens (profiles.yml target spark), over a metastore in tmp, raw tables loaded.

    The loader's validated DuckDB file is kept as the warehouse of the `dev` target, for comparison.
    """
    root = tmp_path_factory.mktemp("spark")
    landing = root / "landing"
    generate(ACCOUNTS, DAYS, SEED, landing, end=END)
    env = {"CS_DATA_DIR": str(root), "CS_SPARK_DIR": str(root / "spark"), "DBT_LOG_PATH": str(root / "logs")}
    with environment(env):
        dbt("debug")  # opens the session with the profile's settings; the test reuses it
        from pyspark.sql import SparkSession

        session = SparkSession.builder.getOrCreate()
        write_raw_tables(session, export_raw(landing, root / "export"))
        with environment({"CS_WAREHOUSE_PATH": str(root / "export" / VALIDATED_DUCKDB)}):
            yield session


@pytest.fixture(scope="module")
def as_of_vars(spark: Any) -> str:
    """The as-of vars of a first build of the raw tables (both engines build the same days)."""
    with duckdb.connect(os.environ["CS_WAREHOUSE_PATH"], read_only=True) as con:
        bounds = as_of.read_bounds(con, [])
    return json.dumps(as_of.decide(bounds, as_of.Request()).dbt_vars())


@pytest.fixture(scope="module")
def build(spark: Any, as_of_vars: str) -> list[Any]:
    return list(dbt("build", "--vars", as_of_vars).results)


@pytest.fixture(scope="module")
def duckdb_build(spark: Any, as_of_vars: str) -> Path:
    """The embedded default built from the same raw tables (the loader's DuckDB file)."""
    results = dbt("build", "--vars", as_of_vars, target="dev").results
    failed = [r.node.unique_id for r in results if r.status not in ("success", "pass")]
    assert not failed
    return Path(os.environ["CS_WAREHOUSE_PATH"])


def count(spark: Any, table: str, where: str = "true") -> int:
    return spark.sql(f"select count(*) from {MARTS_SCHEMA}.{table} where {where}").collect()[0][0]


def test_every_node_of_the_build_passes_on_spark(build: list[Any]) -> None:
    failed = [f"{r.node.unique_id}: {r.status}: {r.message}" for r in build if r.status in ("error", "fail")]
    assert not failed, "\n".join(failed)
    assert all(r.status in ("success", "pass") for r in build), "nodes skipped after a failure"
    kinds = {r.node.resource_type for r in build}
    assert {"seed", "model", "test", "unit_test"} <= kinds


def test_every_public_table_is_built_and_filled(build: list[Any], spark: Any) -> None:
    public = {r.node.name for r in build if r.node.resource_type == "model" and r.node.schema == MARTS_SCHEMA}
    assert {"account_segments", "account_features_daily", "account_health_daily", "mrr_movements"} <= public
    rows = {table: count(spark, table) for table in public}
    assert all(rows.values()), rows


def test_public_tables_hold_the_same_rows_as_on_duckdb(
    build: list[Any], duckdb_build: Path, spark: Any
) -> None:
    import duckdb

    public = [r.node.name for r in build if r.node.resource_type == "model" and r.node.schema == MARTS_SCHEMA]
    differences = []
    with duckdb.connect(str(duckdb_build)) as duck:
        for table in public:
            frame = duck.execute(f"select * from {MARTS_SCHEMA}.{table}")
            columns = [d[0] for d in frame.description]
            on_duckdb = normalised(frame.fetchall())
            on_spark = normalised(tuple(row) for row in spark.sql(
                f"select {', '.join(columns)} from {MARTS_SCHEMA}.{table}").collect())
            differences.append(difference(table, columns, on_duckdb, on_spark, ("DuckDB", "Spark")))
    differences = [d for d in differences if d]
    assert not differences, "\n".join(differences)


def test_rerunning_a_day_replaces_its_partitions(build: list[Any], spark: Any) -> None:
    day = spark.sql(f"select max(as_of_date) from {MARTS_SCHEMA}.account_features_daily").collect()[0][0]

    def snapshot() -> dict[str, tuple[int, Counter]]:
        """Each daily table's row count, and its rows of the day."""
        return {
            table: (count(spark, table), normalised(tuple(row) for row in spark.sql(
                f"select * from {MARTS_SCHEMA}.{table} where as_of_date = '{day}'").collect()))
            for table in DAILY_TABLES
        }

    before = snapshot()
    # every model: the views compile the run's as-of range into their SQL
    results = dbt("run", "--vars", json.dumps({"as_of_date": day.isoformat()})).results
    assert all(r.status == "success" for r in results)
    after = snapshot()
    assert after == before
    assert all(sum(day_rows.values()) > 0 for _, day_rows in after.values())
