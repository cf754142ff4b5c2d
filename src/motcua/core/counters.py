"""Atomic increments of summary rows, inside the caller's transaction (one upsert each).

A transition moves up to six such rows (dossiers.stats and the apps' hooks): inside
`batched()` the upserts are collected and sent together when the block ends, on
PostgreSQL as one round trip of several statements (the rows and their order are the
same; nothing in the block reads these rows back)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import connection

_pending = threading.local()  # .statements: list of (sql, params) while batched


def _statement(table: str, keys: Mapping[str, Any], deltas: Mapping[str, int]) -> str:
    cols = [*keys, *deltas]
    placeholders = ", ".join(["%s"] * len(cols))
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in deltas)
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


def increment(table: str, keys: Mapping[str, Any], deltas: Mapping[str, int]) -> None:
    """INSERT the row with `deltas` as values, or add `deltas` to the existing row.

    Table and column names come from model metadata in our own code, never from input.
    """
    sql = _statement(table, keys, deltas)
    params = [*keys.values(), *deltas.values()]
    statements = getattr(_pending, "statements", None)
    if statements is not None:
        statements.append((sql, params))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _together() -> bool:
    # psycopg's client-side binding (Django's default) takes several statements with
    # parameters in one execute; server-side binding and SQLite take one at a time.
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")


@contextmanager
def batched() -> Iterator[None]:
    """Increments inside the block are executed, in order, when it ends without an
    error (on an error they are dropped: the caller's transaction is rolled back)."""
    if getattr(_pending, "statements", None) is not None:
        yield  # an enclosing batch sends them
        return
    _pending.statements = statements = []
    try:
        yield
    finally:
        _pending.statements = None
    if not statements:
        return
    with connection.cursor() as cursor:
        if _together() and len(statements) > 1:
            cursor.execute(
                "; ".join(sql for sql, _ in statements),
                [p for _, params in statements for p in params],
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
