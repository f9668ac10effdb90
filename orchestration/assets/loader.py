"""Landing files -> raw tables: the loader as Dagster assets, with its too-broken gate.

One asset per raw table (keys `raw/<table>`, the keys dagster-dbt gives the dbt sources, so the
staging models hang under them). The loader replaces all raw tables in one transaction; each table
gets a blocking check that fails when its rejected share is above the dbt var
`raw_max_rejected_pct`, so a too-broken input stops the run before dbt and publishes nothing.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration import loader, settings
from orchestration.contract import RAW_SCHEMA, TABLES
from orchestration.resources import REFRESH_LOCK

REJECTS_CHECK = "rejects_within_limit"

landing_files = AssetSpec(
    "landing_files",
    group_name="raw",
    description=(
        "Files in the landing folder (CS_LANDING_DIR): <table>.csv|.parquet or a folder <table>/ per raw "
        "table. Written by a sync or `make generate`; the landing sensor starts a run when new files arrive."
    ),
    metadata={"path": MetadataValue.path(str(settings.landing_dir()))},
)


def raw_asset_key(table: str) -> AssetKey:
    return AssetKey([RAW_SCHEMA, table])


def landing_failure(error: loader.LandingError) -> Failure:
    """The loader's refusal as an expected failure: the first problem and what to do on the first
    line (what `make run` ends with), then the loader's whole message."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    problems = lines[1:] or lines  # "cannot load the landing folder:" then one problem a line
    more = f" (and {len(problems) - 1} more, below)" if len(problems) > 1 else ""
    head = (f"{problems[0]}{more}: fix the landing files in {settings.landing_dir()} (CS_LANDING_DIR) "
            "and run again")
    details = [f"  {line}" for line in lines] if len(lines) > 1 else []
    return Failure(description="\n".join([head, *details]))


@multi_asset(
    name="raw_tables",
    specs=[
        AssetSpec(
            raw_asset_key(t.name),
            deps=[landing_files.key],
            group_name="raw",
            description=f"{RAW_SCHEMA}.{t.name}: {t.grain} (contract: orchestration/contract.py).",
        )
        for t in TABLES
    ],
    check_specs=[
        AssetCheckSpec(
            REJECTS_CHECK,
            asset=raw_asset_key(t.name),
            blocking=True,
            description="The loader rejected at most raw_max_rejected_pct percent of the rows read.",
        )
        for t in TABLES
    ],
    required_resource_keys={REFRESH_LOCK},
)
def raw_tables(context: AssetExecutionContext) -> Iterator[MaterializeResult | AssetCheckResult]:
    try:
        report = loader.load()
    except loader.LandingError as error:
        raise landing_failure(error) from None
    context.log.info(report.summary())
    for name in (t.name for t in TABLES):
        table = report.tables[name]
        yield MaterializeResult(
            asset_key=raw_asset_key(name),
            metadata={
                "dagster/row_count": table.rows_loaded,
                "rows_read": table.rows_read,
                "rows_loaded": table.rows_loaded,
                "rows_rejected": table.rows_rejected,
                "rejected_by_reason": MetadataValue.json(dict(table.rejected_by_reason)),
                "source_files": MetadataValue.json(list(table.source_files)),
            },
        )
    for name in (t.name for t in TABLES):
        table = report.tables[name]
        within = table.rejected_pct <= report.max_rejected_pct
        yield AssetCheckResult(
            asset_key=raw_asset_key(name),
            check_name=REJECTS_CHECK,
            passed=within,
            severity=AssetCheckSeverity.ERROR,
            description=(
                f"{table.rows_rejected} of {table.rows_read} rows rejected ({table.rejected_pct:.2f}%), "
                f"limit {report.max_rejected_pct:g}%"
                + "".join(f"; {reason} {n}" for reason, n in sorted(table.rejected_by_reason.items()))
                + ("" if within else "; input too broken, nothing is published: the rejected rows and why "
                   f"are in the warehouse's {RAW_SCHEMA}.{loader.REJECTS_TABLE}; fix the input and run again")
            ),
            metadata={
                "rejected_pct": round(table.rejected_pct, 4),
                "limit_pct": report.max_rejected_pct,
                "rejected_by_reason": MetadataValue.json(dict(table.rejected_by_reason)),
                "inspect": MetadataValue.md(
                    f"`select * from {RAW_SCHEMA}.{loader.REJECTS_TABLE} where table_name = '{name}'`"
                ),
            },
        )
