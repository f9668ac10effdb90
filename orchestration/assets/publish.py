"""Write, audit, publish: copy the public tables to the serving database in one atomic step.

dbt builds into the working warehouse (write), the checks run on it (audit), and only then is a
NEW DuckDB file written next to the serving file, checkpointed so no write-ahead log is left, and
renamed over it with `os.replace` (publish). A reader opens the serving file read-only: one that
opened it before the rename keeps reading the old file to the end, one that opens it after sees
the new one; none waits for a lock (the warehouse is never opened by readers) and none sees a mix.
A run that fails or is killed before the rename leaves the serving file as it was; the stray
temporary file is removed by the next publish.

The asset also refuses to publish while the latest evaluation of any blocking check failed, even
one from another run: in one run Dagster's blocking checks already skip this step, but the UI lets
a user materialize the serving database on its own after a run whose checks failed.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DagsterInstance,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from orchestration import report, runlog, settings, warehouse
from orchestration.project import MARTS_SCHEMA, public_descriptions
from orchestration.resources import REFRESH_LOCK

PUBLISHING = "publishing"  # run-log status between the warehouse record and the rename
FAILED_CHECK = "FAILED"  # status of a check execution whose evaluation failed, in the instance's records
SERVING_SCHEMA = "main"
# The oldest DuckDB storage format the serving file is written in: DuckDB 1.0 and later read it
# (a file in the builder's newer default format is refused by the clients BI tools bundle).
SERVING_STORAGE_VERSION = "v1.0.0"
SERVING_VIEWS_DIR = settings.PROJECT_DIR / "serving_views"


def _temporary_path(serving: Path, run_id: str) -> Path:
    return serving.with_name(f".{serving.name}.{run_id[:8]}.tmp")


def _remove_leftovers(serving: Path) -> None:
    """Temporary files of publishes that were killed (runs are serialised, so none is in progress)."""
    for stray in serving.parent.glob(f".{serving.name}.*.tmp*"):
        stray.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def published_as_of(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> date | None:
    """The as-of day of the publish: the latest `as_of_date` of the public tables that have one."""
    days = [
        con.execute(f"select max(as_of_date) from {MARTS_SCHEMA}.{table}").fetchone()[0]
        for table in tables
        if con.execute(
            "select count(*) from information_schema.columns "
            "where table_schema = ? and table_name = ? and column_name = 'as_of_date'",
            [MARTS_SCHEMA, table],
        ).fetchone()[0]
    ]
    days = [d for d in days if d is not None]
    return max(days) if days else None


def _literal(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def serving_views() -> dict[str, tuple[str, str]]:
    """The views of `serving_views/`: name -> (comment, select). A file's leading `--` lines say
    what the view answers; the rest is the query, over the public tables by their serving names."""
    views = {}
    for path in sorted(SERVING_VIEWS_DIR.glob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        comment = [line.removeprefix("--").strip() for line in lines if line.startswith("--")]
        query = "\n".join(line for line in lines if not line.startswith("--")).strip().rstrip(";")
        views[path.stem] = (" ".join(comment), query)
    return views


def write_serving_file(warehouse_path: Path, target: Path, tables: Sequence[str], run_id: str) -> None:
    """A complete serving database at `target`: the public tables with dbt's descriptions as
    comments, the views for common questions, and the run log, checkpointed.

    Written in storage format SERVING_STORAGE_VERSION so that the DuckDB clients BI tools bundle
    (older than the DuckDB that builds the warehouse) can open it."""
    descriptions = public_descriptions()
    con = duckdb.connect()
    try:
        con.execute(f"attach {_quote(target)} as serving (storage_version '{SERVING_STORAGE_VERSION}')")
        con.execute(f"attach {_quote(warehouse_path)} as wh (read_only)")
        con.execute("use serving")
        con.execute("begin transaction")
        for table in tables:
            con.execute(f"create table {SERVING_SCHEMA}.{table} as select * from wh.{MARTS_SCHEMA}.{table}")
            description, columns = descriptions.get(table, ("", {}))
            if description:
                con.execute(f"comment on table {SERVING_SCHEMA}.{table} is {_literal(description)}")
            for column, text in columns.items():
                if text:
                    con.execute(f"comment on column {SERVING_SCHEMA}.{table}.{column} is {_literal(text)}")
        for table in runlog.COLUMNS:
            con.execute(
                f"create table {SERVING_SCHEMA}.{table} as select * from wh.{runlog.RUN_LOG_SCHEMA}.{table}"
            )
        for view, (comment, query) in serving_views().items():
            con.execute(f"create view {SERVING_SCHEMA}.{view} as {query}")
            con.execute(f"comment on view {SERVING_SCHEMA}.{view} is {_literal(comment)}")
        runlog.set_status(con, run_id, runlog.PUBLISHED, schema=SERVING_SCHEMA)
        con.execute("commit")
        con.execute("detach wh")
        con.execute("checkpoint serving")
        con.execute("use memory")
        con.execute("detach serving")
    finally:
        con.close()
    wal = target.with_name(target.name + ".wal")
    if wal.exists():
        raise RuntimeError(f"{wal} left after checkpoint: the serving file would not be self-contained")


def publish(
    warehouse_path: Path, serving: Path, tables: Sequence[str], entry: runlog.RunEntry
) -> runlog.RunEntry:
    """Record the run, write a new serving file from the warehouse and rename it over the old one."""
    con = warehouse.connect_duckdb(warehouse_path)
    try:
        for table in tables:
            rows = con.execute(f"select count(*) from {MARTS_SCHEMA}.{table}").fetchone()[0]
            entry.table(runlog.PUBLIC, table).rows_published = rows
        entry.as_of_date = published_as_of(con, tables)
        entry.status = PUBLISHING
        runlog.write(con, entry)
        con.execute("checkpoint")
    finally:
        con.close()

    serving.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(serving)
    temporary = _temporary_path(serving, entry.run_id)
    write_serving_file(warehouse_path, temporary, tables, entry.run_id)
    _fsync(temporary)
    os.replace(temporary, serving)
    _fsync(serving.parent)

    entry.status = runlog.PUBLISHED
    con = warehouse.connect_duckdb(warehouse_path)
    try:
        runlog.set_status(con, entry.run_id, runlog.PUBLISHED)
    finally:
        con.close()
    return entry


def blocking_failures(instance: DagsterInstance, check_keys: Sequence[AssetCheckKey]) -> list[str]:
    """The blocking checks whose latest evaluation failed with ERROR severity, with why."""
    failures = []
    for key in sorted(check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        record = instance.get_latest_asset_check_evaluation_record(key)
        if record is None or record.status.value != FAILED_CHECK or record.event is None:
            continue
        evaluation = record.event.dagster_event.event_specific_data
        if evaluation.severity == AssetCheckSeverity.ERROR:
            failures.append(f"{key.asset_key.to_user_string()} {key.name} (run {record.run_id[:8]}): "
                            f"{evaluation.description or 'failed'}")
    return failures


def build_publish_asset(
    public_tables: dict[str, AssetKey], blocking_checks: Sequence[AssetCheckKey]
) -> AssetsDefinition:
    """The `serving_database` asset over the public tables."""

    @asset(
        name="serving_database",
        group_name="serving",
        deps=list(public_tables.values()),
        description=(
            "The serving DuckDB file BI tools read (CS_SERVING_PATH, schema main): the public tables and the "
            "run log, replaced in one atomic rename after every blocking check passed."
        ),
        metadata={"path": MetadataValue.path(str(settings.serving_path()))},
        required_resource_keys={REFRESH_LOCK},
    )
    def serving_database(context: AssetExecutionContext) -> MaterializeResult:
        failures = blocking_failures(context.instance, blocking_checks)
        if failures:
            raise Failure(
                description="Not published: a blocking check failed.\n" + "\n".join(failures),
                metadata={"failed_checks": MetadataValue.json(failures)},
            )
        context.log.info(f"publishing {len(public_tables)} public tables to {settings.serving_path()}")
        entry = runlog.collect(context.instance, context.run_id, status=PUBLISHING)
        entry = publish(settings.warehouse_path(), settings.serving_path(), list(public_tables), entry)
        rows = {t.table_name: t.rows_published for t in entry.tables if t.layer == runlog.PUBLIC}
        loaded = {
            t.table_name: [t.rows_loaded, t.rows_rejected] for t in entry.tables if t.layer == runlog.RAW
        }
        context.log.info(
            f"published as-of {entry.as_of_date}: {sum(rows.values()):,} rows in {len(rows)} tables"
        )
        try:
            page = str(report.write_report(settings.serving_path()))
        except Exception as error:  # the page is a view of what is published: it never holds the publish back
            page = f"not written: {error}"
            context.log.warning(f"the report page was {page}")
        return MaterializeResult(
            metadata={
                "as_of_date": str(entry.as_of_date),
                "serving_path": MetadataValue.path(str(settings.serving_path())),
                "report_page": MetadataValue.path(page),
                "rows_published": MetadataValue.json(rows),
                "raw_rows_loaded_rejected": MetadataValue.json(loaded),
                "checks_passed": entry.count("passed"),
                "checks_warned": entry.count("warned"),
                "checks_failed": entry.count("failed"),
            }
        )

    return serving_database
