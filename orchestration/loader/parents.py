"""Account families: a `parent_account_id` that names no accepted account, or that closes a cycle,
is cleared, and the account is loaded without it.

Why not reject the account as other bad rows are: every subscription, invoice, user and event of
a rejected account would be rejected with it (`unknown_account_id`), so one wrong link in the CRM
would make the account's revenue and users vanish from every table. Instead the account loads as
a top-level account (its `parent_account_id` null) and its original row goes to `raw.rejects`
with the reason `unknown_parent_account_id` or `parent_account_id_cycle`; it counts as rejected
in the load report and in the too-broken gate like any reject, so the problem is seen.

A cycle (A -> B -> A, or A -> A) has no row more at fault than another, so every account on the
cycle loses its parent; an account whose chain of parents leads into a cycle keeps its own
parent (once the cycle is cleared, its family is well formed). Unknown parents are cleared first.
The walk is a plain graph walk in Python over the accepted accounts (two text columns per
account), linear in their number.
"""

from __future__ import annotations

import duckdb

from orchestration.contract import Table
from orchestration.loader.sql import ident

UNKNOWN_PARENT = "unknown_{column}"
PARENT_CYCLE = "{column}_cycle"


def repair_references(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Create `_repaired_<table>` (`_row`, `_reason`) and clear the bad references in `_checked_<table>`.

    Only columns that reference another account (`references_account`) are walked; for other
    tables `_repaired_<table>` is empty.
    """
    repaired = ident("_repaired_" + table.slug)
    checked = ident("_checked_" + table.slug)
    con.execute(f"create or replace temp table {repaired} (_row bigint, _reason varchar)")
    for column in (c.name for c in table.columns if c.references_account):
        pairs = con.execute(
            f"select _row, {ident(table.key)}, {ident(column)} from {checked} where _reason is null"
        ).fetchall()
        bad = bad_references({key: parent for _, key, parent in pairs})
        rows = [row for row, key, _ in pairs if key in bad]
        reasons = [bad[key].format(column=column) for _, key, _ in pairs if key in bad]
        if not rows:
            continue
        con.execute(f"insert into {repaired} select unnest(?::bigint[]), unnest(?::varchar[])", [rows, reasons])
        con.execute(
            f"update {checked} set {ident(column)} = null "
            f"where _row in (select _row from {repaired} where _reason in (?, ?))",
            [UNKNOWN_PARENT.format(column=column), PARENT_CYCLE.format(column=column)],
        )


def bad_references(parent_of: dict[str, str | None]) -> dict[str, str]:
    """The keys whose parent is unknown or on a cycle, with the reason's template."""
    bad = {
        key: UNKNOWN_PARENT for key, parent in parent_of.items() if parent is not None and parent not in parent_of
    }
    parent = {key: (None if key in bad else value) for key, value in parent_of.items()}
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        on_path: dict[str, int] = {}
        node = start
        while node is not None and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = parent[node]
        if node is not None and node in on_path:  # the walk came back to itself: a cycle
            bad.update(dict.fromkeys(path[on_path[node]:], PARENT_CYCLE))
        done.update(path)
    return bad
