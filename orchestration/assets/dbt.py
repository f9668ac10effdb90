"""Every dbt node (seeds, models, snapshots) as Dagster assets, and dbt tests as asset checks.

The graph comes from dbt's manifest, so a model added to `models/` appears here on the next parse.
One `dbt build` runs per Dagster run: it builds and tests in dependency order and skips what
depends on a failed test; tests with severity `error` are blocking checks.

The assets are not partitioned: which as-of days a run computes is decided once, at the start of
this step, by orchestration/as_of.py (from the loaded data, the days already built and the run
config below), and handed to dbt as vars. Each materialization carries that range as metadata.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
import json
from collections.abc import Iterator, Mapping
from typing import Any, Optional

from dagster import AssetExecutionContext, AssetKey, Config, Failure, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model
from pydantic import Field

from orchestration import as_of, settings
from orchestration.project import dbt_project, prepare_manifest
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
    for event in dbt.cli(args, context=context, target_path=settings.dbt_target_path() / "refresh").stream():
        yield event.with_metadata({**event.metadata, **range_metadata}) if isinstance(event, Output) else event


def model_asset_key(model_name: str) -> AssetKey:
    """The asset key of a dbt model (e.g. a public table)."""
    return get_asset_key_for_model([dbt_models], model_name)
