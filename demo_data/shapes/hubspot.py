"""Accounts and their field history in HubSpot's shape: company, owner and company_property_history,
as Fivetran syncs them.

Each account is a company whose custom property account_id holds its account id; the CSM is the
company owner. HubSpot keeps the values a property took rather than changes: each change of the
contract's field history becomes the value it set, and a field's value before its first change is
a value set when the company was created. Owner and parent values are HubSpot ids; a cleared value
is empty. A deleted company and one without an account id (a prospect) are added.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa

from demo_data.shapes.common import Rows, from_rows, number

NAME = "hubspot"
PROPERTIES = {
    "industry": "industry", "region": "region", "use_case": "use_case", "potential_arr": "potential_arr",
    "is_reference": "is_reference", "csm_owner": "hubspot_owner_id", "parent_account_id": "hs_parent_company_id",
}


def company_id(account: str) -> int:
    return 1_000_000 + number(account)


def tables(accounts: Rows, changes: Rows, synced_at: datetime) -> dict[str, pa.Table]:
    names = sorted({a["csm_owner"] for a in accounts if a["csm_owner"]}
                   | {v for c in changes if c["field"] == "csm_owner" for v in (c["old_value"], c["new_value"]) if v})
    owner_of = {name: 500 + i for i, name in enumerate(names, start=1)}
    owners = [{"owner_id": owner_id, "first_name": name.split(" ", 1)[0],
               "last_name": name.split(" ", 1)[1] if " " in name else None, "is_active": True,
               "_fivetran_synced": synced_at} for name, owner_id in owner_of.items()]
    created = {a["account_id"]: a["created_at"] for a in accounts}
    return {
        "company": from_rows(NAME, "company", [_company(a, owner_of, synced_at) for a in accounts]
                             + _odd_companies(synced_at)),
        "owner": from_rows(NAME, "owner", owners),
        "company_property_history": from_rows(NAME, "company_property_history",
                                              _property_values(changes, created, owner_of, synced_at)),
    }


def _company(account: dict, owner_of: dict[str, int], synced_at: datetime) -> dict:
    parent = account["parent_account_id"]
    return {
        "id": company_id(account["account_id"]), "property_name": account["account_name"],
        "property_industry": account["industry"], "property_numberofemployees": account["employee_count"],
        "property_hubspot_owner_id": owner_of.get(account["csm_owner"]),
        "property_hs_parent_company_id": company_id(parent) if parent else None,
        "property_createdate": account["created_at"], "property_hs_lastmodifieddate": account["updated_at"],
        "is_deleted": False, "_fivetran_deleted": False, "_fivetran_synced": synced_at,
        "property_account_id": account["account_id"], "property_region": account["region"],
        "property_use_case": account["use_case"], "property_potential_arr": account["potential_arr"],
        "property_is_reference": account["is_reference"],
    }


def _property_values(changes: Rows, created: dict[str, datetime], owner_of: dict[str, int],
                     synced_at: datetime) -> Rows:
    """Each change as the value it set; a field's value before its first change, set at creation."""

    def value(field: str, text: str | None) -> str:
        if text is None:
            return ""  # HubSpot empties a cleared property
        if field == "csm_owner":
            return str(owner_of[text])
        if field == "parent_account_id":
            return str(company_id(text))
        return text

    rows, seen = [], set()
    for change in sorted(changes, key=lambda c: (c["account_id"], c["field"], c["changed_at"])):
        account, field = change["account_id"], change["field"]
        base = {"company_id": company_id(account), "name": PROPERTIES[field], "source": "CRM_UI",
                "_fivetran_synced": synced_at}
        if (account, field) not in seen and change["old_value"] is not None:
            rows.append({**base, "value": value(field, change["old_value"]), "timestamp": created[account]})
        seen.add((account, field))
        rows.append({**base, "value": value(field, change["new_value"]), "timestamp": change["changed_at"]})
    return rows


def _odd_companies(synced_at: datetime) -> Rows:
    """A deleted company (left out by staging) and a prospect without an account id (rejected by the
    loader as unmatched_account)."""
    created = synced_at - timedelta(days=20)
    base = {"property_createdate": created, "property_hs_lastmodifieddate": created, "_fivetran_synced": synced_at}
    return [
        {**base, "id": 999_998, "property_name": "Deleted Ltd", "property_account_id": "acc_deleted",
         "is_deleted": True},
        {**base, "id": 999_999, "property_name": "Prospect Inc", "is_deleted": False},
    ]
