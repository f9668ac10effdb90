"""The run log: what each run loaded, rejected, checked and published.

The master copy lives in the warehouse schema `ops`, so a run that publishes nothing still leaves
its record; the publish step copies the three tables into the serving database (schema `main`),
where BI users read the history of the refreshes next to the tables. A record is gathered from the
run's Dagster event log (the same facts the UI shows), and `make run` prints its summary from the
stored record.

- `run_log`: one row per run: status (`published` / `failed`), the as-of days the run computed and
  the latest as-of day published, rows loaded and rejected, checks passed / warned / failed, why it failed;
- `run_log_tables`: one row per run and table: rows loaded and rejected (raw tables), rows published
  (public tables), and the rows and value shares the quality suite saw (the next run's drift baseline);
- `run_log_checks`: one row per run and check with its outcome (`passed` / `warned` / `failed`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import duckdb
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

RUN_LOG_SCHEMA = "ops"
PUBLISHED, FAILED = "published", "failed"
RAW, PUBLIC = "raw", "public"
# Check metadata keys a quality suite reports; stored per table as the next run's baseline.
CHECKED_ROWS, CHECKED_SHARES = "checked_rows", "checked_shares"

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "run_log": (
        ("run_id", "varchar"),
        ("job_name", "varchar"),
        ("status", "varchar"),
        ("started_at", "timestamp"),
        ("finished_at", "timestamp"),
        ("as_of_range", "varchar"),  # as-of days the dbt step computed: a day or 'start..end' (null: no dbt step)
        ("as_of_date", "date"),  # latest as-of day of the published tables
        ("rows_loaded", "bigint"),
        ("rows_rejected", "bigint"),
        ("checks_passed", "integer"),
        ("checks_warned", "integer"),
        ("checks_failed", "integer"),
        ("message", "varchar"),
    ),
    "run_log_tables": (
        ("run_id", "varchar"),
        ("layer", "varchar"),
        ("table_name", "varchar"),
        ("rows_loaded", "bigint"),
        ("rows_rejected", "bigint"),
        ("rows_published", "bigint"),
        ("checked_rows", "bigint"),
        ("checked_shares", "varchar"),  # JSON: {column: [[value, share], ...]}
    ),
    "run_log_checks": (
        ("run_id", "varchar"),
        ("asset_key", "varchar"),
        ("check_name", "varchar"),
        ("outcome", "varchar"),
        ("description", "varchar"),
    ),
}


@dataclass
class TableStats:
    layer: str
    table_name: str
    rows_loaded: int | None = None
    rows_rejected: int | None = None
    rows_published: int | None = None
    checked_rows: int | None = None
    checked_shares: dict[str, list[list[Any]]] | None = None


@dataclass(frozen=True)
class CheckOutcome:
    asset_key: str
    check_name: str
    outcome: str  # passed | warned | failed
    description: str = ""


@dataclass
class RunEntry:
    run_id: str
    job_name: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    as_of_range: str | None = None
    as_of_date: date | None = None
    tables: list[TableStats] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    message: str = ""

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.checks)

    def table(self, layer: str, name: str) -> TableStats:
        found = next((t for t in self.tables if t.layer == layer and t.table_name == name), None)
        if found is None:
            found = TableStats(layer, name)
            self.tables.append(found)
        return found

    def total(self, attribute: str) -> int | None:
        values = [getattr(t, attribute) for t in self.tables if getattr(t, attribute) is not None]
        return sum(values) if values else None


# ------------------------------------------------------------------------------ from Dagster


def _utc(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None) if timestamp else None


def _value(metadata: dict[str, Any], key: str) -> Any:
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


def _layer(asset_path: list[str]) -> str:
    return RAW if asset_path[0] == RAW else PUBLIC


def _outcome(passed: bool, severity: AssetCheckSeverity) -> str:
    if passed:
        return "passed"
    return "failed" if severity == AssetCheckSeverity.ERROR else "warned"


def collect(instance: DagsterInstance, run_id: str, status: str) -> RunEntry:
    """The run's record from its event log: loader counts, check outcomes and suite stats, failures."""
    run = instance.get_run_record_by_id(run_id)
    if run is None:
        raise ValueError(f"no Dagster run {run_id}")
    entry = RunEntry(
        run_id=run_id,
        job_name=run.dagster_run.job_name,
        status=status,
        started_at=_utc(run.start_time),
        finished_at=_utc(run.end_time) or datetime.now(timezone.utc).replace(tzinfo=None),
    )
    failures: list[str] = []
    kinds = {
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_CHECK_EVALUATION,
        DagsterEventType.STEP_FAILURE,
    }
    for record in instance.all_logs(run_id, of_type=kinds):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            _add_materialization(entry, event.event_specific_data.materialization)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            _add_check(entry, event.event_specific_data)
        else:
            failures.append(f"step {event.step_key} failed: {_failure_text(event.step_failure_data)}")
    failed_checks = [f"check {c.asset_key} {c.check_name} failed: {c.description}" for c in entry.checks
                     if c.outcome == "failed"]
    entry.message = "\n".join(failed_checks + failures)
    return entry


