"""Users and product events in Amplitude's shape: one event table, as Fivetran syncs it.

Each user gets an identify event ($identify) when created, with the user property role, and
another with deactivated_at when deactivated; every event carries the account as its group
(groups: {"account": <account id>}) and the user's properties. A product event keeps its quantity
as the event property quantity.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from demo_data.shapes.common import Rows, as_json, connector_table, from_rows

NAME = "amplitude"


def identify_events(users: Rows) -> pa.Table:
    events = []
    for user in users:
        user_id, created = user["user_id"], user["created_at"]
        base = {"user_id": user_id, "device_id": f"dev_{user_id}", "event_type": "$identify",
                "groups": as_json({"account": user["account_id"]}), "user_creation_time": created}
        events.append({**base, "uuid": f"idf_{user_id}", "event_time": created, "server_upload_time": created,
                       "user_properties": as_json({"role": user["role"]})})
        if user["deactivated_at"]:
            off = user["deactivated_at"]
            events.append({**base, "uuid": f"idf_{user_id}_off", "event_time": off, "server_upload_time": off,
                           "user_properties": as_json({"role": user["role"],
                                                       "deactivated_at": off.isoformat(sep=" ")})})
    return from_rows(NAME, "event", events)


def product_events(batches: Iterator[pa.Table], users: Rows) -> Iterator[pa.Table]:
    """Each batch of usage events as Amplitude events, with the user's properties and creation."""
    roles = {u["user_id"]: as_json({"role": u["role"]}) for u in users}
    created = {u["user_id"]: u["created_at"] for u in users}
    for batch in batches:
        user_ids = batch["user_id"].to_pylist()
        quantity = pc.cast(batch["quantity"], pa.string())
        properties = pc.if_else(pc.is_null(quantity), pa.scalar("{}"),
                                pc.binary_join_element_wise('{"quantity": ', quantity, "}", ""))
        groups = pc.binary_join_element_wise('{"account": "', batch["account_id"], '"}', "")
        yield connector_table(NAME, "event", {
            "uuid": batch["event_id"], "event_type": batch["event_name"], "event_time": batch["occurred_at"],
            "user_id": batch["user_id"],
            "device_id": pc.binary_join_element_wise("dev_", pc.fill_null(batch["user_id"], "api"), ""),
            "event_properties": properties, "user_properties": [roles.get(u) for u in user_ids],
            "groups": groups, "user_creation_time": [created.get(u) for u in user_ids],
            "server_upload_time": batch["occurred_at"],
        })
