"""Delivery of the actions a publish opened: the ledger, the outbox files and the webhook.

The ledger `ops.action_deliveries` (warehouse) holds one row per action ever outboxed, keyed by the
stable `action_id` of `account_actions`. A run:

1. opens the actions of the published `account_actions` that are not in the ledger yet: one
   insert gives them this run's id and outbox file name (so a re-run, a backfill or a replayed day
   finds them there and opens nothing twice);
2. writes every outbox file the ledger names but has not marked written (this run's, and one a
   killed run left unwritten): JSON lines to a temporary file, fsync, rename, then `outboxed_at`;
   rewriting a file gives the same name and lines, so it replaces, never duplicates;
3. when a webhook is configured, POSTs the undelivered actions in batches, oldest first, and marks
   a batch delivered right after its 2xx (one statement per batch). A batch that fails stays pending
   for the next run, and the later batches wait with it.

The window left open: the process dies between a 2xx and the ledger's update (milliseconds). The
next run then sends that batch again, with the same `Idempotency-Key` header when its actions are
the same; each action carries its `action_id`, so a receiver that de-duplicates on either delivers
exactly once. The counts of each run are kept in `ops.action_delivery_runs`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration import warehouse, webhook
from orchestration.runlog import RUN_LOG_SCHEMA

# The interface of the `account_actions` mart: what an outbox line and a webhook action hold.
ACTION_COLUMNS = (
    "action_id", "account_id", "play", "opened_on", "due_on", "priority", "owner", "reason", "trigger",
)
LEDGER, RUNS = "action_deliveries", "action_delivery_runs"
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    LEDGER: (
        ("action_id", "varchar primary key"),
        ("run_id", "varchar not null"),  # the run that opened (outboxed) it
        ("outbox_file", "varchar not null"),  # its file's name in the outbox folder
        ("outboxed_at", "timestamp"),  # null until the file is written
        ("delivered_at", "timestamp"),  # when the webhook acknowledged it with a 2xx; null: pending
        ("delivered_run_id", "varchar"),
        ("attempts", "integer not null"),  # POST attempts that carried it
        ("last_error", "varchar"),  # why the last failed attempt failed
        ("action", "varchar not null"),  # the action as published, JSON: the outbox line
    ),
    RUNS: (
        ("run_id", "varchar"),
        ("finished_at", "timestamp"),
        ("opened", "integer"),
        ("outboxed", "integer"),
        ("delivered", "integer"),
        ("pending", "integer"),
        ("failed_attempts", "integer"),
        ("webhook", "varchar"),  # scheme://host:port only; null: none configured
        ("outbox_file", "varchar"),
        ("last_error", "varchar"),
        ("note", "varchar"),
    ),
}


@dataclass
class DeliveryCounts:
    """What one run did with the actions; the asset's metadata and `make run`'s closing line."""

    run_id: str
    opened: int = 0  # actions no earlier run had outboxed
    outboxed: int = 0  # lines written to outbox files (this run's, and any a killed run left)
    delivered: int = 0  # acknowledged by the webhook in this run
    pending: int = 0  # not delivered to a webhook yet, after this run
    failed_attempts: int = 0  # POSTs that failed in this run
    webhook: str | None = None
    outbox_file: str | None = None
    last_error: str | None = None
    note: str = ""
    errors: list[str] = field(default_factory=list)  # each failed attempt, for the log

    def summary(self) -> str:
        """One line for `make run`'s closing summary."""
        line = f"Actions: {self.opened:,} opened, {self.outboxed:,} outboxed"
        if self.outbox_file:
            line += f" to {self.outbox_file}"
        if self.webhook is None:
            line += "; no webhook configured" + (f" ({self.pending:,} never sent to one)" if self.pending else "")
        else:
            line += (f"; webhook {self.webhook}: {self.delivered:,} delivered, {self.pending:,} pending, "
                     f"{self.failed_attempts:,} failed attempts")
            if self.last_error:
                line += f" (last: {self.last_error})"
        return line + (f". {self.note}" if self.note else ".")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RUN_LOG_SCHEMA}")
    for table, columns in COLUMNS.items():
        definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
        con.execute(f"create table if not exists {RUN_LOG_SCHEMA}.{table} ({definition})")


def open_new_actions(con: duckdb.DuckDBPyConnection, relation: str, run_id: str, file_name: str) -> int:
    """Put the actions of `relation` that are not in the ledger into it, for this run's outbox file."""
    fields = ", ".join(f"'{column}': \"{column}\"" for column in ACTION_COLUMNS)
    inserted = con.execute(
        f"""
        insert into {RUN_LOG_SCHEMA}.{LEDGER} (action_id, run_id, outbox_file, attempts, action)
        select action_id, ?, ?, 0, cast(to_json({{{fields}}}) as varchar)
        from {relation}
        where action_id not in (select action_id from {RUN_LOG_SCHEMA}.{LEDGER})
        """,
        [run_id, file_name],
    ).fetchone()[0]
    return int(inserted)


