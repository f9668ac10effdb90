"""Every dbt node (seeds, models, snapshots) as Dagster assets, and dbt tests as asset checks.

The graph comes from dbt's manifest, so a model added to `models/` appears here on the next parse.
One `dbt build` runs per Dagster run: it builds and tests in dependency order and skips what
depends on a failed test; tests with severity `error` are blocking checks.

The assets are not partitioned: which as-of days a run computes is decided once, at the start of
this step, by orchestration/as_of.py (from the loaded data, the days already built and the run
config below), and handed to dbt as vars. Each materialization carries that range and, for
tables, seeds and snapshots, its row count as metadata.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
import json
from collections.abc import Iterator, Mapping
from typing import Any, Optional

from dagster import AssetExecutionContext, AssetKey, Config, Failure, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model
from pydantic import Field

from orchestration import as_of, settings, warehouse
from orchestration.project import dbt_project, manifest_nodes, prepare_manifest
from orchestration.resources import RefreshLock


class DbtBuildConfig(Config):
    """The as-of days to compute (none: the default range) and whether to rebuild; set them in the
    launchpad, or with `make run ARGS=...` (--as-of-date, --start/--end, --full-refresh)."""

    as_of_date: Optional[str] = Field(default=None, description="one as-of day to compute, YYYY-MM-DD")
    as_of_start: Optional[str] = Field(default=None, description="first as-of day of a range, YYYY-MM-DD")
    as_of_end: Optional[str] = Field(default=None, description="last as-of day of a range, YYYY-MM-DD")
    full_refresh: bool = Field(default=False, description="rebuild the daily models over the whole history")


class LayerTranslator(DagsterDbtTranslator):
    """Groups assets by dbt layer (staging / intermediate / marts; seeds are `rules`) in the UI."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


def decide_range(config: DbtBuildConfig) -> as_of.AsOfRange:
    """The run's as-of range; a request that cannot be met fails the step with the reason."""
    try:
        return as_of.for_warehouse(as_of.Request.parse(
            config.as_of_date, config.as_of_start, config.as_of_end, config.full_refresh
        ))
    except as_of.AsOfError as error:
        raise Failure(description=f"cannot choose the as-of days: {error}") from error


@dbt_assets(
    manifest=prepare_manifest(),
    project=dbt_project,
    dagster_dbt_translator=LayerTranslator(),
    name="dbt_models",
)
def dbt_models(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    refresh_lock: RefreshLock,  # held for the whole run by asking for it (the one run writing the warehouse)
    config: DbtBuildConfig,
) -> Iterator[Any]:
    chosen = decide_range(config)
    args = ["build", "--vars", json.dumps(chosen.dbt_vars())]
    if config.full_refresh:
        args.append("--full-refresh")
    context.log.info(f"as-of range {chosen}: dbt {' '.join(args)}")
    range_metadata = {"as_of_start": chosen.start.isoformat(), "as_of_end": chosen.end.isoformat()}
    # One artifacts folder reused by every run (runs are serialised), instead of one per run.
    invocation = dbt.cli(args, context=context, target_path=settings.dbt_target_path() / "refresh")
    # The events wait for the end of the build: row counts are read once dbt has let go of the
    # warehouse (a DuckDB file admits no second process while dbt writes it).
    events, failure = [], None
    try:
        events.extend(invocation.stream())
    except Exception as error:  # dbt failed: what it did build still shows, then the step fails
        failure = error
    counts = row_counts([event.metadata["unique_id"].value for event in events if isinstance(event, Output)])
    for event in events:
        if isinstance(event, Output):
            count = counts.get(event.metadata["unique_id"].value)
            extra = {**range_metadata, **({"dagster/row_count": count} if count is not None else {})}
            event = event.with_metadata({**event.metadata, **extra})
        yield event
    if failure is not None:
        raise failure


def row_counts(unique_ids: list[str]) -> dict[str, int]:
    """Rows of each built table, seed and snapshot (views and ephemeral models are not counted: that
    would run their query), read from the warehouse the build wrote."""
    nodes = manifest_nodes()
    relations = {
        unique_id: nodes[unique_id]["relation_name"]
        for unique_id in unique_ids
        if unique_id in nodes and nodes[unique_id].get("relation_name")
        and nodes[unique_id]["config"].get("materialized") not in ("view", "ephemeral")
    }
    if not relations:
        return {}
    if settings.dbt_target() == "postgres":
        con = warehouse.connect_postgres()
    else:
        con = warehouse.connect_duckdb(read_only=True)
    try:
        cursor = con.cursor()
        counts = {}
        for unique_id, relation in relations.items():
            cursor.execute(f"select count(*) from {relation}")
            counts[unique_id] = cursor.fetchone()[0]
        return counts
    finally:
        con.close()


def model_asset_key(model_name: str) -> AssetKey:
    """The asset key of a dbt model (e.g. a public table)."""
    return get_asset_key_for_model([dbt_models], model_name)
