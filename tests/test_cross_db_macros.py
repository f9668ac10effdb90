"""Every cross-engine macro the models rely on gives the same answer on DuckDB, PostgreSQL and Spark.

Each case is a SQL expression (usually a macro call) with the answer it must give; all cases of a
group run as one `dbt show --inline` query per engine, through the project's real profiles and
macros. The groups cover our adapter-dispatched macros (macros/cross_db), the dbt macros the models
call (datediff, date_trunc, last_day, day_spine, generate_series, concat, cast...) and the plain
SQL constructs the models use as they are (window frames, boolean aggregates, integer division
avoided through safe_divide).

`make test` runs DuckDB and PostgreSQL (a throwaway cluster); `make test-spark` runs the Spark
cases in .venv-spark. An engine whose dbt adapter is not installed in this venv is skipped.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orchestration.settings import PROJECT_DIR
from tests.ops_pipeline import environment

ADAPTERS = {"dev": "duckdb", "postgres": "postgres", "spark": "spark"}  # profiles.yml target -> adapter

def rows(*numbers: int) -> str:
    """An inline relation with one integer column `x`, written the same way on every engine."""
    return " union all ".join(f"select {n} as x" for n in numbers)


def jinja_string(text: str) -> str:
    """`text` as a double-quoted Jinja string literal (a macro argument holding SQL)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


JSON_TEXT = "'{\"role\": \"admin\", \"n\": 3}'"  # a JSON object held as text, as a SQL literal


# name -> (SQL expression, expected value). Dates as dates: a macro may return a timestamp on one
# engine and a date on another, and the models cast where they need a date.
SCALAR_CASES: dict[str, tuple[str, Any]] = {
    "add_days_leap_day": ("{{ add_days(\"cast('2024-02-28' as date)\", 1) }}", date(2024, 2, 29)),
    "add_days_back_over_a_month": ("{{ add_days(\"cast('2024-03-01' as date)\", -1) }}", date(2024, 2, 29)),
    "add_days_bigint_days": ("{{ add_days(\"cast('2024-12-31' as date)\", \"cast(1 as bigint)\") }}", date(2025, 1, 1)),
    "add_days_fractional_typed_days": ("{{ add_days(\"cast('2024-01-01' as date)\", dbt.cast('2', 'double precision')) }}", date(2024, 1, 3)),
    "safe_divide_by_zero": ("{{ safe_divide('1', '0') }}", None),
    "safe_divide_null": ("{{ safe_divide('null', '2') }}", None),
    "safe_divide_integers_as_floats": ("{{ safe_divide('7', '2') }}", 3.5),
    "safe_divide_exact_tenth": ("{{ safe_divide('3', '10') }}", 0.3),
    "datediff_days": ("{{ dbt.datediff(\"cast('2024-01-01' as date)\", \"cast('2024-03-01' as date)\", 'day') }}", 60),
    "datediff_days_backwards": ("{{ dbt.datediff(\"cast('2024-03-01' as date)\", \"cast('2024-01-01' as date)\", 'day') }}", -60),
    "datediff_seconds": (
        "{{ dbt.datediff(\"cast('2024-01-01 10:00:00' as timestamp)\", \"cast('2024-01-01 11:30:00' as timestamp)\", 'second') }}",
        5400,
    ),
    "date_trunc_month": ("cast({{ dbt.date_trunc('month', \"cast('2024-02-15' as date)\") }} as date)", date(2024, 2, 1)),
    "last_day_of_month": ("cast({{ dbt.last_day(\"cast('2024-02-15' as date)\", 'month') }} as date)", date(2024, 2, 29)),
    "dateadd_month": ("cast({{ dbt.dateadd('month', 1, \"cast('2024-01-31' as date)\") }} as date)", date(2024, 2, 29)),
    "timestamp_to_date_is_utc": ("cast(cast('2024-06-30 23:59:59' as timestamp) as date)", date(2024, 6, 30)),
    "concat": ("{{ dbt.concat([\"'a'\", \"'b'\", \"'c'\"]) }}", "abc"),
    "string_literal_with_quote": ("{{ dbt.string_literal(dbt.escape_single_quotes(\"it's\")) }}", "it's"),
    "cast_varchar": ("{{ dbt.cast('42', 'varchar') }}", "42"),
    "cast_double_precision": ("{{ dbt.cast(\"'0.1'\", 'double precision') }}", 0.1),
    "cast_decimal_rounds_half_up": ("cast(2.345 as decimal(5, 2))", Decimal("2.35")),
    "health_decimal_binary_tie": ("{{ health_decimal('71.71 / 2', 5, 2) }}", Decimal("35.86")),
    "flag_labels_in_list_order": (
        "{{ flag_labels([['1 = 1', 'usage_drop'], ['1 = 0', 'no_qbr'], ['2 > 1', 'red_band']]) }}",
        "usage_drop, red_band",
    ),
    "flag_labels_none": ("{{ flag_labels([['1 = 0', 'usage_drop']]) }}", None),
    "boolean_comparison": ("(select max(case when x > 2 then 1 else 0 end) = 1 from (" + rows(1, 2, 3) + ") as v)", True),
    "median_even": ("(select {{ median('x') }} from (" + rows(1, 2, 3, 10) + ") as v)", 2.5),
    "median_odd": ("(select {{ median('x') }} from (" + rows(5, 1, 3) + ") as v)", 3),
    "day_spine_days_over_a_leap_day": (
        "(select count(*) from ({{ day_spine('2024-02-27', '2024-03-02') }}) as spine)",
        5,
    ),
    "day_spine_first_and_last_day": (
        "(select {{ dbt.concat([dbt.cast('min(as_of_date)', 'varchar'), \"'/'\", dbt.cast('max(as_of_date)', 'varchar')]) }}"
        " from ({{ day_spine('2024-02-27', '2024-03-02') }}) as spine)",
        "2024-02-27/2024-03-02",
    ),
    "json_text_field": ("{{ json_text(" + jinja_string(JSON_TEXT) + ", 'role') }}", "admin"),
    "json_text_number_as_text": ("{{ json_text(" + jinja_string(JSON_TEXT) + ", 'n') }}", "3"),
    "json_text_absent_field": ("{{ json_text(" + jinja_string(JSON_TEXT) + ", 'plan') }}", None),
    "generate_series": ("(select sum(generated_number) from ({{ dbt.generate_series(5) }}) as series)", 15),
    # a rolling 3-row window frame, as the features and health models use them
    "window_frame_rows_preceding": (
        "(select max(rolling) from (select sum(x) over (order by x rows between 2 preceding and current row)"
        " as rolling from (" + rows(1, 2, 3, 10) + ") as v) as w)",
        15,
    ),
    "window_lag_and_running_max": (
        "(select sum(coalesce(previous, 0) + running) from (select lag(x) over (order by x) as previous,"
        " max(x) over (order by x rows between unbounded preceding and current row) as running"
        " from (" + rows(1, 2, 3) + ") as v) as w)",
        9,
    ),
}

