"""The raw-table contract, written once: the columns, types, enumerations and ranges of each raw table.

The loader (type enforcement and rejects), the demo-data generator (`demo_data`), the raw
Great Expectations suites and a test against dbt's sources YAML all read this
module, so a column, type, enumeration or range is defined in exactly one place. Value lists
that are business rules (revenue tiers, coverage models) stay in dbt's seeds and are named here
by seed and column (`SeedValues`). Which tables may be absent and which columns may be missing
from older files is said here too. This module imports nothing else of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical types of the contract; `SQL_TYPES` maps them to the DuckDB types the loader casts to.
# Two types serve connector tables only: JSON, text that must parse as JSON (Stripe metadata,
# Amplitude properties), and DECIMAL, a number with up to 12 decimals (Stripe's fractional cents).
TEXT, INT, NUMERIC, BOOLEAN, DATE, TIMESTAMP = "text", "int", "numeric", "boolean", "date", "timestamp"
JSON, DECIMAL = "json", "decimal"
SQL_TYPES = {
    TEXT: "varchar",
    JSON: "varchar",
    INT: "bigint",
    NUMERIC: "decimal(18, 2)",
    DECIMAL: "decimal(38, 12)",
    BOOLEAN: "boolean",
    DATE: "date",
    TIMESTAMP: "timestamp",
}

RAW_SCHEMA = "raw"
DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class SeedValues:
    """The distinct values of a column of a dbt seed (`seeds/<seed>.csv`), read where they are used
    (`orchestration.rules.seed_values`), so a business rule's list of values is written once."""

    seed: str
    column: str


# Accepted values written here, or those of a seed column.
ValueSet = tuple[str, ...] | SeedValues


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False
    accepted_values: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""
    # The column may be missing from a landing file (e.g. a sync older than the column): it then
    # loads as null. A missing column that is not marked so stops the load.
    may_be_absent: bool = False
    # Accepted values that depend on another column of the row: (that column, ((its value, the
    # values accepted then), ...)); a row whose other column has no entry accepts nothing.
    accepted_values_by: tuple[str, tuple[tuple[str, ValueSet], ...]] | None = None
    # A text column holding a value of the `raw.accounts` column named in this other column of the
    # row (field history): the value must parse as that column's type, within its range, and name
    # an accepted account when that column references one.
    typed_by: str | None = None
    # An account_id of raw.accounts (a reference from one account to another).
    references_account: bool = False


@dataclass(frozen=True)
class Reference:
    """A column of a connector table naming a row of another table of the same connector (its
    `column`): the row belongs to that row's account. A reference that names no accepted row is
    rejected; one whose row matched no account is rejected with it (`unmatched_account`). With
    `required`, a null reference means the row belongs to no account (rejected as unmatched); else a
    null reference is allowed (e.g. a CRM task about a lead, which staging leaves out)."""

    column: str
    table: str
    table_column: str
    required: bool = True


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
    # An optional table may be absent from the landing folder: it then loads empty.
    optional: bool = False
    # The warehouse schema it lands in: `raw` for the contract, the connector's name for a
    # connector-shaped table (`stripe.customer`, as the connector's own sync names it).
    schema: str = RAW_SCHEMA
    # Further key columns when one column is not unique (a history table's version, a tag).
    extra_key: tuple[str, ...] = ()
    # Connector tables: the rows of other tables of the connector that a row belongs to.
    references: tuple[Reference, ...] = ()
    # Connector tables: the dbt var naming the column that holds the account key (`column`, or
    # `column.field` for a field of a JSON column), when this table is where accounts are matched.
    account_key_var: str | None = None
    # Connector tables: boolean columns marking a soft-deleted row (staging ignores such rows, so
    # they are loaded but not matched to an account).
    deleted_flags: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.key, *self.extra_key)

    @property
    def label(self) -> str:
        """How reports and `raw.rejects` name the table: `accounts`, or `stripe.customer`."""
        return self.name if self.schema == RAW_SCHEMA else f"{self.schema}.{self.name}"

    @property
    def slug(self) -> str:
        """A name unique across schemas, for the loader's working tables: `accounts`, `stripe__customer`."""
        return self.name if self.schema == RAW_SCHEMA else f"{self.schema}__{self.name}"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ROLES = ("admin", "co_admin", "executive", "user")
