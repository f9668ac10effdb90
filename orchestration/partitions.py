"""Daily partitions keyed by `as_of_date`, and how a run's partitions become dbt vars.

Only the dbt models are partitioned: the raw tables are loaded whole from the landing folder and
the serving database is published whole, so neither has an as-of day. A run without a partition
(`make run`, the schedule, the sensor) passes no var and the models compute their default range
(macros/as_of/as_of_bounds.sql: the whole history on a first build, else from the day after the
last completed as-of day to the latest complete day of the raw data, never the wall clock). A run
for one partition passes `as_of_date`; a backfill of a range runs once (`BackfillPolicy.single_run`)
with `as_of_start` / `as_of_end`, which the models compute exactly like day by day.
"""

from __future__ import annotations

from dagster import AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition
from dagster._core.execution.context.system import StepExecutionContext

from orchestration import settings

daily_partitions = DailyPartitionsDefinition(start_date=settings.partitions_start(), timezone="UTC")
single_run_backfill = BackfillPolicy.single_run()

# Run tags Dagster uses for a run over a range of partitions (how `cli run --start --end` asks).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _allow_checks_in_unpartitioned_runs() -> None:
    """Let a run without a partition report asset checks of partitioned assets (Dagster 1.13).

    Why: the default refresh runs without a partition (a range run writes one materialization per
    asset and day, minutes of event-log writes for a whole history), but Dagster 1.13 then fails on
    the first dbt test result: to link a check to its asset's materialization it computes the
    asset's partitions "for this run" and raises "Cannot access partition_key for a non-partitioned
    run". A run without partitions has no partition scope, so partitioned inputs are treated as
    unpartitioned there, as Dagster itself does for dependencies over many partitions. Partitioned
    runs are untouched. tests/test_dagster.py runs both kinds and checks the patched method exists.
    """
    original = StepExecutionContext.has_asset_partitions_for_input
    if getattr(original, "_cs_patched", False):
        return

    def has_asset_partitions_for_input(self: StepExecutionContext, input_name: str) -> bool:
        return self.has_partitions and original(self, input_name)

    has_asset_partitions_for_input._cs_patched = True  # type: ignore[attr-defined]
    StepExecutionContext.has_asset_partitions_for_input = (  # type: ignore[method-assign]
        has_asset_partitions_for_input
    )


_allow_checks_in_unpartitioned_runs()


def as_of_vars(context: AssetExecutionContext) -> dict[str, str]:
    """dbt vars for the run's partitions: one day, a range, or none (the models' default)."""
    if context.has_partition_key:
        return {"as_of_date": context.partition_key}
    if context.has_partition_key_range:
        keys = context.partition_key_range
        if keys.start == keys.end:
            return {"as_of_date": keys.start}
        return {"as_of_start": keys.start, "as_of_end": keys.end}
    return {}


def range_tags(start: str, end: str) -> dict[str, str]:
    """Tags that make one run cover the partitions `start`..`end` (inclusive)."""
    return {RANGE_START_TAG: start, RANGE_END_TAG: end}
