"""Scheduled work of the notify app (run by the worker through motcua.core.jobs)."""

from __future__ import annotations

from motcua.notify import services


def overdue_digest() -> int:
    return services.overdue_digest()
