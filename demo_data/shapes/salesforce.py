"""Accounts, their field history and the CS touchpoints in Salesforce's shape: account, user,
account_history, task and event, as Fivetran syncs them.

Each account is a Salesforce account whose account_number is its account id; region, use case,
potential ARR, reference flag and CSM are custom fields (the CSM a lookup to a user). The field
history uses Salesforce's field names and, for the CSM and parent lookups, record ids. Calls and
e-mails are tasks, meetings, QBRs, visits and webinars calendar events. A deleted account, an
account without an account number (a prospect), a lead's task and an internal task show what
staging leaves out and what the loader rejects.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa

from demo_data.shapes.common import Rows, from_rows, number

NAME = "salesforce"
FIELDS = {
    "industry": "Industry", "region": "Region__c", "use_case": "Use_Case__c", "potential_arr": "Potential_ARR__c",
    "is_reference": "Is_Reference__c", "csm_owner": "Customer_Success_Manager__c", "parent_account_id": "Parent",
}
TASK_TYPES = {"call": "Call", "email": "Email"}
EVENT_TYPES = {"meeting": "Meeting", "qbr": "QBR", "onsite": "Onsite", "webinar": "Webinar"}


def account_id(account: str) -> str:
    """The Salesforce id of an account (18 characters, as Salesforce's are)."""
    return f"001{number(account):015d}"


def tables(accounts: Rows, changes: Rows, touchpoints: Rows, synced_at: datetime) -> dict[str, pa.Table]:
    """Salesforce's tables for the accounts domain (account, user, account_history) and, with
    touchpoints, for the success domain (task, event)."""
    names = sorted({a["csm_owner"] for a in accounts if a["csm_owner"]}
                   | {v for c in changes if c["field"] == "csm_owner" for v in (c["old_value"], c["new_value"]) if v})
    user_of = {name: f"005{i:015d}" for i, name in enumerate(names, start=1)}
    users = [{"id": user_id, "name": name, "is_active": True, "_fivetran_synced": synced_at}
             for name, user_id in user_of.items()]
    users.append({"id": f"005{0:015d}", "name": "Account Executive", "is_active": True, "_fivetran_synced": synced_at})
    return {
        "account": from_rows(NAME, "account", [_account(a, user_of, synced_at) for a in accounts]
                             + _odd_accounts(synced_at)),
        "user": from_rows(NAME, "user", users),
        "account_history": from_rows(NAME, "account_history", [_change(c, user_of, synced_at) for c in changes]),
        "task": from_rows(NAME, "task", [_activity(t, synced_at) for t in touchpoints if t["touchpoint_type"] in
                                         TASK_TYPES] + _odd_tasks(synced_at)),
        "event": from_rows(NAME, "event", [_activity(t, synced_at) for t in touchpoints
                                           if t["touchpoint_type"] in EVENT_TYPES]),
    }


def _account(account: dict, user_of: dict[str, str], synced_at: datetime) -> dict:
    parent = account["parent_account_id"]
    return {
        "id": account_id(account["account_id"]), "name": account["account_name"],
        "account_number": account["account_id"],
        "industry": account["industry"].capitalize() if account["industry"] else None,
        "number_of_employees": account["employee_count"], "parent_id": account_id(parent) if parent else None,
        "owner_id": f"005{0:015d}", "created_date": account["created_at"],
        "last_modified_date": account["updated_at"], "is_deleted": False, "_fivetran_deleted": False,
        "_fivetran_synced": synced_at, "customer_success_manager__c": user_of.get(account["csm_owner"]),
        "region__c": account["region"], "use_case__c": account["use_case"],
        "potential_arr__c": account["potential_arr"], "is_reference__c": account["is_reference"],
    }


def _change(change: dict, user_of: dict[str, str], synced_at: datetime) -> dict:
    field = change["field"]

    def value(text: str | None) -> str | None:
        if text is None:
            return None
        if field == "csm_owner":
            return user_of[text]
        if field == "parent_account_id":
            return account_id(text)
        return text

    return {
        "id": f"017{number(change['change_id']):015d}", "account_id": account_id(change["account_id"]),
        "created_date": change["changed_at"], "field": FIELDS[field], "old_value": value(change["old_value"]),
        "new_value": value(change["new_value"]), "is_deleted": False, "_fivetran_synced": synced_at,
    }


def _activity(touchpoint: dict, synced_at: datetime) -> dict:
    kind = touchpoint["touchpoint_type"]
    occurred = touchpoint["occurred_at"]
    row = {
        "id": ("00T" if kind in TASK_TYPES else "00U") + f"{number(touchpoint['touchpoint_id']):015d}",
        "account_id": account_id(touchpoint["account_id"]), "what_id": account_id(touchpoint["account_id"]),
        "type": TASK_TYPES.get(kind) or EVENT_TYPES[kind], "subject": kind.upper(),
        "created_date": occurred - timedelta(days=2), "is_deleted": False, "_fivetran_synced": synced_at,
    }
    if kind in TASK_TYPES:
        return {**row, "activity_date": occurred.date(), "completed_date_time": occurred, "status": "Completed"}
    return {**row, "start_date_time": occurred, "activity_date_time": occurred}


def _odd_accounts(synced_at: datetime) -> Rows:
    """A deleted account (left out by staging) and a prospect without an account number (not an
    account of the product: the loader rejects it as unmatched_account)."""
    created = synced_at - timedelta(days=20)
    base = {"owner_id": f"005{0:015d}", "created_date": created, "last_modified_date": created,
            "_fivetran_synced": synced_at}
    return [
        {**base, "id": f"001{999_999_998:015d}", "name": "Deleted Ltd", "account_number": "acc_deleted",
         "is_deleted": True},
        {**base, "id": f"001{999_999_999:015d}", "name": "Prospect Inc", "is_deleted": False},
    ]


def _odd_tasks(synced_at: datetime) -> Rows:
    """A lead's task (no account) and an internal task type: not CS touchpoints, left out by staging."""
    day = synced_at - timedelta(days=3)
    base = {"type": "Call", "activity_date": day.date(), "completed_date_time": day, "created_date": day,
            "status": "Completed", "is_deleted": False, "_fivetran_synced": synced_at}
    return [
        {**base, "id": f"00T{999_999_998:015d}", "subject": "Lead call"},
        {**base, "id": f"00T{999_999_999:015d}", "account_id": account_id("acc_000001"), "type": "Other",
         "subject": "Internal note"},
    ]
