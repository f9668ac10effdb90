"""Delivery of the actions a publish opened: outbox files, the ledger and a real webhook receiver.

The receiver is an `http.server` on 127.0.0.1 started by the test, answering each POST as its script
says (a status, or "hang": no answer before the client's timeout); nothing of the HTTP client is
mocked. The `account_actions` mart is a table the test creates in a DuckDB warehouse with the mart's
interface. What must hold: every action is outboxed once and delivered once, across failures,
re-runs and replayed days; a failed delivery leaves the actions pending for the next run.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration import actions, webhook
from tests.ops_pipeline import environment

MART = "marts.account_actions"
HANG_SECONDS = 1.5


class Receiver:
    """A webhook on 127.0.0.1 that answers successive POSTs as scripted (the last answer repeats)."""

    def __init__(self, script: list[int | str]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []  # every POST: its answer, body and idempotency key
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = receiver.script.pop(0) if len(receiver.script) > 1 else receiver.script[0]
                receiver.requests.append({"answer": answer, "body": body, "key": self.headers["Idempotency-Key"]})
                if answer == "hang":
                    time.sleep(HANG_SECONDS)
                    self.close_connection = True
                    return
                self.send_response(int(answer))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/actions?token=secret"

    def accepted_ids(self) -> list[str]:
        """Ids of the actions in POSTs answered 2xx, with repeats (a duplicate delivery shows twice)."""
        return [a["action_id"] for r in self.requests if str(r["answer"]).startswith("2")
                for a in r["body"]["actions"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Any]:
    started: list[Receiver] = []

    def start(*script: int | str) -> Receiver:
        started.append(Receiver(list(script)))
        return started[-1]

    yield start
    for r in started:
        r.close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def config(url: str, **options: Any) -> webhook.WebhookConfig:
    return webhook.WebhookConfig(url, **{"batch_size": 3, "timeout_seconds": 0.5, "retries": 2,
                                         "backoff_seconds": 0.01, **options})


def action(number: int, opened_on: date = date(2025, 6, 1)) -> dict[str, Any]:
    return {
        "action_id": f"act-{number:03d}", "account_id": f"acc-{number}", "play": "risk_review",
        "opened_on": opened_on.isoformat(), "due_on": (opened_on + timedelta(days=3)).isoformat(),
        "priority": "high", "owner": "csm@example.com", "reason": "usage dropped", "trigger": "risk_entered",
    }


def publish_actions(con: duckdb.DuckDBPyConnection, published: list[dict[str, Any]]) -> None:
    """(Re)build the mart with these rows, as a publish would."""
    con.execute("create schema if not exists marts")
    con.execute(f"""
        create or replace table {MART} (
            action_id varchar, account_id varchar, play varchar, opened_on date, due_on date,
            priority varchar, owner varchar, reason varchar, "trigger" varchar
        )""")
    if published:
        con.executemany(f"insert into {MART} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[a[c] for c in actions.ACTION_COLUMNS] for a in published])


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def outbox_lines(outbox: Path) -> dict[str, list[dict[str, Any]]]:
    return {p.name: [json.loads(line) for line in p.read_text().splitlines()]
            for p in sorted(outbox.glob("*.jsonl"))}


def ledger(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
    rows = con.execute("select action_id, run_id, delivered_run_id, attempts, last_error "
                       "from ops.action_deliveries").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_a_failing_webhook_leaves_actions_pending_and_the_next_run_delivers_each_once(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, receiver: Any
) -> None:
    outbox = tmp_path / "outbox"
    first = [action(1), action(2, date(2025, 5, 30)), action(3), action(4), action(5)]
    publish_actions(con, first)
    hook = receiver(500)

    counts = actions.deliver(con, MART, "run-1", outbox, config(hook.url))
    assert (counts.opened, counts.outboxed, counts.delivered, counts.pending) == (5, 5, 0, 5)
    assert counts.failed_attempts == 3 and counts.last_error == "HTTP 500"  # 1 + 2 retries, then it waits
    assert len(hook.requests) == 3 and hook.accepted_ids() == []
    assert len({r["key"] for r in hook.requests}) == 1  # every retry of a batch has the same key
    files = outbox_lines(outbox)
    assert list(files) == [Path(counts.outbox_file).name] and Path(counts.outbox_file).name.endswith("_run-1.jsonl")
    assert files[Path(counts.outbox_file).name] == sorted(first, key=lambda a: (a["opened_on"], a["action_id"]))
    assert not list(outbox.glob(".*"))  # no temporary file left
    # the first batch (the 3 oldest) was tried 3 times; the later one waits for it
    assert {k: v[2:] for k, v in ledger(con).items()} == {
        **dict.fromkeys(["act-002", "act-001", "act-003"], (3, "HTTP 500")),
        **dict.fromkeys(["act-004", "act-005"], (0, None)),
    }

    # the next day: the same actions are still published, two are new; the webhook is back
    second = first + [action(6, date(2025, 6, 2)), action(7, date(2025, 6, 2))]
    publish_actions(con, second)
    hook.script = [200]
    counts = actions.deliver(con, MART, "run-2", outbox, config(hook.url))
    assert (counts.opened, counts.outboxed, counts.delivered, counts.pending, counts.failed_attempts) == (
        2, 2, 7, 0, 0)
    files = outbox_lines(outbox)
    assert len(files) == 2 and files[Path(counts.outbox_file).name] == second[5:]
    assert sorted(hook.accepted_ids()) == sorted(a["action_id"] for a in second)  # each exactly once
    accepted = [r for r in hook.requests if r["answer"] == 200]
    assert [r["body"]["count"] for r in accepted] == [3, 3, 1]  # batches of 3, oldest outbox file first
    assert accepted[0]["key"] == hook.requests[0]["key"]  # the batch that failed yesterday, same key
    assert all(r["body"]["run_id"] == "run-2" and r["body"]["count"] == len(r["body"]["actions"]) for r in accepted)
    assert all(r["key"] == webhook.idempotency_key([a["action_id"] for a in r["body"]["actions"]])
               for r in accepted)
    assert accepted[0]["body"]["actions"][0] == action(2, date(2025, 5, 30))  # the action as published
    assert {k: v for k, v in ledger(con).items()} == {
        **dict.fromkeys(["act-002", "act-001", "act-003"], ("run-1", "run-2", 4, None)),
        **dict.fromkeys(["act-004", "act-005"], ("run-1", "run-2", 1, None)),
        **dict.fromkeys(["act-006", "act-007"], ("run-2", "run-2", 1, None)),
    }

    # a re-run, or a replayed day that publishes the same actions: nothing opened, nothing sent
    requests = len(hook.requests)
    for run_id in ("run-3", "run-4"):
        counts = actions.deliver(con, MART, run_id, outbox, config(hook.url))
        assert (counts.opened, counts.outboxed, counts.delivered, counts.pending) == (0, 0, 0, 0)
        assert counts.outbox_file is None
    assert len(hook.requests) == requests and len(outbox_lines(outbox)) == 2


def test_a_closed_port_and_a_timeout_are_retried_at_the_next_run(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, receiver: Any
) -> None:
    outbox = tmp_path / "outbox"
    publish_actions(con, [action(1), action(2)])

    counts = actions.deliver(con, MART, "run-1", outbox, config(closed_port_url(), retries=1))
    assert (counts.opened, counts.delivered, counts.pending, counts.failed_attempts) == (2, 0, 2, 2)
    assert "ConnectionRefusedError" in counts.last_error

    hook = receiver("hang", 201)
    started = time.monotonic()
    counts = actions.deliver(con, MART, "run-2", outbox, config(hook.url, retries=0))
    assert time.monotonic() - started < HANG_SECONDS  # the timeout, not the receiver, ended the wait
    assert (counts.opened, counts.delivered, counts.pending, counts.failed_attempts) == (0, 0, 2, 1)
    assert "timed out" in counts.last_error

    counts = actions.deliver(con, MART, "run-3", outbox, config(hook.url, retries=0))
    assert (counts.opened, counts.delivered, counts.pending, counts.failed_attempts) == (0, 2, 0, 0)
    assert hook.accepted_ids() == ["act-001", "act-002"]
    assert {row[2] for row in ledger(con).values()} == {4}  # refused twice, timed out once, accepted
    assert list(outbox_lines(outbox).values()) == [[action(1), action(2)]]  # one file, written once


def test_without_a_webhook_the_outbox_is_the_delivery_and_a_later_webhook_gets_the_backlog(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, receiver: Any
) -> None:
    outbox = tmp_path / "outbox"
    publish_actions(con, [action(1)])
    counts = actions.deliver(con, MART, "run-1", outbox, None)
    assert (counts.opened, counts.outboxed, counts.pending, counts.webhook) == (1, 1, 1, None)
    assert "no webhook configured" in counts.summary()

    counts = actions.deliver(con, None, "run-2", outbox, None, note="not published")
    assert (counts.opened, counts.outboxed, counts.outbox_file) == (0, 0, None)

    hook = receiver(204)
    counts = actions.deliver(con, MART, "run-3", outbox, config(hook.url))
    assert (counts.opened, counts.delivered, counts.pending) == (0, 1, 0)
    assert counts.webhook == f"http://127.0.0.1:{hook.server.server_address[1]}"  # no path, no token
    assert "secret" not in counts.summary()


def test_an_outbox_file_a_killed_run_did_not_write_is_written_by_the_next_run(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    publish_actions(con, [action(1), action(2)])
    actions.ensure_tables(con)
    actions.open_new_actions(con, MART, "run-killed", "20250601T050000Z_run-killed.jsonl")  # then killed

    counts = actions.deliver(con, MART, "run-2", outbox, None)
    assert (counts.opened, counts.outboxed) == (0, 2)
    assert outbox_lines(outbox) == {"20250601T050000Z_run-killed.jsonl": [action(1), action(2)]}


@pytest.mark.parametrize("status", [302, 404])
def test_a_redirect_or_a_client_error_is_not_retried_within_the_run(receiver: Any, status: int) -> None:
    hook = receiver(status)
    result = webhook.post(config(hook.url), {"run_id": "r", "count": 0, "actions": []}, [])
    assert (result.delivered, result.failures) == (False, [f"HTTP {status}"])
    assert len(hook.requests) == 1


def test_the_asset_publishes_its_counts_and_warns_when_the_webhook_fails(tmp_path: Path, receiver: Any) -> None:
    from dagster import AssetCheckSeverity, DagsterInstance, materialize

    from orchestration.assets.delivery import DELIVERED_CHECK, actions_delivery

    serving = duckdb.connect(str(tmp_path / "serving.duckdb"))
    publish_actions(serving, [action(1), action(2)])
    serving.execute(f"create table main.account_actions as select * from {MART}")
    serving.close()
    hook = receiver(503)
    env = {"CS_DATA_DIR": str(tmp_path), "CS_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
           "CS_SERVING_PATH": str(tmp_path / "serving.duckdb"), "CS_OUTBOX_DIR": str(tmp_path / "outbox"),
           "CS_ACTIONS_WEBHOOK_URL": hook.url, "CS_ACTIONS_WEBHOOK_RETRIES": "1",
           "CS_ACTIONS_WEBHOOK_BACKOFF_SECONDS": "0"}
    with environment(env):
        result = materialize([actions_delivery], instance=DagsterInstance.ephemeral())
    assert result.success  # a webhook that is down is a warning, not a failed run
    metadata = result.asset_materializations_for_node("actions_delivery")[0].metadata
    assert {k: metadata[k].value for k in ("opened", "outboxed", "delivered", "pending", "failed_attempts")} == {
        "opened": 2, "outboxed": 2, "delivered": 0, "pending": 2, "failed_attempts": 2}
    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed, check.severity) == (DELIVERED_CHECK, False, AssetCheckSeverity.WARN)
    stored = actions.counts_for_run(tmp_path / "warehouse.duckdb", result.run_id)
    assert stored is not None and (stored.opened, stored.pending, stored.last_error) == (2, 2, "HTTP 503")
