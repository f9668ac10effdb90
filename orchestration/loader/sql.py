"""Quoting of identifiers and values in the SQL the loader writes (DuckDB and PostgreSQL alike)."""

from __future__ import annotations

from datetime import datetime


def ident(identifier: str) -> str:
    """A quoted identifier: `"name"`."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted string literal: `'value'`."""
    return "'" + value.replace("'", "''") + "'"


def timestamp_literal(value: datetime) -> str:
    """A timestamp literal of a naive (UTC) datetime."""
    return f"timestamp '{value.isoformat(sep=' ')}'"
