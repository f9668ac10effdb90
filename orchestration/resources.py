"""Dagster resources: the dbt CLI, run against the project's own profile and target; the refresh lock.

Paths of the warehouse and serving files are not resources: they come from `settings` at run
time (the same environment variables `profiles.yml` reads), so dbt and Python never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource, InitResourceContext

from orchestration import run_lock
from orchestration.project import dbt_cli

REFRESH_LOCK = "refresh_lock"  # the resource key every step that opens the warehouse requires


class RefreshLock(ConfigurableResource):
    """Holds the refresh lock (orchestration/run_lock.py) from the start of a run to its end.

    Every step that opens the warehouse requires this resource, and the in-process executor starts
    a run's resources once, before its first step, and stops them after its last: a run launched by
    the schedule, the sensor or the UI waits here while another refresh (e.g. `make run`) holds the
    lock. The run queue (dagster.yaml) already keeps Dagster's own runs one at a time.
    """

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["RefreshLock"]:
        def say_who(holder: run_lock.Holder) -> None:
            if context.log is not None:
                context.log.info(f"waiting for {holder.describe()} to finish")

        run_id = context.run.run_id if context.run else None
        with run_lock.hold(run_id, "Dagster run", wait_seconds=math.inf, on_wait=say_who):
            yield self


def build_resources() -> dict[str, object]:
    return {"dbt": dbt_cli(), REFRESH_LOCK: RefreshLock()}
