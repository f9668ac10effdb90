"""The one job: landing -> raw -> dbt -> checks -> publish, over every asset and check.

Launched without config (`make run`, the schedule, the sensor) the dbt step computes the default
as-of range; with the dbt step's config (`as_of_date`, or `as_of_start` + `as_of_end`: a backfill)
it computes those days, all in this one run (orchestration/as_of.py decides). Steps run in one process, one after the other: DuckDB lets one process
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
        "publish the public tables to the serving database. By default the days since the last day built up "
        "to the latest complete day (the whole history on a first build); the dbt step's config asks for "
        "other days."
    ),
)
