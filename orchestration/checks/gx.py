"""Validate a suite of `expectations/` on a bounded slice of its warehouse table, with GX.

`validate()` reads the suite's slice, adds the drift expectations against the last published
run (the run log keeps its row count and value shares), resolves the parameters and runs GX;
a `SuiteOutcome` says what failed, how badly, and what the next run compares with.

Why pandas and not GX's SQL datasource: dagster-ge does not support GX 1.x, so this module wraps
GX itself, and GX 1.24 over SQLAlchemy on DuckDB returns empty results (a known GX bug: the
result cursor is read after the connection went back to the pool). Instead of patching GX
internals we read a bounded slice with DuckDB into a DataFrame and validate it with an ephemeral
context and the pandas datasource: no GX internals touched, memory bounded by the slice.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd

from orchestration import rules, runlog
from orchestration.checks.suites import BLOCKING, SCHEMAS, Suite, parameter_names, resolve_parameter
from orchestration.settings import PROJECT_DIR

# GX reads this when imported: no usage statistics leave the machine.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ROW_COUNT_TOLERANCE_VAR = "gx_row_count_tolerance_pct"
SHARE_TOLERANCE_VAR = "gx_share_tolerance_pct_points"
SAMPLE_SIZE = 5  # unexpected values shown per failed expectation


@dataclass
class Failure:
    expectation: str
    severity: str
    detail: str
    sample: list[str] = field(default_factory=list)

    def text(self) -> str:
        sample = f"; e.g. {', '.join(self.sample)}" if self.sample else ""
        return f"{self.expectation} [{self.severity}]: {self.detail}{sample}"


@dataclass
class SuiteOutcome:
    suite: Suite
    skipped: str | None = None  # why the suite did not run (its table is not built yet)
    rows: int = 0
    shares: dict[str, list[list[Any]]] = field(default_factory=dict)
    evaluated: int = 0
    failures: list[Failure] = field(default_factory=list)
    baseline_run_id: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def blocking_failed(self) -> bool:
        return any(f.severity == BLOCKING for f in self.failures)

    def description(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        head = (
            f"{self.evaluated - len(self.failures)} of {self.evaluated} expectations passed on {self.rows} "
            f"rows ({self.suite.slice.describe()} of {self.suite.relation})"
        )
        if self.passed:
            return head
        return head + ". Failed: " + " | ".join(f.text() for f in self.failures)

    def metadata(self) -> dict[str, Any]:
        """Plain values for Dagster check metadata; the run log keeps rows and shares as a baseline."""
        return {
            "suite": str(self.suite.path.relative_to(PROJECT_DIR)),
            "table": self.suite.relation,
            "slice": self.suite.slice.describe(),
            runlog.CHECKED_ROWS: self.rows,
            runlog.CHECKED_SHARES: self.shares,
            "expectations": self.evaluated,
            "failed": [f.__dict__ for f in self.failures],
            "baseline_run_id": self.baseline_run_id or "none (no published run yet)",
        }


# ------------------------------------------------------------------------------- validation


@lru_cache(maxsize=1)
def _gx_context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _batch_definition(name: str) -> Any:
    source = _gx_context().data_sources.add_or_update_pandas("warehouse_slices")
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    return next((b for b in asset.batch_definitions if b.name == "slice"), None) or \
        asset.add_batch_definition_whole_dataframe("slice")


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _python(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _shares(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[list[Any]]]:
    """Share of each value among the non-null values of each column (GX counts `mostly` the same way)."""
    out = {}
    for column in columns:
        counts = frame[column].dropna().value_counts(normalize=True).sort_index()
        out[column] = [[_python(v), round(float(s), 6)] for v, s in counts.items()]
    return out


def drift_expectations(suite: Suite, rows: int, shares: dict[str, list[list[Any]]],
                       baseline: runlog.TableStats) -> list[dict[str, Any]]:
    """Row count and value shares within tolerance of the last published run, as plain GX expectations."""
    meta = {"severity": suite.drift.severity, "source": "drift"}
    out = []
    if suite.drift.row_count and baseline.checked_rows is not None:
        tolerance = float(rules.var(ROW_COUNT_TOLERANCE_VAR)) / 100
        low = math.floor(baseline.checked_rows * (1 - tolerance))
        high = math.ceil(baseline.checked_rows * (1 + tolerance))
        out.append({"type": "expect_table_row_count_to_be_between",
                    "kwargs": {"min_value": low, "max_value": high},
                    "meta": {**meta, "detail": f"was {baseline.checked_rows} rows, allowed {low}..{high}"}})
    tolerance = float(rules.var(SHARE_TOLERANCE_VAR)) / 100
    for column in suite.drift.shares:
        before = {json.dumps(v): s for v, s in (baseline.checked_shares or {}).get(column, [])}
        if not before:
            continue
        now = {json.dumps(v): s for v, s in shares.get(column, [])}
        for key in sorted(set(before) | set(now)):
            value, was = json.loads(key), before.get(key, 0.0)
            detail = (f"share of {column} = {value!r} was {was:.1%}, allowed {max(was - tolerance, 0):.1%}.."
                      f"{min(was + tolerance, 1):.1%}, now {now.get(key, 0.0):.1%}")
            if was - tolerance > 0:  # at least (was - tolerance) of the values are this value
                out.append({"type": "expect_column_values_to_be_in_set",
                            "kwargs": {"column": column, "value_set": [value],
                                       "mostly": round(was - tolerance, 6)},
                            "meta": {**meta, "detail": detail}})
            if was + tolerance < 1:  # at least 1 - (was + tolerance) of the values are another value
                out.append({"type": "expect_column_values_to_not_be_in_set",
                            "kwargs": {"column": column, "value_set": [value],
                                       "mostly": round(1 - (was + tolerance), 6)},
                            "meta": {**meta, "detail": detail}})
    return out


def read_slice(con: duckdb.DuckDBPyConnection, suite: Suite) -> pd.DataFrame:
    return con.execute(f"select * from {suite.relation} where {suite.slice.where(suite.relation)}").df()


def validate(con: duckdb.DuckDBPyConnection, suite: Suite) -> SuiteOutcome:
    """Validate one suite against its table's slice in the warehouse `con` (read-only is enough)."""
    outcome = SuiteOutcome(suite)
    if not _table_exists(con, SCHEMAS[suite.layer], suite.table):
        outcome.skipped = f"{suite.relation} is not built yet"
        return outcome
    frame = read_slice(con, suite)
    outcome.rows = len(frame)
    outcome.shares = _shares(frame, suite.drift.shares)
    expectations = suite.all_static_expectations()
    last = runlog.last_published(con, suite.layer, suite.table)
    if last is not None:
        outcome.baseline_run_id = last[0]
        expectations += drift_expectations(suite, outcome.rows, outcome.shares, last[1])
    outcome.evaluated = len(expectations)
    outcome.failures = _run_gx(suite, frame, expectations)
    return outcome