def _failure_text(failure: Any) -> str:
    """What a step failure says: a `Failure` our steps raise (an expected one, e.g. a landing file
    without a column) in full, as it says what to do; any other error, in its first lines."""
    described = failure.user_failure_data.description if failure.user_failure_data else None
    if described and failure.error is not None and failure.error.cls_name == "Failure":
        return described
    return _error_text(failure.error)


def _error_text(error: Any) -> str:
    """The first line of an error and of each cause (Dagster wraps the user's exception), and the lines
    that name what failed (dbt prints `Runtime Error in model x` and the reason on the next line)."""
    lines: list[str] = []
    while error is not None:
        text = [line.strip() for line in error.message.splitlines() if line.strip()] or [error.cls_name]
        lines.append(text[0])
        for i, line in enumerate(text[1:], start=1):
            if " Error in " in f" {line}" and line not in lines:
                lines += [line] + ([text[i + 1]] if i + 1 < len(text) else [])
        error = error.cause
    return " <- ".join(dict.fromkeys(lines)) if lines else "unknown error"


def _add_materialization(entry: RunEntry, materialization: Any) -> None:
    path = materialization.asset_key.path
    start = _value(materialization.metadata, "as_of_start")
    if start is not None:  # a dbt model: its metadata carries the run's as-of range
        end = _value(materialization.metadata, "as_of_end")
        entry.as_of_range = start if start == end else f"{start}..{end}"
    if path[0] != RAW:
        return
    stats = entry.table(RAW, path[-1])
    stats.rows_loaded = _value(materialization.metadata, "rows_loaded")
    stats.rows_rejected = _value(materialization.metadata, "rows_rejected")


def _add_check(entry: RunEntry, evaluation: Any) -> None:
    path = evaluation.asset_key.path
    entry.checks.append(
        CheckOutcome(
            asset_key="/".join(path),
            check_name=evaluation.check_name,
            outcome=_outcome(evaluation.passed, evaluation.severity),
            description=evaluation.description or "",
        )
    )
    rows = _value(evaluation.metadata, CHECKED_ROWS)
    if rows is not None:
        stats = entry.table(_layer(path), path[-1])
        stats.checked_rows = rows
        stats.checked_shares = _value(evaluation.metadata, CHECKED_SHARES)


# ------------------------------------------------------------------------------- storage


def ensure_tables(con: duckdb.DuckDBPyConnection, schema: str = RUN_LOG_SCHEMA) -> None:
    con.execute(f"create schema if not exists {schema}")
    for table, columns in COLUMNS.items():
        definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
        con.execute(f"create table if not exists {schema}.{table} ({definition})")
    # run logs written before the as-of range was recorded named the column after partitions
    legacy = con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = ? and table_name = 'run_log' and column_name = 'partitions'",
        [schema],
    ).fetchone()[0]
    if legacy:
        con.execute(f"alter table {schema}.run_log rename column partitions to as_of_range")


