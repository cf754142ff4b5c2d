"""Read paths of the postal app: a dossier's orders, what the desk page shows."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.core.text import vnd
from motcua.dossiers.models import Dossier, Status
from motcua.postal.models import PostalEvent, PostalOrder


def orders_of(dossier: Dossier) -> list[PostalOrder]:
    orders = list(
        PostalOrder.objects.filter(dossier=dossier)
        .select_related("unit__parent")
        .order_by("created_at", "id")
    )
    events: dict[int, list[PostalEvent]] = {}
    for event in PostalEvent.objects.filter(order__in=orders).order_by("occurred_at", "id"):
        events.setdefault(event.order_id, []).append(event)
    for order in orders:
        order.event_list = events.get(order.pk, [])
        order.fee_text = vnd(order.fee_vnd)
    return orders


def travelling(dossier: Dossier) -> PostalOrder | None:
    return (
        PostalOrder.objects.filter(
            dossier=dossier,
            direction=PostalOrder.Direction.OUTBOUND,
            status__in=PostalOrder.TRAVELLING,
        )
        .order_by("-id")
        .first()
    )


def parcel_travelling_message(dossier: Dossier) -> str:
    """The return guard (see dossiers.services.register_return_guard): a parcel on its
    way is returned by the operator's delivery event, not by hand. Only a dossier whose
    result is issued can have one: no query for the others (queues, lists)."""
    if dossier.status != Status.DONE:
        return ""
    order = travelling(dossier)
    if order is None:
        return ""
    return (
        f"Kết quả đang được gửi qua bưu chính (mã vận đơn {order.tracking_number or 'đang cấp'},"
        f" {order.status_label.lower()}): hồ sơ chỉ được đánh dấu đã trả khi bưu điện báo đã "
        "phát, hoặc xử lý lại khi bưu điện chuyển hoàn."
    )


def open_orders() -> QuerySet[PostalOrder]:
    """Orders the operator has accepted and not finished: what polling asks about."""
    return PostalOrder.objects.filter(
        status__in=[
            PostalOrder.Status.CREATED,
            PostalOrder.Status.PICKED_UP,
            PostalOrder.Status.IN_TRANSIT,
        ],
        tracking_number__isnull=False,
    ).order_by("id")


def unmatched_events() -> QuerySet[PostalEvent]:
    return PostalEvent.objects.filter(outcome=PostalEvent.Outcome.UNMATCHED).order_by("-id")


def desk_panel(user, dossier: Dossier) -> dict | None:
    """What the desk's dossier page shows about the post: the orders with their events,
    whether the officer may send the result now, and the latest return to sender."""
    from motcua.dossiers import policy
    from motcua.dossiers.models import ReturnMethod

    orders = orders_of(dossier)
    if not orders and dossier.return_channel != ReturnMethod.POST:
        return None
    outbound = [o for o in orders if o.direction == PostalOrder.Direction.OUTBOUND]
    latest = outbound[-1] if outbound else None
    return {
        "orders": orders,
        "can_send": dossier.status == Status.DONE
        and dossier.return_channel == ReturnMethod.POST
        and not any(o.travelling for o in outbound)
        and policy.allowed(user, dossier, "return_result"),
        "returned": latest
        if latest is not None and latest.status == PostalOrder.Status.RETURNED
        else None,
        "travelling": parcel_travelling_message(dossier),
        "refused": latest
        if latest is not None and latest.status == PostalOrder.Status.REFUSED
        else None,
    }
