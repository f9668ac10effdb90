"""The one job: landing -> raw -> dbt -> checks -> publish, over every asset and check.

Launched without a partition (`make run`, the schedule, the sensor) the dbt models compute their
default as-of range; with one partition or a range of partitions (a backfill) they compute those
days, all in this one run. Steps run in one process, one after the other: DuckDB lets one process
write the warehouse at a time, and the loader, dbt, the checks and the publish all open it.
"""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

refresh_job = define_asset_job(
    name="refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description=(
        "Load the landing files, build and test every dbt model, run the Great Expectations suites and "
        "publish the public tables to the serving database. No partition: the latest complete day (the "
        "whole history on a first build); a partition or range: those as-of days."
    ),
)
