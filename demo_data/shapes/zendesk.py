"""Support tickets in Zendesk's shape: organization, user, ticket, ticket_comment, ticket_metric,
satisfaction_rating and ticket_tag, as Fivetran syncs them.

Each account with tickets is an organization whose external_id is its account id, with one
requester. A ticket opens with the requester's comment; its first response is an agent's public
comment (some tickets get an internal note first), its resolution the metrics' solved_at while it
is solved; a CSAT answer is a rating on a 1-5 scale, an unanswered survey an offered rating; an
escalation is the tag `escalated`. A deleted ticket and a ticket without an organization are added.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa

from demo_data.shapes.common import Rows, from_rows, number

NAME = "zendesk"
AGENTS = (9001, 9002, 9003)
NOTE_EVERY = 5  # every fifth responded ticket gets an internal note before its first response


def tables(accounts: Rows, tickets: Rows, synced_at: datetime) -> dict[str, pa.Table]:
    names = {a["account_id"]: (a["account_name"], a["created_at"]) for a in accounts}
    with_tickets = sorted({t["account_id"] for t in tickets}, key=number)
    organizations = [{"id": number(a), "name": names[a][0], "external_id": a, "created_at": names[a][1],
                      "_fivetran_deleted": False, "_fivetran_synced": synced_at} for a in with_tickets]
    users = [{"id": 100_000 + number(a), "name": f"Requester {number(a)}", "role": "end-user",
              "organization_id": number(a), "_fivetran_synced": synced_at} for a in with_tickets]
    users += [{"id": agent, "name": f"Agent {agent}", "role": "agent", "_fivetran_synced": synced_at}
              for agent in AGENTS]
    rows: dict[str, Rows] = {"ticket": [], "ticket_comment": [], "ticket_metric": [], "satisfaction_rating": [],
                             "ticket_tag": []}
    for ticket in tickets + _odd_tickets(tickets, synced_at):
        for table, table_rows in _ticket_rows(ticket, synced_at).items():
            rows[table] += table_rows
    return {
        "organization": from_rows(NAME, "organization", organizations),
        "user": from_rows(NAME, "user", users),
        **{table: from_rows(NAME, table, table_rows) for table, table_rows in rows.items()},
    }


def _ticket_rows(ticket: dict, synced_at: datetime) -> dict[str, Rows]:
    ticket_id = number(ticket["ticket_id"])
    account = ticket["account_id"]
    agent = AGENTS[ticket_id % len(AGENTS)]
    opened, responded, resolved = ticket["opened_at"], ticket["first_response_at"], ticket["resolved_at"]
    rows: dict[str, Rows] = {
        "ticket": [{
            "id": ticket_id, "organization_id": number(account) if account else None,
            "requester_id": 100_000 + number(account) if account else None, "created_at": opened,
            "updated_at": resolved or responded or opened, "priority": ticket["priority"],
            "status": "solved" if resolved else ("pending" if responded else "new"), "subject": "Help needed",
            "_fivetran_deleted": ticket.get("deleted", False), "_fivetran_synced": synced_at,
        }],
        "ticket_comment": [{"id": ticket_id * 10, "ticket_id": ticket_id, "user_id": 100_000 + number(account or "a_0"),
                            "created": opened, "public": True}],
        "ticket_metric": [{"id": ticket_id, "ticket_id": ticket_id, "created_at": opened, "solved_at": resolved,
                           "updated_at": resolved or opened, "_fivetran_synced": synced_at}],
        "satisfaction_rating": [],
        "ticket_tag": [{"ticket_id": ticket_id, "tags": "escalated"}] if ticket["is_escalated"] else [],
    }
    if responded:
        if ticket_id % NOTE_EVERY == 0:
            note_at = opened + timedelta(seconds=(responded - opened) // timedelta(seconds=2))
            rows["ticket_comment"].append({"id": ticket_id * 10 + 1, "ticket_id": ticket_id, "user_id": agent,
                                           "created": note_at, "public": False})
        rows["ticket_comment"].append({"id": ticket_id * 10 + 2, "ticket_id": ticket_id, "user_id": agent,
                                       "created": responded, "public": True})
    if resolved:
        score = str(ticket["csat_score"]) if ticket["csat_score"] is not None else "offered"
        rows["satisfaction_rating"].append({"id": ticket_id, "ticket_id": ticket_id, "score": score,
                                            "created_at": resolved, "updated_at": resolved})
    return rows


def _odd_tickets(tickets: Rows, synced_at: datetime) -> Rows:
    """A deleted ticket (left out by staging) and one without an organization (the loader rejects it
    as unmatched_account)."""
    opened = synced_at - timedelta(days=2)
    base = {"first_response_at": None, "resolved_at": None, "priority": "low", "is_escalated": False,
            "csat_score": None, "opened_at": opened}
    top = max((number(t["ticket_id"]) for t in tickets), default=0)
    account = tickets[0]["account_id"] if tickets else None
    return [{**base, "ticket_id": f"tkt_{top + 1}", "account_id": account, "deleted": True},
            {**base, "ticket_id": f"tkt_{top + 2}", "account_id": None}]
