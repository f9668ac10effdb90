"""Users and product events in Segment's shape: groups, identifies and tracks, as Segment's
warehouse destination lands them.

Each user makes a group call (joining their account's group, whose id is the account id) and an
identify call with the traits role and created_at when created, and another identify call with
deactivated_at when deactivated. Each product event is a track call made in the account's group
(context_group_id); the tracks table holds no event properties, so an event of quantity n is n
track calls (one unit each).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo_data.shapes.common import Rows, connector_table, from_rows

NAME = "segment"


def user_tables(users: Rows) -> dict[str, pa.Table]:
    groups, identifies = [], []
    for user in users:
        user_id, created = user["user_id"], user["created_at"]
        groups.append({"id": f"grp_{user_id}", "user_id": user_id, "group_id": user["account_id"],
                       "timestamp": created, "received_at": created})
        traits = {"user_id": user_id, "role": user["role"], "created_at": created}
        identifies.append({**traits, "id": f"idf_{user_id}", "timestamp": created, "received_at": created})
        if user["deactivated_at"]:
            deactivated: datetime = user["deactivated_at"]
            identifies.append({**traits, "id": f"idf_{user_id}_off", "timestamp": deactivated,
                               "received_at": deactivated, "deactivated_at": deactivated})
    return {"groups": from_rows(NAME, "groups", groups), "identifies": from_rows(NAME, "identifies", identifies)}


def tracks(batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Track calls of each batch of usage events: one call per unit."""
    for batch in batches:
        units = pc.fill_null(batch["quantity"], 1).to_numpy(zero_copy_only=False).astype(np.int64)
        index = np.repeat(np.arange(batch.num_rows), units)
        nth = index.size and (np.arange(index.size) - np.repeat(np.cumsum(units) - units, units))
        calls = batch.take(pa.array(index))
        suffix = pc.binary_join_element_wise("-", pc.cast(pa.array(nth + 1), pa.string()), "")
        ids = pc.if_else(pc.equal(pa.array(units[index]), 1), calls["event_id"],
                         pc.binary_join_element_wise(calls["event_id"], suffix, ""))
        no_user = pc.is_null(calls["user_id"])
        yield connector_table(NAME, "tracks", {
            "id": ids, "user_id": calls["user_id"],
            "anonymous_id": pc.if_else(no_user, pa.scalar("api"), pa.scalar(None, pa.string())),
            "event": calls["event_name"], "timestamp": calls["occurred_at"], "received_at": calls["occurred_at"],
            "context_group_id": calls["account_id"],
        })
