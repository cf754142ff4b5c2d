"""The index's counters (IndexMonthStats), moved in the transaction of what they count.

Dossier transitions arrive through dossiers.stats.TRANSITION_HOOKS. The other apps call
the public functions below from their own services, inside the transaction that records
the fact, once per fact:

- payments:  ``record_online_payment(dossier)`` when a dossier's financial obligation was
  paid online (the online payment group);
- feedback:  ``record_rating(dossier, satisfied=...)`` when the applicant rates a dossier
  (the national portal's criteria reduced to satisfied or not), ``record_complaint(dossier)``
  when a complaint (phản ánh, kiến nghị) concerns a dossier, and
  ``record_feedback_answered(agency_id, received_at, on_time=...)`` when a feedback item
  is answered (on time = within its legal limit, 15 working days); and
  ``adjust_satisfaction(dossier, ...)`` when a dossier already counted changes its verdict.

Each of them also declares its data feed (DataFeed): before the first call, the indicators
that need it show "không có dữ liệu", never 0 %.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from motcua.core.counters import increment
from motcua.dossiers.models import Dossier, Event, ReturnMethod
from motcua.dossiers.stats import month_of
from motcua.serviceindex.models import DataFeed, IndexMonthStats

TABLE = IndexMonthStats._meta.db_table


def _add(dossier: Dossier, **deltas: int) -> None:
    if dossier.received_at is None:
        return  # never received: outside the index, like the on-time statistic
    increment(
        TABLE, {"agency_id": dossier.agency_id, "month": month_of(dossier.received_at)}, deltas
    )


def declare_feed(key: str) -> None:
    DataFeed.objects.get_or_create(key=key)


def on_transition(dossier: Dossier, action: str, from_status: str) -> None:
    if action == "receive":
        if dossier.channel == "online":
            _add(dossier, online=1)
    elif action == "return_result":
        _add(dossier, returned=1, returned_online=int(dossier.return_method == ReturnMethod.ONLINE))
    elif (
        action == "request_payment"
        # One dossier asked to pay counts once, however many requests it had; this
        # request's own event is already written.
        and Event.objects.filter(dossier_id=dossier.pk, action="request_payment").count() == 1
    ):
        _add(dossier, payment_due=1)


def record_online_payment(dossier: Dossier) -> None:
    """The dossier's financial obligation was paid online (call once per dossier)."""
    declare_feed(DataFeed.Key.PAYMENT)
    _add(dossier, paid_online=1)


def on_payment_completed(*, payment, dossier: Dossier, online: bool) -> None:
    """Hook of motcua.payments: a dossier's fees are paid; online ones count for the index,
    once per dossier however many payment requests it had (like `payment_due`)."""
    if (
        online
        and type(payment)
        .objects.filter(
            dossier_id=dossier.pk, method=payment.Method.ONLINE, status=payment.Status.PAID
        )
        .count()
        == 1
    ):
        record_online_payment(dossier)


def record_rating(dossier: Dossier, *, satisfied: bool) -> None:
    """The applicant rated the dossier's service (call once per dossier)."""
    declare_feed(DataFeed.Key.RATING)
    _add(dossier, rated=1, rated_negative=int(not satisfied))


def record_complaint(dossier: Dossier) -> None:
    """A complaint about this dossier was received (call once per dossier)."""
    declare_feed(DataFeed.Key.RATING)
    _add(dossier, complained=1)


def record_feedback_answered(agency_id: int, received_at: dt.datetime, *, on_time: bool) -> None:
    """A feedback item addressed to the agency, received at `received_at`, was answered."""
    declare_feed(DataFeed.Key.FEEDBACK)
    increment(
        TABLE,
        {"agency_id": agency_id, "month": month_of(received_at)},
        {"feedback": 1, "feedback_on_time": int(on_time)},
    )


def adjust_satisfaction(dossier: Dossier, *, rated_negative: int = 0, complained: int = 0) -> None:
    """A dossier already counted changed its verdict: its rating was changed (negative ↔
    satisfied), or its complaint is now covered by a negative rating (or no longer). Moves
    the counters by ±1 so that the dossier stays counted once."""
    pairs = (("rated_negative", rated_negative), ("complained", complained))
    if dossier.received_at is None:
        return
    up = {name: delta for name, delta in pairs if delta > 0}
    down = {name: F(name) + delta for name, delta in pairs if delta < 0}
    if up:
        _add(dossier, **up)
    if down:
        # An UPDATE, not the upsert: the row exists (the dossier was counted into it), and
        # the upsert's VALUES row would break the column's non-negative check.
        IndexMonthStats.objects.filter(
            agency_id=dossier.agency_id, month=month_of(dossier.received_at)
        ).update(**down)
