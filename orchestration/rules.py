"""The business rules of the dbt project, for the Python side: the vars of `dbt_project.yml`
and the rows of the seeds in `seeds/`.

Thresholds are written once, as dbt vars, and tabular rules once, as seeds; the loader (reject
gate, overrides' values), the Great Expectations suites and the demo-data generator read them
from here so no number or list of values is written twice.
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from typing import Any

import jinja2
import yaml

from orchestration.contract import SeedValues, ValueSet
from orchestration.settings import PROJECT_DIR


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"environment variable {name} is not set and has no default")
    return value


def _render(value: Any) -> Any:
    # dbt_project.yml may use `{{ env_var(...) }}` in a var, as dbt renders it.
    if isinstance(value, str) and "{{" in value:
        return jinja2.Template(value).render(env_var=_env_var)
    return value


@lru_cache(maxsize=1)
def dbt_vars() -> dict[str, Any]:
    """All `vars:` of dbt_project.yml, rendered as dbt would render them."""
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as f:
        project = yaml.safe_load(f)
    return {name: _render(value) for name, value in (project.get("vars") or {}).items()}


def var(name: str) -> Any:
    """One var; a KeyError names the var when it is missing from dbt_project.yml."""
    values = dbt_vars()
    if name not in values:
        raise KeyError(f"var {name!r} is not defined in dbt_project.yml")
    return values[name]


@lru_cache(maxsize=None)
def seed_rows(seed: str) -> tuple[dict[str, str], ...]:
    """The rows of `seeds/<seed>.csv`, as text, in file order."""
    with open(PROJECT_DIR / "seeds" / f"{seed}.csv", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def seed_values(seed: str, column: str) -> tuple[str, ...]:
    """The distinct values of a seed column, sorted."""
    rows = seed_rows(seed)
    if rows and column not in rows[0]:
        raise KeyError(f"seed {seed!r} has no column {column!r}")
    return tuple(sorted({row[column] for row in rows}))


def values(value_set: ValueSet) -> tuple[str, ...]:
    """The values of a contract value set: written in the contract, or those of a seed column."""
    if isinstance(value_set, SeedValues):
        return seed_values(value_set.seed, value_set.column)
    return tuple(value_set)
