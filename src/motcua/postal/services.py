"""Every change of the postal app. One transaction each: the order, its audit entry, the
dossier's event (through motcua.dossiers.services) and the outbox message to the operator.

The operator's events arrive by webhook or polling and go through `ingest`, which is
idempotent (an event key seen before changes nothing), keeps events for unknown orders
(matched when an order gets that tracking number), and never moves an order backwards
(an event that arrives after a later one is kept, not applied).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status as http_status

from motcua.catalog.models import AdministrativeUnit
from motcua.core import audit, outbox, text
from motcua.core.problems import DomainError, IllegalTransition, InvalidInput
from motcua.dossiers import policy
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, ReturnMethod, Status
from motcua.postal import operator as ops
from motcua.postal.models import PostalEvent, PostalOrder

TOPIC = "postal.create_order"
DEFAULT_WEIGHT_GRAMS = 200  # an envelope with the result papers


class PostalUnavailable(DomainError):
    status_code = http_status.HTTP_503_SERVICE_UNAVAILABLE

    def __init__(self, message: str) -> None:
        super().__init__(message, code="postal_unavailable")


# --- addresses and quotes ---------------------------------------------------------------


def commune(code: str) -> AdministrativeUnit:
    """The commune (xã, phường, đặc khu) of that code, checked against the administrative
    units: a province or an unknown code is refused in Vietnamese."""
    unit = (
        AdministrativeUnit.objects.select_related("parent").filter(code=(code or "")[:16]).first()
    )
    if unit is None:
        raise InvalidInput(
            f"Không có đơn vị hành chính mã “{(code or '')[:16]}”.",
            code="unknown_administrative_unit",
        )
    if unit.parent_id is None:
        raise InvalidInput(
            f"{unit.name} là tỉnh, thành phố: cần chọn xã, phường nhận kết quả.",
            code="return_unit_not_commune",
        )
    return unit


def _province(unit: AdministrativeUnit) -> AdministrativeUnit:
    while unit.parent_id is not None:
        unit = unit.parent
    return unit


def recipient_of(dossier: Dossier) -> ops.Party:
    unit = dossier.return_unit
    province = _province(unit)
    return ops.Party(
        name=dossier.applicant_name,
        address=dossier.return_address,
        commune_code=unit.code,
        commune_name=unit.name,
        province_code=province.code,
        province_name=province.name,
        phone=dossier.applicant_phone,
    )


def sender_of(dossier: Dossier) -> ops.Party:
    agency = dossier.agency
    unit = agency.unit
    province = _province(unit) if unit is not None else None
    is_commune = unit is not None and unit.parent_id is not None
    return ops.Party(
        name=agency.name,
        address=agency.address or agency.name,
        commune_code=unit.code if is_commune else "",
        commune_name=unit.name if is_commune else "",
        province_code=province.code if province else (dossier.province_code or ""),
        province_name=province.name if province else "",
    )


@dataclass(frozen=True)
class QuoteAnswer:
    unit: AdministrativeUnit
    province: AdministrativeUnit
    quote: ops.Quote
    operator: str


def quote(unit_code: str, sender_province: str = "", weight_grams: int = 0) -> QuoteAnswer:
    """The operator's fee for sending a result to that commune (asked live: the tariff is
    the operator's). Unknown unit: InvalidInput; operator unreachable: PostalUnavailable."""
    unit = commune(unit_code)
    province = _province(unit)
    party = ops.Party("", "", unit.code, unit.name, province.code, province.name)
    try:
        operator = ops.get_operator()
        answer = operator.quote(
            sender_province or province.code, party, weight_grams or DEFAULT_WEIGHT_GRAMS
        )
    except ops.OperatorError as exc:
        raise PostalUnavailable(
            "Chưa lấy được cước phí từ bưu điện; cước phí sẽ được báo khi gửi kết quả."
        ) from exc
    return QuoteAnswer(unit, province, answer, operator.title or operator.name)


# --- outbound orders --------------------------------------------------------------------


