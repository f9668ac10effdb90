"""What every connector shape shares: tables in a connector's columns and types, and row helpers.

A shape turns contract-shaped rows (Arrow tables, read as Python rows) into a connector's tables,
so the same book of business is written twice, in two shapes. `connector_table` orders and types
the columns as `orchestration.connectors` declares them and fills the nullable ones a shape leaves
out with nulls, so a shape states only what it knows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow as pa

from demo_data.output import ARROW_TYPES
from orchestration import contract
from orchestration.connectors import CONNECTORS_BY_NAME

Rows = list[dict[str, Any]]
CONNECTOR_TYPES = {**ARROW_TYPES, contract.JSON: pa.string(), contract.DECIMAL: pa.decimal128(38, 12)}
NEVER = datetime(9999, 12, 31, 23, 59, 59)  # the end of a history row that is still current


def schema(connector: str, table: str) -> pa.Schema:
    """The Arrow schema of a connector table: its columns in order, in their types."""
    columns = CONNECTORS_BY_NAME[connector].table(table).columns
    return pa.schema([(c.name, CONNECTOR_TYPES[c.type]) for c in columns])


def connector_table(connector: str, table: str, columns: Mapping[str, Sequence[Any] | pa.Array]) -> pa.Table:
    """The columns given, in the connector's order and types; nullable columns not given are null."""
    target = schema(connector, table)
    unknown = set(columns) - set(target.names)
    if unknown:
        raise ValueError(f"{connector}.{table}: no column(s) {sorted(unknown)}")
    rows = len(next(iter(columns.values()))) if columns else 0
    arrays = [
        pa.array(columns[f.name], type=f.type) if f.name in columns else pa.nulls(rows, type=f.type)
        for f in target
    ]
    return pa.Table.from_arrays(arrays, schema=target)


def from_rows(connector: str, table: str, rows: Rows) -> pa.Table:
    """A connector table from rows (dicts); keys not in a row are null."""
    names = schema(connector, table).names
    given = [n for n in names if any(n in row for row in rows)]
    return connector_table(connector, table, {n: [row.get(n) for row in rows] for n in given})


def rows_of(table: pa.Table) -> Rows:
    return table.to_pylist()


def at(day: date, seconds: int = 0) -> datetime:
    """A day at a time of day given in seconds after midnight."""
    return datetime.combine(day, time()) + timedelta(seconds=seconds)


def as_json(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), separators=(", ", ": "))


def number(text_id: str) -> int:
    """The number at the end of a generated id (`acc_000042` -> 42)."""
    return int(text_id.rsplit("_", 1)[-1])
