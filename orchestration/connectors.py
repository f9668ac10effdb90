"""Connector-shaped sources, written once: the tables, columns and types each connector's sync lands.

A company that already syncs Stripe, Salesforce, HubSpot, Segment, Amplitude or Zendesk into its
warehouse (Fivetran's schemas: one schema per connector, the connector's own table and column
names, `_fivetran_synced`, `_fivetran_deleted`) can point a domain at that connector with the dbt var
`<domain>_source` instead of writing the contract tables. The loader (types, rejects, account
matching), the demo-data generator (the same book of business in these shapes) and a test against
each connector's dbt sources YAML read this module, as they read `contract.py` for the contract.

Only the columns the mappings read are listed (extra columns of a sync are ignored, as for the
contract); columns a sync may lack, such as custom CRM fields, are `may_be_absent`. Which tables a
domain needs is said per connector (`Connector.domains`). Where accounts are matched: the table
with `account_key_var` holds the key the user names in that var; every other table reaches it
through its `references`. This module imports only the contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orchestration.contract import (
    BOOLEAN,
    DATE,
    DECIMAL,
    INT,
    JSON,
    NUMERIC,
    ROLES,
    TEXT,
    TIMESTAMP,
    Column,
    Reference,
    Table,
)

STRIPE_SUBSCRIPTION_STATUSES = (
    "incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused",
)
STRIPE_INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")
STRIPE_INTERVALS = ("day", "week", "month", "year")
ZENDESK_PRIORITIES = ("low", "normal", "high", "urgent")
ZENDESK_TICKET_STATUSES = ("new", "open", "pending", "hold", "solved", "closed", "deleted")
ZENDESK_USER_ROLES = ("end-user", "agent", "admin")


def _opt(name: str, type_: str, **kwargs: object) -> Column:
    """A nullable column."""
    return Column(name, type_, nullable=True, **kwargs)  # type: ignore[arg-type]


def _custom(name: str, type_: str) -> Column:
    """A custom field of the source system: nullable, and a sync without it loads it as null."""
    return Column(name, type_, nullable=True, may_be_absent=True)


SYNCED = Column("_fivetran_synced", TIMESTAMP, nullable=True, may_be_absent=True,
                description="When the connector last synced the row.")
DELETED = Column("_fivetran_deleted", BOOLEAN, nullable=True, may_be_absent=True,
                 description="The row was deleted in the source system (ignored by staging).")


def _in_future(column: str) -> tuple[str, str]:
    return ("occurred_in_future", f'"{column}" > {{loaded_at}}')


@dataclass(frozen=True)
class Connector:
    """One connector: its tables (landing sub-folder and warehouse schema named after it) and the
    tables each domain it can serve needs."""

    name: str
    tables: tuple[Table, ...]
    domains: dict[str, tuple[str, ...]]
    # For a usage connector: (table, timestamp column) of the product events, whose latest accepted
    # value gives the default as-of day, as `usage_events.occurred_at` does for the contract.
    events_at: tuple[str, str] | None = None
    # For a billing connector: (table, column) whose earliest value is the first subscription start,
    # where the revenue history begins, as `subscriptions.started_on` is for the contract.
    history_start: tuple[str, str] | None = None

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def _stripe() -> Connector:
    s = "stripe"
    customer = Reference("customer_id", "customer", "id")
    return Connector(s, domains={"billing": ("customer", "subscription_history", "subscription_item", "price",
                                             "product", "invoice")},
                     history_start=("subscription_history", "start_date"), tables=(
        Table("customer", "id", "one row per customer", schema=s, account_fk=False,
              account_key_var="stripe_account_key", deleted_flags=("is_deleted",), columns=(
                  Column("id", TEXT), _opt("name", TEXT), _opt("description", TEXT), _opt("email", TEXT),
                  _opt("metadata", JSON, description="Custom metadata, a JSON object."),
                  Column("created", TIMESTAMP), _opt("is_deleted", BOOLEAN), _opt("livemode", BOOLEAN), SYNCED,
              )),
        Table("product", "id", "one row per product", schema=s, account_fk=False, deleted_flags=("is_deleted",),
              columns=(
                  Column("id", TEXT), Column("name", TEXT),
                  _opt("unit_label", TEXT, description="What a unit is (e.g. seat): set for products sold per unit."),
                  _opt("metadata", JSON), _opt("active", BOOLEAN), _opt("is_deleted", BOOLEAN), SYNCED,
              )),
        Table("price", "id", "one row per price", schema=s, account_fk=False, has_currency=True,
              deleted_flags=("is_deleted",), references=(Reference("product_id", "product", "id"),), columns=(
                  Column("id", TEXT), Column("product_id", TEXT), Column("currency", TEXT),
                  _opt("unit_amount", INT, min_value=0, description="Price of one unit in cents."),
                  _opt("unit_amount_decimal", DECIMAL, may_be_absent=True, min_value=0,
                       description="The same in cents with up to 12 decimals (fractions of a cent)."),
                  _opt("billing_scheme", TEXT),
                  Column("recurring_interval", TEXT, accepted_values=STRIPE_INTERVALS),
                  _opt("recurring_interval_count", INT, min_value=1),
                  _opt("active", BOOLEAN), _opt("is_deleted", BOOLEAN), _opt("livemode", BOOLEAN), SYNCED,
              )),
        Table("subscription_history", "id", "one row per version of a subscription (history mode)", schema=s,
              account_fk=False, extra_key=("_fivetran_start",), references=(customer,), columns=(
                  Column("id", TEXT), Column("_fivetran_start", TIMESTAMP), _opt("_fivetran_end", TIMESTAMP),
                  _opt("_fivetran_active", BOOLEAN), Column("customer_id", TEXT),
                  Column("status", TEXT, accepted_values=STRIPE_SUBSCRIPTION_STATUSES),
                  Column("start_date", TIMESTAMP), _opt("created", TIMESTAMP),
                  _opt("current_period_start", TIMESTAMP), _opt("current_period_end", TIMESTAMP),
                  _opt("cancel_at", TIMESTAMP), _opt("canceled_at", TIMESTAMP), _opt("ended_at", TIMESTAMP),
                  _opt("trial_start", TIMESTAMP), _opt("trial_end", TIMESTAMP),
                  _opt("quantity", INT, min_value=0), _opt("metadata", JSON), _opt("livemode", BOOLEAN), SYNCED,
              )),
        Table("subscription_item", "id", "one row per item of a subscription", schema=s, account_fk=False,
              references=(Reference("subscription_id", "subscription_history", "id"),
                          Reference("plan_id", "price", "id")), columns=(
                  Column("id", TEXT), Column("subscription_id", TEXT),
                  Column("plan_id", TEXT, description="The price (or legacy plan) of the item."),
                  _opt("quantity", INT, min_value=0), _opt("created", TIMESTAMP), _opt("metadata", JSON), SYNCED,
              )),
        Table("invoice", "id", "one row per invoice", schema=s, account_fk=False, has_currency=True,
              deleted_flags=("is_deleted",), references=(customer, Reference(
                  "subscription_id", "subscription_history", "id", required=False)), columns=(
                  Column("id", TEXT), Column("customer_id", TEXT), _opt("subscription_id", TEXT),
                  Column("created", TIMESTAMP), _opt("due_date", TIMESTAMP),
                  Column("status", TEXT, accepted_values=STRIPE_INVOICE_STATUSES),
                  Column("amount_due", INT, description="Amount due in cents."), Column("currency", TEXT),
                  _opt("status_transitions_paid_at", TIMESTAMP), _opt("is_deleted", BOOLEAN),
                  _opt("livemode", BOOLEAN), SYNCED,
              )),
    ))


def _salesforce() -> Connector:
    s = "salesforce"
    account = Reference("account_id", "account", "id", required=False)
    activity = (Column("id", TEXT), _opt("account_id", TEXT), _opt("what_id", TEXT), _opt("type", TEXT),
                _opt("subject", TEXT))
    return Connector(s, domains={"accounts": ("account", "user", "account_history"),
                                 "success": ("account", "task", "event")}, tables=(
        Table("account", "id", "one row per CRM account", schema=s, account_fk=False,
              account_key_var="salesforce_account_key", deleted_flags=("is_deleted", "_fivetran_deleted"),
              columns=(
                  Column("id", TEXT), Column("name", TEXT), _opt("account_number", TEXT), _opt("industry", TEXT),
                  _opt("number_of_employees", INT, min_value=0), _opt("parent_id", TEXT), _opt("owner_id", TEXT),
                  Column("created_date", TIMESTAMP), _opt("last_modified_date", TIMESTAMP),
                  _opt("is_deleted", BOOLEAN), DELETED, SYNCED,
                  _custom("customer_success_manager__c", TEXT), _custom("region__c", TEXT),
                  _custom("use_case__c", TEXT), _custom("potential_arr__c", NUMERIC),
                  _custom("is_reference__c", BOOLEAN),
              )),
        Table("user", "id", "one row per CRM user", schema=s, account_fk=False, columns=(
            Column("id", TEXT), Column("name", TEXT), _opt("is_active", BOOLEAN), DELETED, SYNCED,
        )),
        Table("account_history", "id", "one row per change of an account field", schema=s, account_fk=False,
              deleted_flags=("is_deleted", "_fivetran_deleted"),
              references=(Reference("account_id", "account", "id"),), columns=(
                  Column("id", TEXT), Column("account_id", TEXT), Column("created_date", TIMESTAMP),
                  Column("field", TEXT), _opt("old_value", TEXT), _opt("new_value", TEXT),
                  _opt("is_deleted", BOOLEAN), DELETED, SYNCED,
              )),
        Table("task", "id", "one row per task (calls, emails)", schema=s, account_fk=False,
              deleted_flags=("is_deleted", "_fivetran_deleted"), references=(account,), columns=(
                  *activity, _opt("activity_date", DATE), _opt("completed_date_time", TIMESTAMP),
                  Column("created_date", TIMESTAMP), _opt("status", TEXT), _opt("is_deleted", BOOLEAN),
                  DELETED, SYNCED,
              )),
        Table("event", "id", "one row per calendar event (meetings)", schema=s, account_fk=False,
              deleted_flags=("is_deleted", "_fivetran_deleted"), references=(account,), columns=(
                  *activity, _opt("start_date_time", TIMESTAMP), _opt("activity_date_time", TIMESTAMP),
                  Column("created_date", TIMESTAMP), _opt("is_deleted", BOOLEAN), DELETED, SYNCED,
              )),
    ))


def _hubspot() -> Connector:
    s = "hubspot"
    return Connector(s, domains={"accounts": ("company", "owner", "company_property_history")}, tables=(
        Table("company", "id", "one row per company", schema=s, account_fk=False,
              account_key_var="hubspot_account_key", deleted_flags=("is_deleted", "_fivetran_deleted"), columns=(
                  Column("id", INT), Column("property_name", TEXT), _opt("property_industry", TEXT),
                  _opt("property_numberofemployees", INT, min_value=0), _opt("property_hubspot_owner_id", INT),
                  _opt("property_hs_parent_company_id", INT), Column("property_createdate", TIMESTAMP),
                  _opt("property_hs_lastmodifieddate", TIMESTAMP), _opt("is_deleted", BOOLEAN), DELETED, SYNCED,
                  _custom("property_account_id", TEXT), _custom("property_region", TEXT),
                  _custom("property_use_case", TEXT), _custom("property_potential_arr", NUMERIC),
                  _custom("property_is_reference", BOOLEAN),
              )),
        Table("owner", "owner_id", "one row per owner (a HubSpot user)", schema=s, account_fk=False, columns=(
            Column("owner_id", INT), _opt("first_name", TEXT), _opt("last_name", TEXT), _opt("email", TEXT),
            _opt("is_active", BOOLEAN), SYNCED,
        )),
        Table("company_property_history", "company_id", "one row per value a company property took", schema=s,
              account_fk=False, extra_key=("name", "timestamp"),
              references=(Reference("company_id", "company", "id"),), columns=(
                  Column("company_id", INT), Column("name", TEXT), _opt("value", TEXT),
                  Column("timestamp", TIMESTAMP), _opt("source", TEXT), SYNCED,
              )),
    ))


def _segment() -> Connector:
    s = "segment"
    return Connector(s, domains={"usage": ("groups", "identifies", "tracks")}, events_at=("tracks", "timestamp"),
                     tables=(
        Table("groups", "id", "one row per group call (a user joining an account)", schema=s, account_fk=False,
              account_key_var="segment_account_key", columns=(
                  Column("id", TEXT), _opt("user_id", TEXT), _opt("anonymous_id", TEXT), Column("group_id", TEXT),
                  Column("timestamp", TIMESTAMP), _opt("received_at", TIMESTAMP), _opt("name", TEXT),
              )),
        Table("identifies", "id", "one row per identify call (a user's traits)", schema=s, account_fk=False,
              references=(Reference("user_id", "groups", "user_id"),), columns=(
                  Column("id", TEXT), Column("user_id", TEXT), _opt("anonymous_id", TEXT),
                  Column("timestamp", TIMESTAMP), _opt("received_at", TIMESTAMP),
                  Column("role", TEXT, nullable=True, may_be_absent=True, accepted_values=ROLES),
                  _custom("created_at", TIMESTAMP), _custom("deactivated_at", TIMESTAMP),
              )),
        Table("tracks", "id", "one row per track call (a product event)", schema=s, account_fk=False,
              references=(Reference("context_group_id", "groups", "group_id"),),
              row_rules=(_in_future("timestamp"),), columns=(
                  Column("id", TEXT), _opt("user_id", TEXT), _opt("anonymous_id", TEXT), Column("event", TEXT),
                  _opt("event_text", TEXT), Column("timestamp", TIMESTAMP), _opt("received_at", TIMESTAMP),
                  _opt("context_group_id", TEXT, description="The account (group) the event happened in."),
              )),
    ))


def _amplitude() -> Connector:
    s = "amplitude"
    return Connector(s, domains={"usage": ("event",)}, events_at=("event", "event_time"), tables=(
        Table("event", "uuid", "one row per event", schema=s, account_fk=False,
              account_key_var="amplitude_account_key", row_rules=(_in_future("event_time"),), columns=(
                  Column("uuid", TEXT), _opt("id", INT), Column("event_type", TEXT), Column("event_time", TIMESTAMP),
                  _opt("user_id", TEXT), _opt("device_id", TEXT), _opt("event_properties", JSON),
                  _opt("user_properties", JSON), _opt("groups", JSON), _opt("user_creation_time", TIMESTAMP),
                  _opt("server_upload_time", TIMESTAMP), SYNCED,
              )),
    ))


def _zendesk() -> Connector:
    s = "zendesk"
    ticket = Reference("ticket_id", "ticket", "id")
    return Connector(s, domains={"support": ("organization", "user", "ticket", "ticket_comment", "ticket_metric",
                                             "satisfaction_rating", "ticket_tag")}, tables=(
        Table("organization", "id", "one row per organization (a customer account)", schema=s, account_fk=False,
              account_key_var="zendesk_account_key", deleted_flags=("_fivetran_deleted",), columns=(
                  Column("id", INT), Column("name", TEXT), _opt("external_id", TEXT),
                  _opt("organization_fields", JSON), _opt("created_at", TIMESTAMP), DELETED, SYNCED,
              )),
        Table("user", "id", "one row per user (requesters and agents)", schema=s, account_fk=False, columns=(
            Column("id", INT), _opt("name", TEXT), Column("role", TEXT, accepted_values=ZENDESK_USER_ROLES),
            _opt("organization_id", INT), DELETED, SYNCED,
        )),
        Table("ticket", "id", "one row per ticket", schema=s, account_fk=False, deleted_flags=("_fivetran_deleted",),
              references=(Reference("organization_id", "organization", "id"),),
              row_rules=(_in_future("created_at"),), columns=(
                  Column("id", INT), _opt("organization_id", INT), _opt("requester_id", INT),
                  Column("created_at", TIMESTAMP), _opt("updated_at", TIMESTAMP),
                  Column("priority", TEXT, accepted_values=ZENDESK_PRIORITIES),
                  Column("status", TEXT, accepted_values=ZENDESK_TICKET_STATUSES), _opt("subject", TEXT),
                  DELETED, SYNCED,
              )),
        Table("ticket_comment", "id", "one row per comment on a ticket", schema=s, account_fk=False,
              deleted_flags=("_fivetran_deleted",), references=(ticket, Reference("user_id", "user", "id")),
              columns=(
                  Column("id", INT), Column("ticket_id", INT), Column("user_id", INT), Column("created", TIMESTAMP),
                  _opt("public", BOOLEAN), DELETED, SYNCED,
              )),
        Table("ticket_metric", "id", "one row per ticket's metrics", schema=s, account_fk=False, references=(ticket,),
              columns=(
                  Column("id", INT), Column("ticket_id", INT), _opt("solved_at", TIMESTAMP),
                  _opt("created_at", TIMESTAMP), _opt("updated_at", TIMESTAMP), SYNCED,
              )),
        Table("satisfaction_rating", "id", "one row per satisfaction rating", schema=s, account_fk=False,
              optional=True, references=(ticket,), columns=(
                  Column("id", INT), Column("ticket_id", INT),
                  Column("score", TEXT, description="good, bad, offered, unoffered, or a number on a 1-5 scale."),
                  _opt("created_at", TIMESTAMP), _opt("updated_at", TIMESTAMP), SYNCED,
              )),
        Table("ticket_tag", "ticket_id", "one row per tag of a ticket", schema=s, account_fk=False, optional=True,
              extra_key=("tags",), references=(ticket,), columns=(
                  Column("ticket_id", INT), Column("tags", TEXT), SYNCED,
              )),
    ))


CONNECTORS: tuple[Connector, ...] = (_stripe(), _salesforce(), _hubspot(), _segment(), _amplitude(), _zendesk())
CONNECTORS_BY_NAME: dict[str, Connector] = {c.name: c for c in CONNECTORS}


def parse_names(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """Connector names (comma-separated text or a sequence), checked: known, at most one per domain.
    Raises ValueError saying which name is unknown or which two connectors serve the same domain."""
    if isinstance(names, str):
        names = names.split(",")
    chosen = tuple(dict.fromkeys(n.strip().lower() for n in names or () if n.strip()))
    unknown = [n for n in chosen if n not in CONNECTORS_BY_NAME]
    if unknown:
        raise ValueError(f"unknown connector(s) {', '.join(unknown)}: use {', '.join(CONNECTORS_BY_NAME)}")
    domains_served(chosen)
    return chosen


def domains_served(names: Iterable[str]) -> dict[str, str]:
    """The domains the named connectors serve, each with its connector (ValueError if two share one)."""
    served: dict[str, str] = {}
    for name in names:
        for domain in CONNECTORS_BY_NAME[name].domains:
            if domain in served:
                raise ValueError(f"{served[domain]} and {name} both provide the {domain} domain: choose one")
            served[domain] = name
    return served