@transaction.atomic
def create_outbound_order(dossier: Dossier, actor, note: str = "") -> PostalOrder:
    """The desk sends the issued result by post to the address the applicant chose: the
    order is written here and leaves through the outbox (the operator's tracking number
    comes back on delivery of the message)."""
    dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
    policy.require(actor, dossier, "return_result")
    if dossier.status != Status.DONE:
        raise IllegalTransition(
            f"Chỉ gửi kết quả qua bưu chính khi hồ sơ đã xử lý xong (hồ sơ đang ở trạng thái "
            f"“{Status(dossier.status).label}”).",
            from_status=dossier.status,
            action="postal_dispatch",
        )
    if dossier.return_channel != ReturnMethod.POST or dossier.return_unit_id is None:
        raise IllegalTransition(
            "Người nộp không đăng ký nhận kết quả qua bưu chính: trước hết thay đổi hình thức "
            "nhận kết quả (kèm địa chỉ) theo yêu cầu của người nộp.",
            from_status=dossier.status,
            action="postal_dispatch",
        )
    previous = PostalOrder.objects.filter(dossier=dossier, direction=PostalOrder.Direction.OUTBOUND)
    if previous.filter(status__in=PostalOrder.TRAVELLING).exists():
        raise IllegalTransition(
            "Kết quả của hồ sơ này đang được gửi qua bưu chính.",
            from_status=dossier.status,
            action="postal_dispatch",
        )
    order = PostalOrder.objects.create(
        dossier=dossier,
        direction=PostalOrder.Direction.OUTBOUND,
        reference=f"{dossier.code}-BC{previous.count() + 1}",
        operator=_operator_name(),
        recipient_name=dossier.applicant_name,
        recipient_phone=dossier.applicant_phone,
        address=dossier.return_address,
        unit=dossier.return_unit,
        created_by=actor,
        province_code=dossier.province_code,
    )
    outbox.enqueue(
        TOPIC,
        key=f"postal:{order.reference}",
        payload={"order_id": order.pk, "reference": order.reference},
        ordering_key=f"postal:{dossier.code}",
    )
    audit.record(
        "postal.create_order",
        "postal_order",
        order.reference,
        actor=actor,
        data={"dossier": dossier.code, "address": order.address, "unit": dossier.return_unit.code},
    )
    dossier_services.note_postal_dispatch(
        dossier, actor, order.reference, note=text.clean_text(note or "", multiline=True)
    )
    return order


def _operator_name() -> str:
    return settings.MOTCUA_POSTAL_OPERATOR[:32]


def order_request(order: PostalOrder) -> ops.OrderRequest:
    dossier = order.dossier
    return ops.OrderRequest(
        reference=order.reference,
        sender=sender_of(dossier),
        recipient=recipient_of(dossier),
        content=f"Kết quả giải quyết thủ tục hành chính – hồ sơ {dossier.code}",
        weight_grams=DEFAULT_WEIGHT_GRAMS,
    )


@transaction.atomic
def record_created(order_id: int, created: ops.CreatedOrder) -> PostalOrder:
    """The operator accepted the order: its tracking number and fee. Events that arrived
    for that tracking number before (unmatched) are applied now, in their order."""
    order = PostalOrder.objects.select_for_update().get(pk=order_id)
    if order.tracking_number:
        return order  # the answer of a redelivery: the order is the same
    order.tracking_number = created.tracking_number
    order.fee_vnd = created.fee_vnd
    if order.status == PostalOrder.Status.PENDING:
        order.status = PostalOrder.Status.CREATED
    order.save()
    audit.record(
        "postal.order_created",
        "postal_order",
        order.reference,
        data={"tracking_number": order.tracking_number, "fee_vnd": order.fee_vnd},
    )
    for event in PostalEvent.objects.filter(
        tracking_number=order.tracking_number, outcome=PostalEvent.Outcome.UNMATCHED
    ).order_by("occurred_at", "id"):
        event.order = order
        _apply(order, event)
    return order


@transaction.atomic
def record_refused(order_id: int, reason: str) -> PostalOrder:
    """The operator refused the order (wrong content): the desk sees why and may send
    again after correcting the address."""
    order = PostalOrder.objects.select_for_update().get(pk=order_id)
    if order.status != PostalOrder.Status.PENDING:
        return order
    order.status = PostalOrder.Status.REFUSED
    order.note = reason[:500]
    order.save()
    audit.record("postal.order_refused", "postal_order", order.reference, data={"reason": reason})
    return order


