"""A local Spark warehouse for `make test-spark`: the raw tables in a Spark session's metastore.

The project's loader validates the landing files in DuckDB as always (`orchestration.loader`); its
accepted rows are exported to Parquet and written to the `raw` database of the Spark session that
dbt-spark (`method: session`) opens in this same process, with the contract's types. On a real
Spark or Databricks warehouse the raw tables come from the company's own ingestion instead.

Imported only in the Spark environment (.venv-spark): it needs pyspark.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.contract import BOOLEAN, DATE, INT, NUMERIC, RAW_SCHEMA, TABLES, TEXT, TIMESTAMP
from orchestration.loader import REJECTS_TABLE, load
from orchestration.warehouse import connect_duckdb

VALIDATED_DUCKDB = "validated.duckdb"  # not raw.duckdb: its catalog name would clash with schema raw

# The contract's logical types in Spark SQL (the loader's DuckDB types have no bare `varchar` here).
SPARK_TYPES = {
    TEXT: "string",
    INT: "bigint",
    NUMERIC: "decimal(18, 2)",
    BOOLEAN: "boolean",
    DATE: "date",
    TIMESTAMP: "timestamp",
}


def export_raw(landing: Path, work: Path) -> dict[str, Path]:
    """Load `landing` with the project's loader into a scratch DuckDB file; one Parquet file per raw table."""
    warehouse = work / VALIDATED_DUCKDB
    report = load(landing, warehouse_path=warehouse)
    if report.too_broken:
        raise RuntimeError(report.summary())
    con = connect_duckdb(warehouse)
    exports = {}
    try:
        for table in [t.name for t in TABLES] + [REJECTS_TABLE]:
            path = work / "parquet" / f"{table}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy {RAW_SCHEMA}.{table} to '{path}' (format parquet)")
            exports[table] = path
    finally:
        con.close()
    return exports


def write_raw_tables(spark, exports: dict[str, Path]) -> None:  # spark: pyspark.sql.SparkSession
    """(Re)create `raw.<table>` in the Spark metastore from the exported Parquet files, contract-typed."""
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for table in TABLES:
        columns = ", ".join(f"{c.name} {SPARK_TYPES[c.type]}" for c in table.columns)
        projection = ", ".join(f"cast({c.name} as {SPARK_TYPES[c.type]}) as {c.name}" for c in table.columns)
        spark.sql(f"drop table if exists {RAW_SCHEMA}.{table.name}")
        spark.sql(f"create table {RAW_SCHEMA}.{table.name} ({columns}) using parquet")
        spark.sql(
            f"insert into {RAW_SCHEMA}.{table.name} "
            f"select {projection} from parquet.`{exports[table.name]}`"
        )
