"""`actions_delivery`: the actions a publish opened, written to the outbox and sent to the webhook.

It runs after `serving_database` and reads `account_actions` from the serving file that step just
published, so only published actions leave (orchestration/actions.py keeps the ledger, the outbox and
the webhook). It never holds back the tables: they are published before it starts, and an action the
webhook did not accept is a warning (the non-blocking check `actions_delivered`), left pending for
the next run, not a failed step.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration import actions, settings, warehouse, webhook
from orchestration.assets.publish import SERVING_SCHEMA

ACTIONS_TABLE = "account_actions"
PUBLISHED = "published"  # the serving file, attached read-only to the warehouse connection
DELIVERED_CHECK = "actions_delivered"


def published_actions(con: duckdb.DuckDBPyConnection, serving: Path) -> tuple[str | None, str]:
    """The relation of the published `account_actions` (None when there is none) and why not."""
    if not serving.exists():
        return None, "Nothing published yet."
    con.execute(f"attach ? as {PUBLISHED} (read_only)", [str(serving)])
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = ? and table_schema = ? and table_name = ?",
        [PUBLISHED, SERVING_SCHEMA, ACTIONS_TABLE],
    ).fetchone()[0]
    if not found:
        return None, f"The serving database has no {ACTIONS_TABLE} table: no action opened."
    return f"{PUBLISHED}.{SERVING_SCHEMA}.{ACTIONS_TABLE}", ""


def delivered_check(counts: actions.DeliveryCounts) -> AssetCheckResult:
    """Passes unless a POST failed or actions are left pending for a configured webhook; never blocks."""
    if counts.webhook is None:
        passed, description = True, "No webhook configured (CS_ACTIONS_WEBHOOK_URL): the outbox only."
    else:
        passed = counts.failed_attempts == 0 and counts.pending == 0
        description = (f"{counts.delivered} delivered, {counts.pending} pending, "
                       f"{counts.failed_attempts} failed attempts"
                       + (f"; last error: {counts.last_error}" if counts.last_error else "")
                       + ("" if passed else ". Pending actions are retried at the next run."))
    return AssetCheckResult(
        check_name=DELIVERED_CHECK,
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata={"pending": counts.pending, "failed_attempts": counts.failed_attempts},
    )


@asset(
    name="actions_delivery",
    group_name="serving",
    deps=[AssetKey("serving_database")],
    description=(
        "The actions the publish opened: one JSON-lines file per run in the outbox (CS_OUTBOX_DIR), and a "
        "POST to CS_ACTIONS_WEBHOOK_URL when set; each action once, per the ledger ops.action_deliveries."
    ),
    metadata={"outbox": MetadataValue.path(str(settings.outbox_dir()))},
    check_specs=[
        AssetCheckSpec(
            DELIVERED_CHECK,
            asset="actions_delivery",
            blocking=False,
            description="Every outboxed action reached the webhook (a warning otherwise; retried next run).",
        )
    ],
)
def actions_delivery(context: AssetExecutionContext) -> MaterializeResult:
    con = warehouse.connect_duckdb(settings.warehouse_path())
    try:
        relation, note = published_actions(con, settings.serving_path())
        counts = actions.deliver(
            con, relation, context.run.run_id, settings.outbox_dir(), webhook.WebhookConfig.from_settings(), note
        )
    finally:
        con.close()
    for error in counts.errors:
        context.log.warning(f"webhook {counts.webhook}: {error}")
    context.log.info(counts.summary())
    return MaterializeResult(
        metadata={
            "opened": counts.opened,
            "outboxed": counts.outboxed,
            "delivered": counts.delivered,
            "pending": counts.pending,
            "failed_attempts": counts.failed_attempts,
            "outbox_file": MetadataValue.path(counts.outbox_file) if counts.outbox_file else "none",
            "webhook": counts.webhook or "not configured",
            "note": counts.note,
        },
        check_results=[delivered_check(counts)],
    )
