"""Atomic increments of summary rows, inside the caller's transaction (one upsert each)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection


def increment(table: str, keys: Mapping[str, Any], deltas: Mapping[str, int]) -> None:
    """INSERT the row with `deltas` as values, or add `deltas` to the existing row.

    Table and column names come from model metadata in our own code, never from input.
    """
    cols = [*keys, *deltas]
    placeholders = ", ".join(["%s"] * len(cols))
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in deltas)
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys.values(), *deltas.values()])
