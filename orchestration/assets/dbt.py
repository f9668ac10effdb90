"""Every dbt node (seeds, models, snapshots) as Dagster assets, and dbt tests as asset checks.

The graph comes from dbt's manifest, so a model added to `models/` appears here on the next parse.
One `dbt build` runs per Dagster run: it builds and tests in dependency order and skips what
depends on a failed test; tests with severity `error` are blocking checks.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
import json
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from orchestration import settings
from orchestration.partitions import as_of_vars, daily_partitions, single_run_backfill
from orchestration.project import dbt_project, prepare_manifest


class DbtBuildConfig(Config):
    """Run options a user can set in the launchpad or with `cli run --full-refresh`."""

    full_refresh: bool = False  # rebuild the daily models over the whole history


class LayerTranslator(DagsterDbtTranslator):
    """Groups assets by dbt layer (staging / intermediate / marts; seeds are `rules`) in the UI."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=prepare_manifest(),
    project=dbt_project,
    dagster_dbt_translator=LayerTranslator(),
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig) -> Iterator[Any]:
    args = ["build"]
    dbt_vars = as_of_vars(context)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if config.full_refresh:
        args.append("--full-refresh")
    context.log.info(f"dbt {' '.join(args)}" + ("" if dbt_vars else " (default as-of range of the models)"))
    # One artifacts folder reused by every run (runs are serialised), instead of one per run.
    yield from dbt.cli(args, context=context, target_path=settings.dbt_target_path() / "refresh").stream()


def model_asset_key(model_name: str) -> AssetKey:
    """The asset key of a dbt model (e.g. a public table)."""
    return get_asset_key_for_model([dbt_models], model_name)
