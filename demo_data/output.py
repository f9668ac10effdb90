"""Arrow columns in the contract's types, and atomic Parquet / CSV writers for the landing folder.

Builders hand over numpy arrays (times as seconds from the calendar start, dates as day
indexes); the helpers here turn them into Arrow arrays, and `contract_table` orders and
casts them to the columns of `orchestration.contract`. Files are written under a hidden
temporary name and renamed when complete, so a loader never reads half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration import contract
from demo_data.world import SECONDS_PER_DAY, Calendar

FORMATS = ("parquet", "csv")
ARROW_TYPES = {
    contract.TEXT: pa.string(),
    contract.INT: pa.int64(),
    contract.NUMERIC: pa.decimal128(18, 2),
    contract.BOOLEAN: pa.bool_(),
    contract.DATE: pa.date32(),
    contract.TIMESTAMP: pa.timestamp("us"),
}


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded number, vectorised (e.g. ev_0000000042)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def timestamps(calendar: Calendar, seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Seconds from the calendar start -> UTC timestamps."""
    epoch = calendar.start_epoch_day * SECONDS_PER_DAY + np.asarray(seconds, dtype=np.int64)
    return pa.array(epoch * 1_000_000, type=pa.timestamp("us"), mask=null)


def dates(calendar: Calendar, day: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Day indexes -> dates."""
    epoch = (calendar.start_epoch_day + np.asarray(day, dtype=np.int64)).astype(np.int32)
    return pa.array(epoch, type=pa.date32(), mask=null)


def money(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pc.cast(
        pa.array(np.round(np.asarray(values, dtype=np.float64), 2), mask=null), ARROW_TYPES[contract.NUMERIC]
    )


def integers(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=null)


def texts(values: np.ndarray | list) -> pa.Array:
    """Strings; None becomes null."""
    return pa.array(list(values) if isinstance(values, np.ndarray) else values, type=pa.string())


def schema(table: str, string_columns: Iterable[str] = ()) -> pa.Schema:
    """Arrow schema of a raw table; `string_columns` are written as text (to carry unparseable values)."""
    as_text = set(string_columns)
    return pa.schema(
        [
            (c.name, pa.string() if c.name in as_text else ARROW_TYPES[c.type])
            for c in contract.TABLES_BY_NAME[table].columns
        ]
    )


def contract_table(
    table: str, columns: Mapping[str, pa.Array], string_columns: Iterable[str] = ()
) -> pa.Table:
    """The contract's columns, in contract order and types; a missing or extra column is a bug."""
    target = schema(table, string_columns)
    if set(columns) != set(target.names):
        raise ValueError(f"{table}: columns {sorted(columns)} differ from the contract {target.names}")
    arrays = [_cast(columns[f.name], f.type) for f in target]
    return pa.Table.from_arrays(arrays, schema=target)


def _cast(array: pa.Array, target: pa.DataType) -> pa.Array:
    if array.type == target:
        return array
    if pa.types.is_string(target) and pa.types.is_timestamp(array.type):
        return pc.strftime(array, format="%Y-%m-%d %H:%M:%S")
    return pc.cast(array, target)


def file_path(out: Path, table: str, fmt: str, drop_name: str | None) -> Path:
    """`<out>/<table>.<fmt>`, or `<out>/<table>/<drop_name>.<fmt>` for a new drop into a folder."""
    if drop_name:
        return out / table / f"{drop_name}.{fmt}"
    return out / f"{table}.{fmt}"


class TableWriter:
    """Writes one raw table, chunk by chunk, then renames the finished file into place."""

    def __init__(self, path: Path, table_schema: pa.Schema, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.fmt, self.rows = path, fmt, 0
        self._tmp = path.with_name(f".{path.name}.tmp")
        if fmt == "parquet":
            self._schema = table_schema
            self._writer: pq.ParquetWriter | pa_csv.CSVWriter = pq.ParquetWriter(
                self._tmp, table_schema, compression="zstd"
            )
        else:
            # Whole seconds in CSV: ISO timestamps without a fractional part.
            self._schema = pa.schema(
                [
                    pa.field(f.name, pa.timestamp("s")) if pa.types.is_timestamp(f.type) else f
                    for f in table_schema
                ]
            )
            self._writer = pa_csv.CSVWriter(
                self._tmp, self._schema, write_options=pa_csv.WriteOptions(quoting_style="needed")
            )

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.cast(self._schema))
            self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