def adapter_installed(target: str) -> bool:
    return importlib.util.find_spec(f"dbt.adapters.{ADAPTERS[target]}") is not None


def show(sql: str, target: str) -> dict[str, Any]:
    """Run one inline query with dbt on `target`; its single row as {column: value}."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([
        "show", "--inline", sql, "--target", target, "--limit", "1",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--quiet",
    ])
    assert result.success, f"dbt show on {target} failed: {result.exception or result.result}"
    table = result.result.results[0].agate_table
    return dict(zip(table.column_names, table.rows[0].values()))


@pytest.fixture(scope="module", params=list(ADAPTERS))
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A profiles.yml target whose engine is ready: DuckDB in tmp, a throwaway PostgreSQL, a local Spark."""
    target = request.param
    if not adapter_installed(target):
        pytest.skip(f"dbt-{ADAPTERS[target]} is not installed in this venv"
                    + (" (make test-spark runs these)" if target == "spark" else ""))
    root = tmp_path_factory.mktemp(f"macros_{target}")
    env = {"CS_DATA_DIR": str(root), "CS_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
           "DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}
    if target == "postgres":
        server = request.getfixturevalue("postgres_server")
        server.create_database("cs_macros")
        env.update(server.env("cs_macros"))
    with environment(env):
        yield target


@pytest.fixture(scope="module")
def answers(engine: str) -> dict[str, Any]:
    """Every scalar case's answer on the engine, from one query."""
    columns = ",\n".join(f"{sql} as {name}" for name, (sql, _) in SCALAR_CASES.items())
    return show(f"select\n{columns}", engine)


def normalised(value: Any, expected: Any) -> Any:
    """The engine's value in the expected value's Python type (a date may arrive as a timestamp)."""
    if isinstance(expected, date) and isinstance(value, datetime):
        return value.date()
    if isinstance(expected, float) and value is not None:
        return round(float(value), 12)
    if isinstance(expected, bool) and isinstance(value, (int, Decimal)):
        return bool(value)
    if isinstance(expected, int) and isinstance(value, (float, Decimal)) and value == int(value):
        return int(value)
    return value


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_macro_gives_the_same_answer_on_every_engine(answers: dict[str, Any], case: str) -> None:
    expected = SCALAR_CASES[case][1]
    assert normalised(answers[case], expected) == expected


def test_every_cross_db_macro_is_covered() -> None:
    """A macro added to macros/cross_db needs a case here (config helpers are covered by the builds)."""
    config_only = {"incremental_by_day"}
    macros = {path.stem for path in (Path(PROJECT_DIR) / "macros" / "cross_db").glob("*.sql")} - config_only
    covered = {name for name in macros if any(f"{name}(" in sql for sql, _ in SCALAR_CASES.values())}
    assert covered == macros