# --- events from the operator -----------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    event: PostalEvent
    duplicate: bool

    @property
    def matched(self) -> bool:
        return self.event.order_id is not None


def ingest(events: list[ops.Event], source: str, operator: str = "") -> list[Ingested]:
    """Record and apply the operator's events, each in its own transaction."""
    operator = operator or _operator_name()
    return [_ingest_one(event, source, operator) for event in events]


def _ingest_one(event: ops.Event, source: str, operator: str) -> Ingested:
    key = f"{operator}:{event.event_id}"[:140]
    try:
        with transaction.atomic():
            existing = PostalEvent.objects.select_for_update().filter(key=key).first()
            if existing is not None:
                existing.times_received += 1
                existing.save(update_fields=["times_received"])
                return Ingested(existing, True)
            order = (
                PostalOrder.objects.select_for_update()
                .filter(tracking_number=event.tracking_number)
                .first()
            )
            row = PostalEvent(
                key=key,
                order=order,
                tracking_number=event.tracking_number,
                kind=event.kind,
                occurred_at=event.occurred_at,
                note=text.clean_text(event.note or "")[:500],
                outcome=PostalEvent.Outcome.UNMATCHED,
                source=source,
                raw=event.raw,
            )
            if order is None:
                row.save()
                audit.record(
                    "postal.event_unmatched",
                    "postal_event",
                    key,
                    data={"tracking_number": event.tracking_number, "kind": event.kind},
                )
                return Ingested(row, False)
            _apply(order, row)
            return Ingested(row, False)
    except IntegrityError:
        # The same event received twice at once: the other request recorded it.
        with transaction.atomic():
            existing = PostalEvent.objects.select_for_update().get(key=key)
            existing.times_received += 1
            existing.save(update_fields=["times_received"])
            return Ingested(existing, True)


_KIND_STATUS = {
    PostalEvent.Kind.PICKED_UP: PostalOrder.Status.PICKED_UP,
    PostalEvent.Kind.IN_TRANSIT: PostalOrder.Status.IN_TRANSIT,
    PostalEvent.Kind.DELIVERED: PostalOrder.Status.DELIVERED,
    PostalEvent.Kind.RETURNED: PostalOrder.Status.RETURNED,
}


def _apply(order: PostalOrder, event: PostalEvent) -> None:
    """Inside the caller's transaction, the order locked. Times are kept whatever the
    order; the status only moves forward, and a final status is never replaced."""
    target = _KIND_STATUS[event.kind]
    if event.kind == PostalEvent.Kind.PICKED_UP and order.handed_over_at is None:
        order.handed_over_at = event.occurred_at
    forward = (
        order.status not in PostalOrder.FINAL
        and PostalOrder.RANK[target] > PostalOrder.RANK[order.status]
    )
    event.outcome = PostalEvent.Outcome.APPLIED if forward else PostalEvent.Outcome.STALE
    event.save()
    if forward:
        order.status = target
        if target == PostalOrder.Status.DELIVERED:
            order.delivered_at = event.occurred_at
        elif target == PostalOrder.Status.RETURNED:
            order.returned_at = event.occurred_at
            order.note = event.note[:500]
    order.save()
    audit.record(
        "postal.event",
        "postal_order",
        order.reference,
        data={"event": event.key, "kind": event.kind, "outcome": event.outcome},
    )
    if not forward or order.direction != PostalOrder.Direction.OUTBOUND:
        return
    dossier = order.dossier
    if target == PostalOrder.Status.DELIVERED and dossier.status == Status.DONE:
        dossier_services.return_by_post(
            dossier,
            delivered_at=event.occurred_at,
            tracking_number=order.tracking_number or "",
            note=f"Bưu điện đã phát thành công (mã vận đơn {order.tracking_number})."
            + (f" {event.note}" if event.note else ""),
        )
    elif target == PostalOrder.Status.RETURNED:
        dossier_services.note_postal_return(
            dossier,
            tracking_number=order.tracking_number or "",
            reason=f"Bưu điện chuyển hoàn (mã vận đơn {order.tracking_number}): "
            + (event.note or "không phát được cho người nhận")
            + ". Liên hệ người nộp để gửi lại hoặc trả tại bộ phận một cửa.",
        )


