"""Row-by-row comparison of one table on two engines, for the cross-engine tests (PostgreSQL, Spark).

Rows are compared as multisets: decimals by value (7.00 equals 7.000000), floating-point values
rounded to FLOAT_DECIMALS places, since engines may add up floats in another order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

FLOAT_DECIMALS = 9  # floats (ratios, shares) compared after rounding to this many decimal places


def normalised(rows: Iterable[Iterable[Any]]) -> Counter:
    """Rows as a multiset of tuples, floats rounded (and -0.0 made 0.0)."""
    def value(v: Any) -> Any:
        return round(v, FLOAT_DECIMALS) + 0.0 if isinstance(v, float) else v
    return Counter(tuple(value(v) for v in row) for row in rows)


def difference(
    table: str, columns: list[str], reference: Counter, other: Counter, engines: tuple[str, str]
) -> str | None:
    """None when both engines hold the same rows, else a short account of the rows that differ."""
    if reference == other:
        return None
    only_reference, only_other = reference - other, other - reference
    return (
        f"{table} ({', '.join(columns)}): {sum(only_reference.values())} rows only on {engines[0]}, "
        f"e.g. {list(only_reference.elements())[:2]}; {sum(only_other.values())} only on {engines[1]}, "
        f"e.g. {list(only_other.elements())[:2]}"
    )
