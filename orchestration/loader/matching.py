"""Account matching: which account each row of a connector table belongs to, checked once, here.

The accounts are the accepted rows of the accounts source: `raw.accounts`, or a CRM's account table
(Salesforce `account`, HubSpot `company`) whose account id is the key the user names in the var
(`salesforce_account_key`...). Every other connector reaches an account through one table that holds
the key (Stripe `customer`, Zendesk `organization`, Segment `groups`, Amplitude `event`: the table's
`account_key_var` names the var) and its tables' `references` to that table. So a row is rejected,
into `raw.rejects` and the load report like any bad input:

- `unmatched_account`: a matching table's row whose key is empty or names no account, a row whose
  required reference is empty, or a row whose referenced row was itself rejected as unmatched (a
  Stripe subscription of a customer that matched no account); on the accounts table, a row without
  a key;
- `duplicate_account_key`: a second row of the accounts table with the same key;
- `unknown_<column>`: a reference that names no row of the referenced table.

A soft-deleted row (`deleted_flags`, e.g. `_fivetran_deleted`) is loaded without being matched:
staging ignores it. The key is the var's value: a column (`external_id`), or a field of a JSON
column (`metadata.account_id`). Staging reads the same var to map `account_id`, so a sync the loader
did not check still gets its accounts; its unmatched rows then fail the interface's relationships
tests instead.
"""

from __future__ import annotations

import duckdb

from orchestration.connectors import CONNECTORS_BY_NAME
from orchestration.contract import TABLES_BY_NAME, Table
from orchestration.loader.sql import ident, literal

UNMATCHED_ACCOUNT = "unmatched_account"
DUPLICATE_ACCOUNT_KEY = "duplicate_account_key"
ACCEPTED_ACCOUNTS = "_accepted_accounts"


def key_sql(spec: str) -> str:
    """The account key of a row as text: a column, or `column.field` of a JSON column."""
    column, _, field = spec.partition(".")
    if not field:
        return f"cast({ident(column)} as varchar)"
    path = literal("$." + field)
    return f"case when json_valid({ident(column)}) then json_extract_string({ident(column)}, {path}) end"


def live_sql(table: Table) -> str:
    """TRUE for a row that is not soft-deleted."""
    return " and ".join([f"not coalesce({ident(flag)}, false)" for flag in table.deleted_flags] or ["true"])


def accept_accounts(con: duckdb.DuckDBPyConnection, table: Table, spec: str | None) -> None:
    """Create `_accepted_accounts` (account_id) from the accepted rows of the accounts table."""
    key = "account_id" if spec is None else key_sql(spec)
    con.execute(
        f"create or replace temp table {ACCEPTED_ACCOUNTS} as select distinct {key} as account_id "
        f"from {ident('_checked_' + table.slug)} where _reason is null and {live_sql(table)}"
    )


def matching_sql(table: Table, accounts_table: Table, spec: str | None) -> str:
    """CASE branches rejecting the rows that belong to no account (after the single-row checks)."""
    if not table.references and spec is None:
        return ""
    live = live_sql(table)
    branches = []
    if spec is not None and table == accounts_table:
        key = key_sql(spec)
        branches.append(f"when {live} and {key} is null then {literal(UNMATCHED_ACCOUNT)}")
        branches.append(
            f"when {live} and row_number() over (partition by {key}, _reason is null and {live} "
            f"order by _file_index desc, _row desc) > 1 then {literal(DUPLICATE_ACCOUNT_KEY)}"
        )
    elif spec is not None:
        branches.append(
            f"when {live} and coalesce({key_sql(spec)} not in (select account_id from {ACCEPTED_ACCOUNTS}), true) "
            f"then {literal(UNMATCHED_ACCOUNT)}"
        )
    for ref in table.references:
        column = ident(ref.column)
        parent = ident("_checked_" + _referenced(table, ref.table).slug)
        target = ident(ref.table_column)
        accepted = f"(select {target} from {parent} where _reason is null and {target} is not null)"
        unmatched = f"(select {target} from {parent} where _reason = {literal(UNMATCHED_ACCOUNT)})"
        if ref.required:
            branches.append(f"when {live} and {column} is null then {literal(UNMATCHED_ACCOUNT)}")
        branches.append(
            f"when {live} and {column} not in {accepted} and {column} in {unmatched} "
            f"then {literal(UNMATCHED_ACCOUNT)}"
        )
        branches.append(f"when {live} and {column} not in {accepted} then {literal('unknown_' + ref.column)}")
    return "\n                ".join(branches)


def _referenced(table: Table, name: str) -> Table:
    """The table of the same schema named `name` (a connector's tables reference their own)."""
    if table.schema in CONNECTORS_BY_NAME:
        return CONNECTORS_BY_NAME[table.schema].table(name)
    return TABLES_BY_NAME[name]