# --- polling ----------------------------------------------------------------------------


@dataclass
class PollReport:
    orders: int = 0
    events: int = 0
    new: int = 0
    failed: int = 0

    def summary(self) -> str:
        return (
            f"{self.orders} đơn đang gửi đã tra cứu, {self.events} sự kiện "
            f"({self.new} mới), {self.failed} lần tra cứu lỗi"
        )


def poll(limit: int = 500) -> PollReport:
    """Ask the operator about every open order: the events a lost webhook call did not
    bring come this way (the same event by both ways is one)."""
    from motcua.postal import selectors

    report = PollReport()
    operator = ops.get_operator()
    for order in selectors.open_orders()[:limit]:
        report.orders += 1
        try:
            events = operator.track(order.tracking_number)
        except ops.OperatorError:
            report.failed += 1
            continue
        report.events += len(events)
        results = ingest(events, PostalEvent.Source.POLL, operator.name)
        report.new += sum(1 for r in results if not r.duplicate)
    return report


def scheduled_poll() -> str:
    """The worker's schedule: nothing to do while no operator is configured."""
    if not settings.MOTCUA_POSTAL_URL:
        return "MOTCUA_POSTAL_URL not set"
    return poll().summary()


# --- inbound: paper dossiers sent in by post --------------------------------------------


def normalise_tracking_number(value: str) -> str:
    tracking = "".join(text.clean_text(value or "").split()).upper()
    if not tracking or len(tracking) > 40 or not tracking.isalnum() or not tracking.isascii():
        raise InvalidInput(
            "Mã vận đơn không hợp lệ (chỉ gồm chữ cái và chữ số, tối đa 40 ký tự).",
            code="invalid_tracking_number",
        )
    return tracking


def free_tracking_number(value: str) -> str:
    """The tracking number normalised, refused when another order already has it."""
    tracking = normalise_tracking_number(value)
    if PostalOrder.objects.filter(tracking_number=tracking).exists():
        raise InvalidInput(
            f"Mã vận đơn {tracking} đã gắn với một hồ sơ khác.", code="tracking_number_taken"
        )
    return tracking


@transaction.atomic
def attach_inbound(
    dossier: Dossier, tracking_number: str, actor, handed_over_at: dt.datetime | None = None
) -> PostalOrder:
    """The parcel in which the applicant sent a paper dossier: its tracking number kept
    with the dossier (the handover time is the dossier's legal submission time). The same
    parcel attached again to the same dossier (a repeated request) is the same order."""
    tracking = normalise_tracking_number(tracking_number)
    same = PostalOrder.objects.filter(
        dossier=dossier, direction=PostalOrder.Direction.INBOUND, tracking_number=tracking
    ).first()
    if same is not None:
        return same
    free_tracking_number(tracking)
    count = PostalOrder.objects.filter(dossier=dossier).count()
    order = PostalOrder.objects.create(
        dossier=dossier,
        direction=PostalOrder.Direction.INBOUND,
        reference=f"{dossier.code}-BD{count + 1}",
        operator=_operator_name(),
        recipient_name=dossier.agency.name,
        address=dossier.agency.address,
        tracking_number=tracking,
        status=PostalOrder.Status.DELIVERED,
        handed_over_at=handed_over_at or dossier.submitted_at,
        delivered_at=timezone.now(),
        created_by=actor,
        province_code=dossier.province_code,
    )
    audit.record(
        "postal.attach_inbound",
        "postal_order",
        order.reference,
        actor=actor,
        data={"dossier": dossier.code, "tracking_number": tracking},
    )
    for event in PostalEvent.objects.filter(
        tracking_number=tracking, outcome=PostalEvent.Outcome.UNMATCHED
    ):
        event.order = order
        event.outcome = PostalEvent.Outcome.STALE
        event.save(update_fields=["order", "outcome"])
    return order
