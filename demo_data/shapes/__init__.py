"""The demo's book of business in connector shapes: the tables a connector's sync would land.

`generate(..., shape=("stripe", "salesforce", ...))` writes, for each connector named, its tables
into the landing sub-folder named after it (`stripe/customer.parquet`...) instead of the contract
tables of the domains it provides; the other domains stay contract-shaped. Every connector table
is derived from the contract-shaped rows of the same run (`stripe.py`, `salesforce.py`...), so both
shapes describe exactly the same business and the pipeline publishes the same public tables from
either. Which domains a connector provides is `orchestration.connectors`' say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from demo_data import output
from demo_data.shapes import amplitude, hubspot, salesforce, segment, stripe, zendesk
from demo_data.shapes.common import rows_of, schema
from orchestration.connectors import domains_served
from orchestration.contract import DOMAIN_TABLES


def replaced_tables(shape: tuple[str, ...]) -> set[str]:
    """The contract tables the shape's connectors stand for (not written in the contract's shape)."""
    return {table for domain in domains_served(shape) for table in DOMAIN_TABLES[domain]}


def write(
    out: Path,
    shape: tuple[str, ...],
    contract_tables: dict[str, pa.Table],
    usage_batches: Callable[[], Iterator[pa.Table]],
    fmt: str,
    drop_name: str | None,
    synced_at: datetime,
) -> dict[str, int]:
    """Write the shape's connector tables; rows written per `<connector>.<table>`."""
    rows = {name: rows_of(table) for name, table in contract_tables.items()}
    written: dict[str, Iterator[pa.Table] | pa.Table] = {}
    if "stripe" in shape:
        written |= _named("stripe", stripe.tables(rows["accounts"], rows["subscriptions"], rows["invoices"], synced_at))
    if "salesforce" in shape:
        written |= _named("salesforce", salesforce.tables(rows["accounts"], rows["account_field_history"],
                                                          rows["touchpoints"], synced_at))
    if "hubspot" in shape:
        written |= _named("hubspot", hubspot.tables(rows["accounts"], rows["account_field_history"], synced_at))
    if "zendesk" in shape:
        written |= _named("zendesk", zendesk.tables(rows["accounts"], rows["support_tickets"], synced_at))
    if "segment" in shape:
        written |= _named("segment", segment.user_tables(rows["users"]))
        written["segment.tracks"] = segment.tracks(usage_batches())
    if "amplitude" in shape:
        written["amplitude.event"] = _chain(amplitude.identify_events(rows["users"]),
                                            amplitude.product_events(usage_batches(), rows["users"]))
    counts = {}
    for label, tables in written.items():
        connector, table = label.split(".")
        path = output.file_path(Path(out) / connector, table, fmt, drop_name)
        with output.TableWriter(path, schema(connector, table), fmt) as writer:
            for part in [tables] if isinstance(tables, pa.Table) else tables:
                writer.write(part)
        counts[label] = writer.rows
    return counts


def _named(connector: str, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {f"{connector}.{name}": table for name, table in tables.items()}


def _chain(first: pa.Table, rest: Iterator[pa.Table]) -> Iterator[pa.Table]:
    yield first
    yield from rest