def _run_gx(suite: Suite, frame: pd.DataFrame, expectations: list[dict[str, Any]]) -> list[Failure]:
    import great_expectations as gx

    gx_suite = gx.ExpectationSuite(name=suite.name, expectations=[dict(e) for e in expectations])
    parameters = {name: resolve_parameter(name) for name in parameter_names(expectations)}
    batch = _batch_definition(suite.name).get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        gx_suite,
        expectation_parameters=parameters,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
    )
    return [_failure(r, suite.severity) for r in result.results if not r.success]


def _failure(result: Any, default_severity: str) -> Failure:
    config = result.expectation_config
    meta = config.meta or {}
    kwargs = config.kwargs
    columns = kwargs.get("column_list") or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c]
    target = kwargs.get("column") or ",".join(columns)
    name = f"{config.type}({target})"
    info = result.exception_info or {}
    if info.get("raised_exception"):
        severity = meta.get("severity", default_severity)
        return Failure(name, severity, f"error: {info.get('exception_message')}")
    found = result.result or {}
    if "unexpected_count" in found and found.get("unexpected_count"):
        detail = f"{found['unexpected_count']} unexpected ({found.get('unexpected_percent', 0):.2f}%)"
    else:
        detail = f"observed {found.get('observed_value')!r}"
    if meta.get("detail"):
        detail = f"{meta['detail']}; {detail}"
    sample = [str(v) for v in (found.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
    return Failure(name, meta.get("severity", default_severity), detail, sample)