PLANS_EXAMPLE = ("starter", "business", "enterprise")
SUBSCRIPTION_STATUSES = ("active", "cancelled", "trialing", "past_due")
INVOICE_STATUSES = ("paid", "open", "void", "uncollectible")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TOUCHPOINT_TYPES = ("qbr", "call", "meeting", "email", "onsite", "webinar")
# The account attributes whose changes a CRM's field history records (columns of raw.accounts).
HISTORY_FIELDS = (
    "industry", "region", "use_case", "potential_arr", "is_reference", "csm_owner", "parent_account_id"
)
# Segment types a CSM may override, and the values each accepts: a revenue tier, a coverage model
# (the business rules' seeds), or a risk flag.
RISK_VALUES = ("at_risk", "not_at_risk")
OVERRIDE_VALUES: tuple[tuple[str, ValueSet], ...] = (
    ("arr_tier", SeedValues("revenue_tiers", "tier_name")),
    ("coverage_model", SeedValues("coverage_models", "coverage_model")),
    ("risk", RISK_VALUES),
)
SEGMENT_TYPES = tuple(segment_type for segment_type, _ in OVERRIDE_VALUES)

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
            Column("parent_account_id", TEXT, nullable=True, may_be_absent=True, references_account=True,
                   description="The parent account in a corporate family; null at the top."),
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
        optional=True,
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
        optional=True,
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
        optional=True,
        row_rules=(("responded_in_future", "responded_at > {loaded_at}"),),
        columns=(
            Column("response_id", TEXT, description="Response key."),
            Column("account_id", TEXT, description="The account of the respondent."),
            Column("user_id", TEXT, nullable=True, description="The respondent, when known."),
            Column("responded_at", TIMESTAMP, description="When it was answered (UTC)."),
            Column("score", INT, min_value=0, max_value=10, description="NPS answer 0-10."),
        ),
    ),
    Table(
        name="account_field_history",
        key="change_id",
        grain="one row per change of an account attribute",
        optional=True,
        row_rules=(("changed_in_future", "changed_at > {loaded_at}"),),
        columns=(
            Column("change_id", TEXT, description="Change key."),
            Column("account_id", TEXT, description="The account changed."),
            Column("changed_at", TIMESTAMP, description="When the change was made (UTC)."),
            Column("field", TEXT, accepted_values=HISTORY_FIELDS,
                   description="The raw.accounts column changed."),
            Column("old_value", TEXT, nullable=True, typed_by="field",
                   description="The value before the change, as text; null when it was empty."),
            Column("new_value", TEXT, nullable=True, typed_by="field",
                   description="The value after the change, as text; null when it was cleared."),
        ),
    ),
    Table(
        name="segment_overrides",
        key="override_id",
        grain="one row per CSM override",
        optional=True,
        row_rules=(
            ("set_in_future", "set_at > {loaded_at}"),
            ("expires_on_before_starts_on", "expires_on < starts_on"),
        ),
        columns=(
            Column("override_id", TEXT, description="Override key."),
            Column("account_id", TEXT, description="The account whose segment is overridden."),
            Column("segment_type", TEXT, accepted_values=SEGMENT_TYPES,
                   description="arr_tier, coverage_model or risk."),
            Column("value", TEXT, accepted_values_by=("segment_type", OVERRIDE_VALUES),
                   description="The value served: a revenue tier, a coverage model, at_risk or not_at_risk."),
            Column("reason", TEXT, description="Why the CSM overrode the rules (not empty)."),
            Column("set_by", TEXT, description="Who set the override."),
            Column("set_at", TIMESTAMP, description="When it was set (UTC)."),
            Column("starts_on", DATE, description="First day it applies."),
            Column("expires_on", DATE, nullable=True,
                   description="Last day it applies; null until someone ends it."),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Domains a connector-shaped source may provide instead of the contract (the dbt var
# `<domain>_source` chooses; orchestration/connectors.py holds the connectors). The tables not
# listed here (NPS answers: a survey CSV; CSM overrides: this product's own input) always come from
# the contract.
DOMAIN_TABLES: dict[str, tuple[str, ...]] = {
    "accounts": ("accounts", "account_field_history"),
    "billing": ("subscriptions", "invoices"),
    "usage": ("users", "usage_events"),
    "support": ("support_tickets",),
    "success": ("touchpoints",),
}
