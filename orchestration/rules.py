"""The business-rule vars of `dbt_project.yml`, for the Python side.

Thresholds are written once, as dbt vars; the loader's reject gate and the Great
Expectations suites read them from here so no number is written twice.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import jinja2
import yaml

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