def write(con: duckdb.DuckDBPyConnection, entry: RunEntry, schema: str = RUN_LOG_SCHEMA) -> None:
    """Store (or replace) the run's record, in one transaction."""
    ensure_tables(con, schema)
    con.execute("begin transaction")
    try:
        for table in COLUMNS:
            con.execute(f"delete from {schema}.{table} where run_id = ?", [entry.run_id])
        con.execute(
            f"insert into {schema}.run_log values ({', '.join('?' * len(COLUMNS['run_log']))})",
            [entry.run_id, entry.job_name, entry.status, entry.started_at, entry.finished_at,
             entry.as_of_range, entry.as_of_date, entry.total("rows_loaded"), entry.total("rows_rejected"),
             entry.count("passed"), entry.count("warned"), entry.count("failed"), entry.message or None],
        )
        for t in entry.tables:
            con.execute(
                f"insert into {schema}.run_log_tables values (?, ?, ?, ?, ?, ?, ?, ?)",
                [entry.run_id, t.layer, t.table_name, t.rows_loaded, t.rows_rejected, t.rows_published,
                 t.checked_rows, json.dumps(t.checked_shares) if t.checked_shares is not None else None],
            )
        if entry.checks:
            con.executemany(
                f"insert into {schema}.run_log_checks values (?, ?, ?, ?, ?)",
                [[entry.run_id, c.asset_key, c.check_name, c.outcome, c.description] for c in entry.checks],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def set_status(
    con: duckdb.DuckDBPyConnection, run_id: str, status: str, schema: str = RUN_LOG_SCHEMA
) -> None:
    con.execute(f"update {schema}.run_log set status = ? where run_id = ?", [status, run_id])


def read(con: duckdb.DuckDBPyConnection, run_id: str, schema: str = RUN_LOG_SCHEMA) -> RunEntry | None:
    """The stored record of a run, or None."""
    if not _has_log(con, schema):
        return None
    row = con.execute(
        f"select job_name, status, started_at, finished_at, as_of_range, as_of_date, message "
        f"from {schema}.run_log where run_id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        return None
    entry = RunEntry(run_id, row[0], row[1], row[2], row[3], row[4], row[5], message=row[6] or "")
    for layer, name, loaded, rejected, published, checked, shares in con.execute(
        f"select layer, table_name, rows_loaded, rows_rejected, rows_published, checked_rows, checked_shares "
        f"from {schema}.run_log_tables where run_id = ? order by layer, table_name",
        [run_id],
    ).fetchall():
        entry.tables.append(
            TableStats(layer, name, loaded, rejected, published, checked, _json(shares))
        )
    entry.checks = [
        CheckOutcome(*row)
        for row in con.execute(
            f"select asset_key, check_name, outcome, description from {schema}.run_log_checks "
            f"where run_id = ? order by asset_key, check_name",
            [run_id],
        ).fetchall()
    ]
    return entry


def last_published(
    con: duckdb.DuckDBPyConnection, layer: str, table: str, schema: str = RUN_LOG_SCHEMA
) -> tuple[str, TableStats] | None:
    """The run id and suite stats of the last published run that checked this table (a drift baseline)."""
    if not _has_log(con, schema):
        return None
    row = con.execute(
        f"""
        select t.run_id, t.checked_rows, t.checked_shares
        from {schema}.run_log_tables as t
        inner join {schema}.run_log as r on r.run_id = t.run_id
        where r.status = '{PUBLISHED}' and t.layer = ? and t.table_name = ? and t.checked_rows is not null
        order by r.finished_at desc
        limit 1
        """,
        [layer, table],
    ).fetchone()
    if row is None:
        return None
    return row[0], TableStats(layer, table, checked_rows=row[1], checked_shares=_json(row[2]))


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


def _has_log(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'run_log'",
        [schema],
    ).fetchone()
    return bool(found and found[0])


# ------------------------------------------------------------------------------ summary


def summary(entry: RunEntry, serving_path: str) -> str:
    """The few lines `make run` prints at the end."""
    computed = entry.as_of_range or "none"
    lines = [f"Run {entry.run_id[:8]} ({entry.job_name}, as-of days computed: {computed}): {entry.status.upper()}"]
    if entry.status == PUBLISHED:
        lines.append(
            f"Published as-of {entry.as_of_date} to {serving_path} (schema main; run log in main.run_log)."
        )
    else:
        lines.append(f"Nothing published: {serving_path} is unchanged.")
    raw = sorted((t for t in entry.tables if t.layer == RAW), key=lambda t: t.table_name)
    if raw:
        lines.append(f"  {'raw table':<30} {'loaded':>10} {'rejected':>9}")
        lines += [f"  {t.table_name:<30} {_n(t.rows_loaded):>10} {_n(t.rows_rejected):>9}" for t in raw]
    public = sorted((t for t in entry.tables if t.layer == PUBLIC and t.rows_published is not None),
                    key=lambda t: t.table_name)
    if public:
        lines.append(f"  {'public table':<30} {'rows':>10}")
        lines += [f"  {t.table_name:<30} {_n(t.rows_published):>10}" for t in public]
    lines.append(
        f"Checks: {entry.count('passed')} passed, {entry.count('warned')} warned, "
        f"{entry.count('failed')} failed."
    )
    warned = [c for c in entry.checks if c.outcome == "warned"]
    lines += [f"  warned: {c.asset_key} {c.check_name}: {c.description}" for c in warned]
    if entry.message:
        lines += [f"  {line}" for line in entry.message.splitlines()]
    return "\n".join(lines)


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
