"""core.counters: increments inside batched() write the same rows as one at a time, in
one round trip on PostgreSQL, and none when the block fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from motcua.core.counters import batched, increment
from motcua.dossiers.models import AgencyMonthStats, AgencyStatusCount

pytestmark = pytest.mark.django_db

STATUS = AgencyStatusCount._meta.db_table
MONTH = AgencyMonthStats._meta.db_table
MAY = dt.date(2026, 5, 1)


def _moves(agency: int) -> None:
    increment(STATUS, {"agency_id": agency, "status": "submitted"}, {"count": 1})
    increment(STATUS, {"agency_id": agency, "status": "submitted"}, {"count": -1})
    increment(STATUS, {"agency_id": agency, "status": "received"}, {"count": 1})
    increment(MONTH, {"agency_id": agency, "month": MAY}, {"received": 1, "finished": 2})
    increment(MONTH, {"agency_id": agency, "month": MAY}, {"finished": 1})


def _rows(agency: int) -> tuple[list, list]:
    return (
        sorted(AgencyStatusCount.objects.filter(agency_id=agency).values_list("status", "count")),
        list(
            AgencyMonthStats.objects.filter(agency_id=agency).values_list(
                "month", "received", "finished"
            )
        ),
    )


def test_batched_increments_write_what_single_ones_write(world, django_assert_num_queries):
    one, other = world.dept.pk, world.other_dept.pk
    _moves(one)
    sent = django_assert_num_queries(1 if connection.vendor == "postgresql" else 5)
    # Nothing is sent before the block ends; an inner batch leaves them to the outer one.
    with sent, batched(), django_assert_num_queries(0):
        _moves(other)
        with batched():
            pass
    assert _rows(one) == _rows(other)
    assert _rows(other) == ([("received", 1), ("submitted", 0)], [(MAY, 1, 3)])


def test_a_failed_block_sends_nothing(world, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(ZeroDivisionError), batched():
        _moves(world.dept.pk)
        1 / 0  # noqa: B018
    assert _rows(world.dept.pk) == ([], [])
    _moves(world.dept.pk)  # and the next increments are not held back
    assert _rows(world.dept.pk)[0] == [("received", 1), ("submitted", 0)]
