"""The Great Expectations suites of `expectations/`: what each checks, and its parameters' values.

A suite file is a GX 1.x expectation suite (JSON) with a `meta` block that says which table it
checks and how (see expectations/README.md):

- `slice`: which rows to validate: the whole table, the latest value of a column (`latest`: the
  last as-of day of a daily table), or the last N days of a column (`recent_days`, N from a dbt
  var). Whole-table keys and relationships are dbt tests in SQL; GX looks at what just changed.
- `severity`: `blocking` (a failure stops the publish) or `warning`; an expectation may override
  it in its own `meta`.
- `drift`: the row count of the slice and the share of each value of some columns must stay
  within a tolerance (dbt vars) of the last *published* run, whose numbers the run log keeps.

Thresholds are never written in a suite: `{"$PARAMETER": name}` is resolved from the dbt vars,
from `contract__<table>__<column>__min|max|values` (orchestration/contract.py), from
`seed__<seed>__<column>` (the distinct values of a seed) or from `dbt__<model>__<column>` (the
values of the model's dbt `accepted_values` test); GX parses parameter names as expressions,
hence `__` rather than dots. Raw suites also get the column, key,
enumeration and range expectations derived from the raw contract, so they are written once.
Running the suites is `orchestration.checks.gx`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration import rules, runlog
from orchestration.contract import RAW_SCHEMA, TABLES_BY_NAME
from orchestration.project import MARTS_SCHEMA, accepted_values
from orchestration.settings import PROJECT_DIR

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
BLOCKING, WARNING = "blocking", "warning"
SCHEMAS = {runlog.RAW: RAW_SCHEMA, runlog.PUBLIC: MARTS_SCHEMA}


@dataclass(frozen=True)
class Slice:
    kind: str = "whole"  # whole | latest | recent_days
    column: str | None = None
    days_var: str | None = None

    def where(self, relation: str) -> str:
        """SQL filter of the slice (portable SQL: the slice is read by DuckDB or PostgreSQL alike)."""
        if self.kind == "whole":
            return "true"
        latest = f"(select max({self.column}) from {relation})"
        if self.kind == "latest":
            return f"{self.column} = {latest}"
        if self.kind == "recent_days":
            days = int(rules.var(str(self.days_var)))
            return f"{self.column} > {latest} - interval '{days} days'"
        raise ValueError(f"unknown slice kind {self.kind!r}")

    def describe(self) -> str:
        if self.kind == "latest":
            return f"rows with the latest {self.column}"
        if self.kind == "recent_days":
            return f"rows of the last {rules.var(str(self.days_var))} days of {self.column}"
        return "the whole table"


@dataclass(frozen=True)
class Drift:
    row_count: bool = False
    shares: tuple[str, ...] = ()
    severity: str = BLOCKING


@dataclass(frozen=True)
class Suite:
    name: str
    layer: str  # raw | public
    table: str
    path: Path
    slice: Slice
    severity: str
    drift: Drift
    expectations: tuple[dict[str, Any], ...]

    @property
    def relation(self) -> str:
        return f"{SCHEMAS[self.layer]}.{self.table}"

    @property
    def check_name(self) -> str:
        return f"gx_{self.layer}_{self.table}"

    @property
    def blocking(self) -> bool:
        """Whether any expectation of the suite can stop the publish."""
        severities = {_severity(e, self.severity) for e in self.all_static_expectations()}
        if self.drift.row_count or self.drift.shares:
            severities.add(self.drift.severity)
        return BLOCKING in severities

    def all_static_expectations(self) -> list[dict[str, Any]]:
        """The file's expectations plus, for raw tables, those derived from the contract."""
        derived = contract_expectations(self.table) if self.layer == runlog.RAW else []
        return derived + list(self.expectations)


def _severity(expectation: dict[str, Any], default: str) -> str:
    value = (expectation.get("meta") or {}).get("severity", default)
    if value not in (BLOCKING, WARNING):
        raise ValueError(f"severity must be {BLOCKING!r} or {WARNING!r}, not {value!r}")
    return value


