"""The daily refresh schedule (cron from CS_SCHEDULE_CRON, default 05:00 UTC).

It launches the refresh job without config: the dbt step computes from the day after the last day
built to the latest complete day of the raw data. The data decides which day is complete, not the
wall clock, so a late sync delays the as-of day instead of producing a day without data.
"""

from __future__ import annotations

from dagster import DefaultScheduleStatus, ScheduleDefinition

from orchestration import settings
from orchestration.jobs import refresh_job

daily_refresh = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule=settings.schedule_cron(),
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Refresh the latest complete day every morning (UTC).",
)