def _write_atomically(path: Path, lines: list[str]) -> None:
    """The file complete or not at all: a temporary dotfile, fsync, rename, fsync of the folder."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in lines)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_outbox_files(con: duckdb.DuckDBPyConnection, outbox: Path) -> int:
    """Write every outbox file the ledger names but has not marked written; the lines written."""
    files = [row[0] for row in con.execute(
        f"select distinct outbox_file from {RUN_LOG_SCHEMA}.{LEDGER} where outboxed_at is null order by 1"
    ).fetchall()]
    written = 0
    for name in files:
        lines = [row[0] for row in con.execute(
            f"select action from {RUN_LOG_SCHEMA}.{LEDGER} where outbox_file = ? "
            "order by json_extract_string(action, '$.opened_on'), action_id",
            [name],
        ).fetchall()]
        outbox.mkdir(parents=True, exist_ok=True)
        _write_atomically(outbox / name, lines)
        con.execute(f"update {RUN_LOG_SCHEMA}.{LEDGER} set outboxed_at = ? where outbox_file = ?", [_now(), name])
        written += len(lines)
    return written


def send_pending(con: duckdb.DuckDBPyConnection, config: webhook.WebhookConfig, counts: DeliveryCounts) -> None:
    """POST the undelivered actions in batches, oldest file first; stop at the first batch not accepted."""
    pending = con.execute(
        f"select action_id, action from {RUN_LOG_SCHEMA}.{LEDGER} "
        "where delivered_at is null and outboxed_at is not null "
        "order by outbox_file, json_extract_string(action, '$.opened_on'), action_id"
    ).fetchall()
    for start in range(0, len(pending), config.batch_size):
        batch = pending[start:start + config.batch_size]
        ids = [action_id for action_id, _ in batch]
        payload = {"run_id": counts.run_id, "count": len(batch), "actions": [json.loads(a) for _, a in batch]}
        result = webhook.post(config, payload, ids)
        counts.failed_attempts += len(result.failures)
        counts.errors += [f"batch of {len(batch)} from {ids[0]}: {reason}" for reason in result.failures]
        if result.delivered:
            _mark(con, ids, result.attempts, delivered_at=_now(), run_id=counts.run_id)
            counts.delivered += len(batch)
            continue
        _mark(con, ids, result.attempts, error=result.failures[-1])
        counts.last_error = result.failures[-1]
        return


def _mark(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    attempts: int,
    delivered_at: datetime | None = None,
    run_id: str | None = None,
    error: str | None = None,
) -> None:
    """Count a batch's attempts; a delivered batch gets its time and run, a failed one its error."""
    con.execute(
        f"""
        update {RUN_LOG_SCHEMA}.{LEDGER}
        set attempts = attempts + ?, delivered_at = ?, delivered_run_id = ?, last_error = ?
        where action_id in (select unnest(?::varchar[]))
        """,
        [attempts, delivered_at, run_id, error, ids],
    )


def deliver(
    con: duckdb.DuckDBPyConnection,
    relation: str | None,
    run_id: str,
    outbox: Path,
    config: webhook.WebhookConfig | None,
    note: str = "",
) -> DeliveryCounts:
    """Outbox the new actions of `relation` (None: it was not published) and send what is pending."""
    ensure_tables(con)
    counts = DeliveryCounts(run_id, webhook=config.display() if config else None, note=note)
    if relation is not None:
        file_name = f"{_now():%Y%m%dT%H%M%SZ}_{run_id}.jsonl"
        counts.opened = open_new_actions(con, relation, run_id, file_name)
        if counts.opened:
            counts.outbox_file = str(outbox / file_name)
    counts.outboxed = write_outbox_files(con, outbox)
    if config is not None:
        send_pending(con, config, counts)
    counts.pending = _count(con, "delivered_at is null")
    record(con, counts)
    return counts


def _count(con: duckdb.DuckDBPyConnection, condition: str) -> int:
    return con.execute(f"select count(*) from {RUN_LOG_SCHEMA}.{LEDGER} where {condition}").fetchone()[0]


def record(con: duckdb.DuckDBPyConnection, counts: DeliveryCounts) -> None:
    """Store (or replace) the run's counts."""
    con.execute(f"delete from {RUN_LOG_SCHEMA}.{RUNS} where run_id = ?", [counts.run_id])
    values = {**asdict(counts), "finished_at": _now()}
    con.execute(
        f"insert into {RUN_LOG_SCHEMA}.{RUNS} values ({', '.join('?' * len(COLUMNS[RUNS]))})",
        [values[name] for name, _ in COLUMNS[RUNS]],
    )


def counts_for_run(warehouse_path: Path, run_id: str) -> DeliveryCounts | None:
    """The stored counts of a run (None: no delivery step ran, or the warehouse is busy)."""
    if not warehouse_path.exists():
        return None
    try:
        con = warehouse.connect_duckdb(warehouse_path, read_only=True)
    except duckdb.IOException:  # held by another process, e.g. a run of `make dev`
        return None
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [RUN_LOG_SCHEMA, RUNS],
        ).fetchone()[0]
        if not found:
            return None
        names = [name for name, _ in COLUMNS[RUNS] if name != "finished_at"]
        row = con.execute(
            f"select {', '.join(names)} from {RUN_LOG_SCHEMA}.{RUNS} where run_id = ?", [run_id]
        ).fetchone()
    finally:
        con.close()
    return DeliveryCounts(**dict(zip(names, row))) if row else None
