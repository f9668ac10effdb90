"""The Dagster code location: merges the assets, checks, job, schedule, sensors and resources."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from orchestration.assets.delivery import actions_delivery
from orchestration.assets.dbt import dbt_models, model_asset_key
from orchestration.assets.loader import landing_files, raw_asset_key, raw_tables
from orchestration.assets.publish import build_publish_asset
from orchestration.checks.asset_checks import public_suite_checks, raw_suite_checks
from orchestration.jobs import refresh_job
from orchestration.project import PUBLIC_TABLES
from orchestration.resources import build_resources
from orchestration.schedules import daily_refresh
from orchestration.sensors import landing_files_sensor, record_failed_runs

public_tables = {table: model_asset_key(table) for table in PUBLIC_TABLES}
gx_checks = [raw_suite_checks(raw_asset_key), public_suite_checks(public_tables.__getitem__)]
blocking_checks = [
    spec.key for d in [raw_tables, dbt_models, *gx_checks] for spec in d.check_specs if spec.blocking
]
serving_database = build_publish_asset(public_tables, blocking_checks)

defs = Definitions(
    assets=[landing_files, raw_tables, dbt_models, serving_database, actions_delivery],
    asset_checks=gx_checks,
    jobs=[refresh_job],
    schedules=[daily_refresh],
    sensors=[landing_files_sensor, record_failed_runs],
    resources=build_resources(),
    executor=in_process_executor,
)