def load_suite(path: Path) -> Suite:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    meta = spec.get("meta") or {}
    drift = meta.get("drift") or {}
    layer = path.parent.name
    if layer not in SCHEMAS:
        raise ValueError(f"{path}: suites live in expectations/raw/ or expectations/public/")
    return Suite(
        name=spec["name"],
        layer=layer,
        table=meta.get("table", path.stem),
        path=path,
        slice=Slice(**(meta.get("slice") or {})),
        severity=meta.get("severity", BLOCKING),
        drift=Drift(
            row_count=bool(drift.get("row_count", False)),
            shares=tuple(drift.get("shares", ())),
            severity=drift.get("severity", BLOCKING),
        ),
        expectations=tuple(spec.get("expectations", ())),
    )


def load_suites(layer: str, directory: Path = EXPECTATIONS_DIR) -> list[Suite]:
    """Every suite of a layer, in file-name order."""
    return [load_suite(p) for p in sorted((directory / layer).glob("*.json"))]


def contract_expectations(table_name: str) -> list[dict[str, Any]]:
    """Columns, key, non-null columns, enumerations (also those that depend on another column) and
    ranges of a raw table, from the contract."""
    table = TABLES_BY_NAME[table_name]
    out: list[dict[str, Any]] = [
        _exp("expect_table_columns_to_match_set", column_set=table.column_names, exact_match=False),
        _exp("expect_column_values_to_be_unique", column=table.key),
    ]
    out += [
        _exp("expect_column_values_to_not_be_null", column=c.name) for c in table.columns if not c.nullable
    ]
    out += [
        _exp("expect_column_values_to_be_in_set", column=c.name, value_set=list(c.accepted_values))
        for c in table.columns
        if c.accepted_values is not None
    ]
    out += [
        _exp("expect_column_values_to_be_between", column=c.name,
             min_value=c.min_value, max_value=c.max_value)
        for c in table.columns
        if c.min_value is not None or c.max_value is not None
    ]
    out += [
        # One expectation per value of the other column (e.g. the tiers when segment_type = arr_tier),
        # on the rows with that value (GX's row condition, in its serialised form).
        _exp("expect_column_values_to_be_in_set", column=c.name, value_set=list(rules.values(accepted)),
             row_condition={"type": "comparison", "column": {"name": c.accepted_values_by[0]},
                            "operator": "==", "parameter": when})
        for c in table.columns
        if c.accepted_values_by is not None
        for when, accepted in c.accepted_values_by[1]
    ]
    if table.has_currency:
        out.append(_exp("expect_column_values_to_be_in_set", column="currency",
                        value_set=[rules.var("reporting_currency")]))
    return out


def _exp(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"source": "contract"}}


# ------------------------------------------------------------------------------- parameters


def parameter_names(expectations: Iterable[dict[str, Any]]) -> set[str]:
    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            if set(value) == {"$PARAMETER"}:
                yield value["$PARAMETER"]
            else:
                for v in value.values():
                    yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    return {name for e in expectations for name in walk(e.get("kwargs", {}))}


def resolve_parameter(name: str) -> Any:
    """A suite parameter: `contract__<table>__<column>__min|max|values`, `seed__<seed>__<column>`,
    `dbt__<model>__<column>` (its accepted_values test), or a dbt var."""
    kind, _, rest = name.partition("__")
    if kind == "contract":
        table, column, attribute = rest.split("__")
        found = TABLES_BY_NAME[table].column(column)
        if attribute == "values":
            return list(found.accepted_values or ())
        return getattr(found, f"{attribute}_value")
    if kind == "seed":
        seed, column = rest.split("__")
        return list(rules.seed_values(seed, column))
    if kind == "dbt":
        model, column = rest.split("__")
        return accepted_values(model, column)
    return rules.var(name)
