"""Small query helpers shared by the apps' selectors and services."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one_or_none(qs: QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key, or None. Unlike .first() it adds no ORDER BY:
    on the hot read paths compiling the model's default ordering was a measurable share
    of the request's CPU, and a unique key needs none."""
    return next(iter(qs.order_by()[:1]), None)
