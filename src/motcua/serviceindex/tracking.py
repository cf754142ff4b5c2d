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

from django.db import connection
from django.db.models import F
from django.utils import timezone

from motcua.core.counters import increment
from motcua.core.models import OutboxMessage
from motcua.core.prepared import Prepared
from motcua.dossiers import stats
from motcua.dossiers.models import Attachment, Dossier, Event, ReturnMethod
from motcua.dossiers.stats import OPEN_AFTER_RECEIPT, month_of
from motcua.serviceindex.models import ALWAYS_LATE, DataFeed, IndexMonthStats, OpenDueCount

TABLE = IndexMonthStats._meta.db_table
OPEN_TABLE = OpenDueCount._meta.db_table


def _add(dossier: Dossier, **deltas: int) -> None:
    if dossier.received_at is None:
        return  # never received: outside the index, like the on-time statistic
    increment(
        TABLE, {"agency_id": dossier.agency_id, "month": month_of(dossier.received_at)}, deltas
    )


def declare_feed(key: str) -> None:
    DataFeed.objects.get_or_create(key=key)


def due_bucket(state: stats.State | Dossier) -> tuple[int, dt.date, dt.date] | None:
    """(agency, month of receipt, due day) of an open dossier in OpenDueCount, or None for
    one not counted there (not received, closed, or waiting on a clock stopped in time).
    The rule is dossiers.stats.is_on_time's: the due day is when it turns late."""
    if state.status not in OPEN_AFTER_RECEIPT or state.received_at is None:
        return None
    due = stats.deadline(state)
    end = state.paused_at if state.paused_at is not None else state.finished_at
    if due is None or stats.too_many_supplements(state):
        day = ALWAYS_LATE
    elif end is not None:
        if end <= due:
            return None  # the clock stopped in time: on time while it stays stopped
        day = ALWAYS_LATE
    else:
        day = timezone.localtime(due).date()
    return (state.agency_id, month_of(state.received_at), day)


def _move_open(dossier: Dossier) -> None:
    """Move the dossier from the due-day row of its state before the transition to the one
    of its state now (same row: nothing to do)."""
    before = stats.state_before(dossier)
    old = due_bucket(before) if before is not None else None
    new = due_bucket(dossier)
    if old == new:
        return
    if old is not None:
        agency, month, day = old
        with connection.cursor() as cursor:
            # An emptied row goes: the pages sum every row of a period.
            cursor.execute(
                f"UPDATE {OPEN_TABLE} SET count = count - 1 "  # noqa: S608 - our table name
                "WHERE agency_id = %s AND month = %s AND due_day = %s",
                [agency, month, day],
            )
            cursor.execute(
                f"DELETE FROM {OPEN_TABLE} "  # noqa: S608
                "WHERE agency_id = %s AND month = %s AND due_day = %s AND count <= 0",
                [agency, month, day],
            )
    if new is not None:
        agency, month, day = new
        increment(OPEN_TABLE, {"agency_id": agency, "month": month, "due_day": day}, {"count": 1})


# Asked at every receipt and return: compiled once (core.prepared).
_FILE_OF_KIND = Prepared(
    "serviceindex.file_of_kind",
    lambda dossier, kind: (
        Attachment.objects.filter(dossier_id=dossier, kind=kind).order_by().values_list("pk")[:1]
    ),
    dossier=int,
    kind=str,
)


def _has_file(dossier: Dossier, kind: str) -> bool:
    # The dossier's files, when the transition already read them (services.receive).
    known = getattr(dossier, "_prefetched_objects_cache", {}).get("attachments")
    if known is not None:
        return any(a.kind == kind for a in known)
    return bool(_FILE_OF_KIND.all(dossier=dossier.pk, kind=kind))


def on_transition(dossier: Dossier, action: str, from_status: str) -> None:
    _move_open(dossier)
    if action == "receive":
        _add(
            dossier,
            online=int(dossier.channel == "online"),
            digitised=int(_has_file(dossier, Attachment.Kind.APPLICATION)),
        )
    elif action == "return_result":
        _add(
            dossier,
            returned=1,
            returned_online=int(dossier.return_method == ReturnMethod.ONLINE),
            digitised_results=int(_has_file(dossier, Attachment.Kind.RESULT)),
        )
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


def carries_receipt(payload: dict) -> bool:
    """A dvcqg.status message that shows the dossier as received (the portal then holds
    its record as received)."""
    dossier = payload.get("dossier") if isinstance(payload, dict) else None
    return isinstance(dossier, dict) and bool(dossier.get("received_at"))


def on_status_delivered(message: OutboxMessage) -> None:
    """Hook of motcua.dvcqg: the national portal accepted a dossier's status message (we are
    in the transaction that marks it delivered). A received dossier counts as synced once,
    with the first accepted message that carries it as received."""
    declare_feed(DataFeed.Key.SYNC)
    if not carries_receipt(message.payload) or not message.ordering_key:
        return
    earlier = OutboxMessage.objects.filter(
        ordering_key=message.ordering_key,
        id__lt=message.pk,
        status=OutboxMessage.Status.DELIVERED,
    ).values_list("payload", flat=True)
    if any(carries_receipt(p) for p in earlier):
        return
    code = message.payload["dossier"].get("code") or message.payload.get("code")
    dossier = Dossier.objects.filter(code=code).only("agency_id", "received_at").first()
    if dossier is not None:
        _add(dossier, synced=1)
