"""Every API list has a largest page: an unbounded `limit` made one request read a whole
table, and a `limit` past the database's integer range answered 500."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination

MAX_PAGE_SIZE = 200


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    # DRF clamps `limit` to max_limit; an `offset` past the end (however large) gives an
    # empty page without a query, and a non-number falls back to 0.
    max_limit = MAX_PAGE_SIZE
