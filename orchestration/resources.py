"""Dagster resources: the dbt CLI, run against the project's own profile and target.

Paths of the warehouse and serving files are not resources: they come from `settings` at run
time (the same environment variables `profiles.yml` reads), so dbt and Python never disagree.
"""

from __future__ import annotations

from orchestration.project import dbt_cli


def build_resources() -> dict[str, object]:
    return {"dbt": dbt_cli()}
