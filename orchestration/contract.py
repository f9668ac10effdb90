"""The raw-table contract, written once: the columns, types, enumerations and ranges of each raw table.

The loader (type enforcement and rejects), the demo-data generator (`demo_data`), the raw
Great Expectations suites and a test against dbt's sources YAML all read this
module, so a column, type, enumeration or range is defined in exactly one place.
This module imports nothing else of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical types of the contract; `SQL_TYPES` maps them to the DuckDB types the loader casts to.
TEXT, INT, NUMERIC, BOOLEAN, DATE, TIMESTAMP = "text", "int", "numeric", "boolean", "date", "timestamp"
SQL_TYPES = {
    TEXT: "varchar",
    INT: "bigint",
    NUMERIC: "decimal(18, 2)",
    BOOLEAN: "boolean",
    DATE: "date",
    TIMESTAMP: "timestamp",
}

RAW_SCHEMA = "raw"
DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False
    accepted_values: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    grain: str
    columns: tuple[Column, ...]
    # Columns that reference raw.accounts.account_id (rows with an unknown account are rejected).
    account_fk: bool = True
    # Row-level rules beyond single columns, each (reason, SQL predicate that is TRUE for a bad row).
    # Predicates are written against the typed columns; `{as_of}` is not used here on purpose:
    # "in the future" means after the moment of loading.
    row_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # Whether the table carries a `currency` column that must equal the reporting currency.
    has_currency: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ROLES = ("admin", "co_admin", "executive", "user")
PLANS_EXAMPLE = ("starter", "business", "enterprise")
SUBSCRIPTION_STATUSES = ("active", "cancelled", "trialing", "past_due")
INVOICE_STATUSES = ("paid", "open", "void", "uncollectible")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TOUCHPOINT_TYPES = ("qbr", "call", "meeting", "email", "onsite", "webinar")

TABLES: tuple[Table, ...] = (
    Table(
        name="accounts",
        key="account_id",
        grain="one row per account",
        account_fk=False,
        columns=(
            Column("account_id", TEXT, description="Account key."),
            Column("account_name", TEXT, description="Display name of the account."),
            Column("industry", TEXT, nullable=True, description="The vertical, e.g. education, technology."),
            Column("region", TEXT, nullable=True, description="Sales region."),
            Column("use_case", TEXT, nullable=True, description="Main use case of the product."),
            Column("employee_count", INT, nullable=True, min_value=0, description="Employees of the customer."),
            Column("potential_arr", NUMERIC, nullable=True, min_value=0,
                   description="What the account could pay per year at full expansion."),
            Column("is_reference", BOOLEAN, nullable=True, description="Reference account (default false)."),
            Column("csm_owner", TEXT, nullable=True, description="The CSM assigned."),
            Column("created_at", TIMESTAMP, description="When the account was created (UTC)."),
            Column("updated_at", TIMESTAMP, description="Last change of the row (UTC)."),
        ),
    ),
    Table(
        name="subscriptions",
        key="subscription_id",
        grain="one row per subscription period",
        has_currency=True,
        row_rules=(("ended_on_before_started_on", "ended_on < started_on"),),
        columns=(
            Column("subscription_id", TEXT, description="Subscription period key."),
            Column("account_id", TEXT, description="The account billed."),
            Column("plan", TEXT, description="Plan, e.g. starter, business, enterprise."),
            Column("status", TEXT, accepted_values=SUBSCRIPTION_STATUSES, description="Billing status."),
            Column("started_on", DATE, description="First day of service."),
            Column("ended_on", DATE, nullable=True, description="Last day of service; null while running."),
            Column("renews_on", DATE, nullable=True, description="Next renewal date."),
            Column("mrr", NUMERIC, min_value=0, description="Monthly recurring revenue of this period."),
            Column("seats", INT, nullable=True, min_value=0, description="Licensed seats."),
            Column("currency", TEXT, description="Currency of mrr; must be the reporting currency."),
            Column("updated_at", TIMESTAMP, description="Last change of the row (UTC)."),
        ),
    ),
    Table(
        name="invoices",
        key="invoice_id",
        grain="one row per invoice",
        has_currency=True,
        columns=(
            Column("invoice_id", TEXT, description="Invoice key."),
            Column("account_id", TEXT, description="The account invoiced."),
            Column("subscription_id", TEXT, nullable=True, description="The subscription invoiced, if any."),
            Column("issued_on", DATE, description="Issue date."),
            Column("due_on", DATE, description="Due date."),
            Column("paid_on", DATE, nullable=True, description="Payment date; null while unpaid."),
            Column("amount", NUMERIC, description="Invoice amount in the reporting currency."),
            Column("currency", TEXT, description="Currency of amount; must be the reporting currency."),
            Column("status", TEXT, accepted_values=INVOICE_STATUSES, description="Invoice status."),
        ),
    ),
    Table(
        name="users",
        key="user_id",
        grain="one row per user",
        columns=(
            Column("user_id", TEXT, description="User key."),
            Column("account_id", TEXT, description="The account the user belongs to."),
            Column("role", TEXT, accepted_values=ROLES, description="admin, co_admin, executive or user."),
            Column("created_at", TIMESTAMP, description="When the user was created (UTC)."),
            Column("deactivated_at", TIMESTAMP, nullable=True, description="When the user was deactivated."),
        ),
    ),
    Table(
        name="usage_events",
        key="event_id",
        grain="one row per product event",
        row_rules=(("occurred_in_future", "occurred_at > {loaded_at}"),),
        columns=(
            Column("event_id", TEXT, description="Event key."),
            Column("account_id", TEXT, description="The account of the event."),
            Column("user_id", TEXT, nullable=True, description="The user, when known."),
            Column("event_name", TEXT, description="`login` or a feature key such as f1..f5."),
            Column("occurred_at", TIMESTAMP, description="When it happened (UTC)."),
            Column("quantity", INT, nullable=True, min_value=0, description="Units (default 1)."),
        ),
    ),
    Table(
        name="support_tickets",
        key="ticket_id",
        grain="one row per ticket",
        row_rules=(
            ("opened_in_future", "opened_at > {loaded_at}"),
            ("resolved_before_opened", "resolved_at < opened_at"),
            ("responded_before_opened", "first_response_at < opened_at"),
        ),
        columns=(
            Column("ticket_id", TEXT, description="Ticket key."),
            Column("account_id", TEXT, description="The account that opened it."),
            Column("opened_at", TIMESTAMP, description="When it was opened (UTC)."),
            Column("first_response_at", TIMESTAMP, nullable=True, description="First response (UTC)."),
            Column("resolved_at", TIMESTAMP, nullable=True, description="Resolution (UTC); null while open."),
            Column("priority", TEXT, accepted_values=TICKET_PRIORITIES, description="Priority."),
            Column("is_escalated", BOOLEAN, nullable=True, description="Escalated (default false)."),
            Column("csat_score", INT, nullable=True, min_value=1, max_value=5, description="CSAT 1-5."),
        ),
    ),
    Table(
        name="touchpoints",
        key="touchpoint_id",
        grain="one row per CS interaction",
        row_rules=(("occurred_in_future", "occurred_at > {loaded_at}"),),
        columns=(
            Column("touchpoint_id", TEXT, description="Touchpoint key."),
            Column("account_id", TEXT, description="The account met."),
            Column("occurred_at", TIMESTAMP, description="When it happened (UTC)."),
            Column("touchpoint_type", TEXT, accepted_values=TOUCHPOINT_TYPES, description="Kind of interaction."),
        ),
    ),
    Table(
        name="nps_responses",
        key="response_id",
        grain="one row per survey answer",
        row_rules=(("responded_in_future", "responded_at > {loaded_at}"),),
        columns=(
            Column("response_id", TEXT, description="Response key."),
            Column("account_id", TEXT, description="The account of the respondent."),
            Column("user_id", TEXT, nullable=True, description="The respondent, when known."),
            Column("responded_at", TIMESTAMP, description="When it was answered (UTC)."),
            Column("score", INT, min_value=0, max_value=10, description="NPS answer 0-10."),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
