"""The dbt project as Dagster sees it: where it lives, its manifest, and which models are public.

dagster-dbt builds the asset graph from dbt's `manifest.json`, so every model a colleague adds
appears in Dagster without touching Python. This module imports nothing of the upper modules.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration import settings

# The public tables (docs/contract.md): what the publish step copies to the serving database.
PUBLIC_TABLES: tuple[str, ...] = (
    "account_segments",
    "account_segments_daily",
    "account_features_daily",
    "account_health_daily",
    "account_segment_memberships",
    "segment_transitions",
    "mrr_movements",
    "segment_summary_monthly",
    "health_band_outcomes",
    "user_segments",
    "segment_quality_monthly",
)
# Warehouse schema the marts (public tables) are built in (see macros/generate_schema_name.sql).
MARTS_SCHEMA = "marts"

# The dbt next to this Python, so `.venv/bin/python -m ...` works without an activated venv.
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

dbt_project = DbtProject(
    project_dir=settings.PROJECT_DIR,
    target_path=settings.dbt_target_path(),
    profiles_dir=settings.PROJECT_DIR,
    target=settings.dbt_target(),
)


def dbt_cli() -> DbtCliResource:
    """The dbt CLI on this project, its profile (profiles.yml here) and target (CS_DBT_TARGET)."""
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(settings.PROJECT_DIR),
        target=settings.dbt_target(),
        dbt_executable=DBT_EXECUTABLE,
    )


# What dbt reads to build the manifest.
_DBT_SOURCES = (
    "dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "snapshots", "data-tests", "analyses",
)


def _manifest_is_stale() -> bool:
    """Whether a dbt file changed after the manifest was written (it must describe what dbt will run)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    for name in _DBT_SOURCES:
        path = settings.PROJECT_DIR / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
        if any(f.stat().st_mtime > written for f in files):
            return True
    return False


def _parse() -> None:
    dbt_cli().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


@lru_cache(maxsize=1)
def _parse_once() -> None:
    # Under `dagster dev` every code-location (re)load is a new process: parse once in each.
    _parse()


def prepare_manifest(*, force: bool = False) -> Path:
    """Parse the dbt project into `manifest.json`: when forced, on each `dagster dev` load, when stale."""
    if force:
        _parse()
    elif using_dagster_dev():
        _parse_once()
    elif _manifest_is_stale():
        _parse()
    return dbt_project.manifest_path


@lru_cache(maxsize=1)
def _manifest() -> dict[str, Any]:
    with open(prepare_manifest(), encoding="utf-8") as f:
        return json.load(f)


def manifest_nodes() -> dict[str, dict[str, Any]]:
    """The manifest's nodes by unique id (models, seeds, snapshots, tests)."""
    return _manifest()["nodes"]


def daily_models() -> list[tuple[str, str]]:
    """`(schema, name)` of the daily models: incremental models with an `as_of_date` column.

    Their last as-of day tells where the next refresh continues (orchestration/as_of.py).
    """
    return sorted(
        (node["schema"], node["alias"] or node["name"])
        for node in _manifest()["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("materialized") == "incremental"
        and "as_of_date" in node.get("columns", {})
    )


def public_descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """Each public table's dbt description and its columns' descriptions (the serving file's comments)."""
    return {
        node["name"]: (node["description"], {name: column["description"] for name, column in node["columns"].items()})
        for node in _manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in PUBLIC_TABLES
    }


def accepted_values(model: str, column: str) -> list[Any]:
    """The values of the dbt `accepted_values` test on a model's column (GX suites need not repeat them)."""
    for node in _manifest()["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if (
            node["resource_type"] == "test"
            and metadata.get("name") == "accepted_values"
            and node.get("column_name") == column
            and node.get("attached_node", "").split(".")[-1] == model
        ):
            return list(metadata["kwargs"]["values"])
    raise KeyError(f"no accepted_values test on {model}.{column} in the dbt project")
