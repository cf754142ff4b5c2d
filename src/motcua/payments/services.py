"""Every change to a payment. One transaction each: the payment, the dossier's transition
(through motcua.dossiers.services), the audit entry and any outbox message.

Hook for other apps: `payment_completed` (a Django signal) is sent after the commit of
every payment that completes a dossier's financial obligation, with `payment`, `dossier`
and `online` (True when paid through the platform). The service index connects
`record_online_payment(dossier)` to it, e.g.::

    @receiver(payment_completed)
    def _count(sender, payment, dossier, online, **kw):
        if online:
            record_online_payment(dossier)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from motcua.core import audit, outbox
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.dossiers import policy
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, Event, Status
from motcua.payments import fees, platform
from motcua.payments.models import Payment, PaymentNotification, ReconciliationItem

log = logging.getLogger(__name__)

# Sent on commit when a payment completes a dossier's obligation (see the module's doc).
payment_completed = Signal()
# Called inside the payment's transaction (same arguments as the signal): counters that must
# stay exact with the payment, such as the service index's online-payment count, use this
# instead of the signal, so a crash between commit and signal cannot leave them behind.
COMPLETION_HOOKS: list = []

CANCEL_TOPIC = "payments.cancel"
Outcome = PaymentNotification.Outcome
Kind = ReconciliationItem.Kind
# What the webhook answers for each outcome (the platform retries what is not 2xx).
HTTP_STATUS = {
    Outcome.APPLIED: 200,
    Outcome.DUPLICATE: 200,
    Outcome.IGNORED: 200,
    Outcome.LATE: 200,
    Outcome.FORGED: 401,
    Outcome.MALFORMED: 400,
    Outcome.UNKNOWN_ORDER: 404,
    Outcome.AMOUNT_MISMATCH: 409,
}
# A failed order may be paid later (reordered notifications): still open for payment.
REOPENABLE = (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED)

amount_due = fees.amount_due
fee_lines = fees.fee_lines


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _new_order_id() -> str:
    # Short, unguessable, and sortable by day for the people reading statements.
    return "TT" + timezone.localdate().strftime("%y%m%d") + secrets.token_hex(6).upper()


def _request_event(dossier: Dossier) -> Event:
    event = dossier.events.filter(action="request_payment").order_by("-id").first()
    if event is None or not event.data.get("amount_vnd"):
        raise IllegalTransition(
            f"Hồ sơ {dossier.code} chưa có yêu cầu thực hiện nghĩa vụ tài chính.",
            action="pay",
        )
    return event


def _new_order(dossier: Dossier, event: Event, actor) -> Payment:
    attempt = Payment.objects.filter(dossier=dossier, idempotency_key__startswith=f"{event.pk}:")
    return Payment.objects.create(
        dossier=dossier,
        amount_vnd=event.data["amount_vnd"],
        lines=event.data.get("lines", []),
        method=Payment.Method.ONLINE,
        platform=settings.MOTCUA_PAYMENT_PLATFORM,
        order_id=_new_order_id(),
        idempotency_key=f"{event.pk}:{attempt.count() + 1}",
        created_by=_user(actor),
        province_code=dossier.province_code,
    )


# --- the desk asks, the citizen pays --------------------------------------------------


@transaction.atomic
def request_payment(dossier: Dossier, actor, note: str = "") -> Payment:
    """The dossier waits for its fees (status 6; the clock stops): the amount is what
    the procedure's fee rows say for this dossier, and an online order is made for it."""
    lines = fees.fee_lines(dossier)
    amount = sum(line["amount_vnd"] for line in lines)
    if amount <= 0:
        raise InvalidInput(
            "Thủ tục này không thu phí, lệ phí đối với hồ sơ này: không cần yêu cầu thanh toán.",
            code="no_fee",
        )
    dossier = dossier_services.request_payment(dossier, actor, amount, note=note, lines=lines)
    payment = _new_order(dossier, _request_event(dossier), actor)
    audit.record(
        "payment.order",
        "payment",
        payment.order_id,
        actor=_user(actor),
        data={"dossier": dossier.code, "amount_vnd": amount},
    )
    return payment


def start_checkout(dossier: Dossier, user, *, return_url: str, notify_url: str) -> str:
    """The citizen's address on the platform to pay the dossier's pending order (made
    again after a failed or expired attempt; the same order on a second click)."""
    if not policy.is_owner(user, dossier):
        raise NotAllowed(f"Bạn không có quyền thanh toán cho hồ sơ {dossier.code}.")
    if not platform.enabled():
        raise IllegalTransition(
            "Chưa kết nối nền tảng thanh toán trực tuyến: xin nộp phí tại bộ phận một cửa.",
            action="pay",
        )
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if dossier.status != Status.PAYMENT:
            raise IllegalTransition(
                f"Hồ sơ {dossier.code} không ở trạng thái chờ thực hiện nghĩa vụ tài chính.",
                action="pay",
            )
        payment = Payment.objects.filter(dossier=dossier, status=Payment.Status.PENDING).first()
        if payment is None:
            payment = _new_order(dossier, _request_event(dossier), user)
            audit.record(
                "payment.order",
                "payment",
                payment.order_id,
                actor=_user(user),
                data={"dossier": dossier.code, "amount_vnd": payment.amount_vnd},
            )
    ttl = dt.timedelta(minutes=settings.MOTCUA_PAYMENT_ORDER_TTL_MINUTES)
    return platform.get_platform().checkout_url(
        platform.CheckoutRequest(
            order_id=payment.order_id,
            amount_vnd=payment.amount_vnd,
            description=f"Nộp phí, lệ phí hồ sơ {dossier.code}",
            return_url=return_url,
            notify_url=notify_url,
            expires_at=payment.created_at + ttl,
        )
    )


# --- counter payment -------------------------------------------------------------------


@transaction.atomic
def record_counter_payment(
    dossier: Dossier, actor, method: str, receipt_number: str, note: str = ""
) -> Payment:
    """The applicant paid at the desk (cash or card): recorded like an online payment,
    and the open online order, if any, is cancelled on the platform."""
    if method not in (Payment.Method.CASH, Payment.Method.CARD):
        raise InvalidInput("Hình thức nộp tại quầy không hợp lệ.", code="invalid_method")
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        raise InvalidInput("Vui lòng nhập số biên lai thu phí, lệ phí.", code="receipt_required")
    policy.require(actor, dossier, "confirm_payment")
    # Payments first, then the dossier: the notification path locks in the same order.
    pending = list(
        Payment.objects.select_for_update().filter(dossier=dossier, status=Payment.Status.PENDING)
    )
    event = _request_event(dossier)
    for payment in pending:
        _cancel(payment, actor, "nộp tại quầy")
    payment = Payment(
        dossier=dossier,
        amount_vnd=event.data["amount_vnd"],
        lines=event.data.get("lines", []),
        method=method,
        status=Payment.Status.PAID,
        order_id=_new_order_id(),
        idempotency_key=f"{event.pk}:counter",
        receipt_number=receipt_number[:64],
        paid_amount_vnd=event.data["amount_vnd"],
        paid_at=timezone.now(),
        created_by=_user(actor),
        province_code=dossier.province_code,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        raise IllegalTransition("Khoản phí này đã được ghi nhận.", action="pay") from None
    dossier_services.confirm_payment(
        dossier, actor, note=note, data=_receipt_data(payment), verified_by=""
    )
    audit.record(
        "payment.paid",
        "payment",
        payment.order_id,
        actor=_user(actor),
        data={"dossier": dossier.code, "amount_vnd": payment.amount_vnd, "method": method},
    )
    _signal_on_commit(payment, online=False)
    return payment


def _receipt_data(payment: Payment) -> dict[str, Any]:
    return {
        "order_id": payment.order_id,
        "method": payment.method,
        "amount_vnd": payment.amount_vnd,
        "receipt_number": payment.receipt_number,
        "receipt_url": payment.receipt_url,
    }


def _signal_on_commit(payment: Payment, *, online: bool) -> None:
    for hook in COMPLETION_HOOKS:
        hook(payment=payment, dossier=payment.dossier, online=online)

    def send() -> None:
        payment_completed.send(
            sender=Payment, payment=payment, dossier=payment.dossier, online=online
        )

    transaction.on_commit(send)


def _cancel(payment: Payment, actor, reason: str) -> None:
    """Cancel an open online order here and, through the outbox, on the platform."""
    payment.status = Payment.Status.CANCELLED
    payment.closed_at = timezone.now()
    payment.save(update_fields=["status", "closed_at"])
    if payment.method == Payment.Method.ONLINE and payment.platform:
        outbox.enqueue(
            CANCEL_TOPIC,
            key=f"{CANCEL_TOPIC}:{payment.order_id}",
            payload={"order_id": payment.order_id},
        )
    audit.record(
        "payment.cancel",
        "payment",
        payment.order_id,
        actor=_user(actor),
        data={"dossier": payment.dossier.code, "reason": reason},
    )


# --- what the platform says -----------------------------------------------------------


@dataclass
class Handled:
    outcome: str
    payment: Payment | None = None
    detail: str = ""

    @property
    def status_code(self) -> int:
        return HTTP_STATUS[self.outcome]


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _order_id_of(body: bytes) -> str:
    """The order a notification names, for the record only (it may be forged)."""
    try:
        value = json.loads(body).get("order_id", "")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return ""
    return value[:80] if isinstance(value, str) else ""


def _log(
    digest: str, outcome: str, body: bytes, *, order_id: str, payment=None, source, remote=""
) -> PaymentNotification:
    try:
        with transaction.atomic():
            return PaymentNotification.objects.create(
                digest=digest,
                outcome=outcome,
                body=body.decode("utf-8", "replace")[:20_000],
                order_id=order_id,
                payment=payment,
                source=source,
                remote_addr=remote[:64],
            )
    except IntegrityError:  # the same body at the same moment: one row, counted twice
        PaymentNotification.objects.filter(digest=digest).update(
            times=F("times") + 1, last_seen=timezone.now()
        )
        return PaymentNotification.objects.get(digest=digest)


def _seen(digest: str) -> PaymentNotification | None:
    seen = PaymentNotification.objects.filter(digest=digest).first()
    if seen is not None:
        PaymentNotification.objects.filter(pk=seen.pk).update(
            times=F("times") + 1, last_seen=timezone.now()
        )
    return seen


def handle_notification(body: bytes, headers: dict[str, str], remote_addr: str = "") -> Handled:
    """A server-to-server notification (IPN): verified (signature, merchant, amount), then
    applied once. The same body again changes nothing but its counter; forged, malformed,
    unknown-order and wrong-amount notifications are recorded (the last two on the
    reconciliation list) and refused."""
    adapter = platform.get_platform()
    digest = _digest(body)
    headers = {k.lower(): v for k, v in headers.items()}
    source = PaymentNotification.Source.WEBHOOK
    with transaction.atomic():
        seen = _seen(digest)
        if seen is not None:
            outcome = Outcome.DUPLICATE if seen.outcome == Outcome.APPLIED else seen.outcome
            return Handled(outcome, seen.payment, "đã nhận thông báo này trước đó")
        try:
            state = adapter.parse_notification(body, headers)
        except platform.BadSignature:
            _log(
                digest, Outcome.FORGED, body, order_id=_order_id_of(body), source=source,
                remote=remote_addr,
            )  # fmt: skip
            audit.record(
                "payment.forged_notification",
                "payment",
                _order_id_of(body) or "?",
                data={"remote_addr": remote_addr, "digest": digest},
            )
            return Handled(Outcome.FORGED, None, "chữ ký không hợp lệ")
        except platform.Malformed as exc:
            _log(
                digest, Outcome.MALFORMED, body, order_id=_order_id_of(body), source=source,
                remote=remote_addr,
            )  # fmt: skip
            return Handled(Outcome.MALFORMED, None, str(exc))
        return _apply(state, digest=digest, body=body, source=source, remote=remote_addr)


def apply_state(state: platform.OrderState, *, source: str) -> Handled:
    """What a query (or the reconciliation) learnt about an order, applied like a
    notification; the same answer twice is one record."""
    body = json.dumps(
        {"order_id": state.order_id, "status": state.status, **state.raw},
        sort_keys=True,
        default=str,
    ).encode()
    digest = _digest(b"query:" + body)
    with transaction.atomic():
        seen = _seen(digest)
        if seen is not None:
            return Handled(Outcome.DUPLICATE, seen.payment)
        return _apply(state, digest=digest, body=body, source=source, remote="")


def _flag(
    kind: str, *, order_id: str, payment=None, expected=None, reported=None, detail="", day=None
):
    """Put a mismatch on the reconciliation list (once while it is open)."""
    try:
        with transaction.atomic():
            item, created = ReconciliationItem.objects.get_or_create(
                kind=kind,
                order_id=order_id,
                resolved_at=None,
                defaults={
                    "payment": payment,
                    "expected_vnd": expected,
                    "reported_vnd": reported,
                    "detail": detail,
                    "day": day,
                },
            )
    except IntegrityError:
        return ReconciliationItem.objects.get(kind=kind, order_id=order_id, resolved_at=None)
    if created:
        audit.record(
            "payment.reconciliation",
            "payment",
            order_id or "?",
            data={"kind": kind, "expected_vnd": expected, "reported_vnd": reported},
        )
    return item


def _apply(state: platform.OrderState, *, digest, body, source, remote) -> Handled:
    payment = (
        Payment.objects.select_for_update()
        .select_related("dossier")
        .filter(order_id=state.order_id)
        .first()
    )

    def done(outcome: str, detail: str = "") -> Handled:
        _log(
            digest, outcome, body, order_id=state.order_id, payment=payment, source=source,
            remote=remote,
        )  # fmt: skip
        return Handled(outcome, payment, detail)

    if payment is None:
        if state.status == platform.PAID:
            _flag(
                Kind.UNKNOWN_ORDER,
                order_id=state.order_id,
                reported=state.amount_vnd,
                detail=f"Giao dịch {state.transaction_id}: đơn hàng không có trong hệ thống.",
            )
        return done(Outcome.UNKNOWN_ORDER, "không có đơn hàng này")
    if state.status == platform.PAID:
        return _paid(payment, state, done)
    if state.status in (platform.FAILED, platform.CANCELLED):
        if payment.status != Payment.Status.PENDING:
            return done(Outcome.IGNORED, "đơn hàng không còn chờ thanh toán")
        payment.status = Payment.Status.FAILED
        payment.closed_at = timezone.now()
        payment.save(update_fields=["status", "closed_at"])
        audit.record(
            "payment.failed",
            "payment",
            payment.order_id,
            data={"dossier": payment.dossier.code, "source": source},
        )
        return done(Outcome.APPLIED)
    return done(Outcome.IGNORED, "đơn hàng chưa được thanh toán")


def _paid(payment: Payment, state: platform.OrderState, done) -> Handled:
    if payment.status == Payment.Status.PAID:
        return done(Outcome.DUPLICATE, "đơn hàng đã được ghi nhận thanh toán")
    if payment.status == Payment.Status.DISPUTED:
        return done(Outcome.IGNORED, "đơn hàng đang chờ đối soát")
    if state.amount_vnd != payment.amount_vnd:
        if payment.status in REOPENABLE:
            payment.status = Payment.Status.DISPUTED
            payment.paid_amount_vnd = state.amount_vnd
            payment.transaction_id = state.transaction_id[:64]
            payment.closed_at = timezone.now()
            payment.save()
        _flag(
            Kind.AMOUNT_MISMATCH,
            order_id=payment.order_id,
            payment=payment,
            expected=payment.amount_vnd,
            reported=state.amount_vnd,
            detail=f"Hồ sơ {payment.dossier.code}, giao dịch {state.transaction_id}.",
        )
        return done(
            Outcome.AMOUNT_MISMATCH,
            f"số tiền {state.amount_vnd} khác số phải thu {payment.amount_vnd}",
        )
    dossier = payment.dossier
    payment.transaction_id = state.transaction_id[:64]
    payment.receipt_number = state.receipt_number[:64]
    payment.receipt_url = state.receipt_url[:500]
    payment.paid_amount_vnd = state.amount_vnd
    payment.paid_at = state.paid_at or timezone.now()
    if payment.status not in REOPENABLE or dossier.status != Status.PAYMENT:
        # Money taken for an order already closed here (paid at the desk meanwhile, the
        # dossier stopped): kept, and listed for a refund.
        payment.status = Payment.Status.DISPUTED
        payment.save()
        _flag(
            Kind.PAID_AFTER_CLOSE,
            order_id=payment.order_id,
            payment=payment,
            expected=payment.amount_vnd,
            reported=state.amount_vnd,
            detail=f"Hồ sơ {dossier.code} ở trạng thái “{Status(dossier.status).label}”.",
        )
        return done(Outcome.LATE, "đơn hàng đã đóng: đưa vào danh sách đối soát")
    payment.status = Payment.Status.PAID
    payment.closed_at = timezone.now()
    payment.save()
    # Other open orders of the dossier (a retry after a failure) are no longer needed.
    for other in Payment.objects.select_for_update().filter(
        dossier=dossier, status=Payment.Status.PENDING
    ):
        _cancel(other, None, "đã thanh toán bằng đơn hàng khác")
    dossier_services.confirm_payment(
        dossier, None, data=_receipt_data(payment), verified_by=payment.platform or "platform"
    )
    audit.record(
        "payment.paid",
        "payment",
        payment.order_id,
        data={
            "dossier": dossier.code,
            "amount_vnd": payment.amount_vnd,
            "transaction_id": payment.transaction_id,
            "receipt_number": payment.receipt_number,
        },
    )
    _signal_on_commit(payment, online=True)
    return done(Outcome.APPLIED)


# --- jobs ------------------------------------------------------------------------------


@dataclass
class CheckReport:
    checked: int = 0
    paid: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"checked {self.checked}: paid {self.paid}, failed {self.failed}, "
            f"expired {self.expired}, cancelled {self.cancelled}, errors {len(self.errors)}"
        )


def check_pending(limit: int = 200, min_age_minutes: int | None = None) -> CheckReport:
    """payments-check: ask the platform about online orders still pending after a while
    (their notification may be lost); cancel those whose dossier no longer waits; expire
    those the citizen never opened. The platform being down stops the run; the next one
    asks again."""
    report = CheckReport()
    if not platform.enabled():
        return report
    adapter = platform.get_platform()
    age = (
        settings.MOTCUA_PAYMENT_CHECK_AFTER_MINUTES if min_age_minutes is None else min_age_minutes
    )
    now = timezone.now()
    ttl = dt.timedelta(minutes=settings.MOTCUA_PAYMENT_ORDER_TTL_MINUTES)
    pending = list(
        Payment.objects.filter(
            status=Payment.Status.PENDING,
            method=Payment.Method.ONLINE,
            created_at__lte=now - dt.timedelta(minutes=age),
        )
        .select_related("dossier")
        .order_by(F("checked_at").asc(nulls_first=True), "created_at")[:limit]
    )
    for payment in pending:
        report.checked += 1
        if payment.dossier.status != Status.PAYMENT:
            with transaction.atomic():
                locked = Payment.objects.select_for_update().get(pk=payment.pk)
                if locked.status == Payment.Status.PENDING:
                    _cancel(locked, None, "hồ sơ không còn chờ thanh toán")
                    report.cancelled += 1
            continue
        try:
            state = adapter.query(payment.order_id)
        except platform.PlatformError as exc:
            report.errors.append(f"{payment.order_id}: {exc}")
            log.warning("payments-check: %s", exc)
            break  # down: ask again next run, in the same order (checked_at unchanged)
        Payment.objects.filter(pk=payment.pk).update(checked_at=timezone.now())
        if state.status == platform.UNKNOWN:
            if payment.created_at + ttl < now:
                with transaction.atomic():
                    locked = Payment.objects.select_for_update().get(pk=payment.pk)
                    if locked.status == Payment.Status.PENDING:
                        locked.status = Payment.Status.EXPIRED
                        locked.closed_at = now
                        locked.save(update_fields=["status", "closed_at"])
                        report.expired += 1
            continue
        handled = apply_state(state, source=PaymentNotification.Source.QUERY)
        if handled.outcome == Outcome.APPLIED:
            if state.status == platform.PAID:
                report.paid += 1
            else:
                report.failed += 1
    return report


@dataclass
class ReconcileReport:
    day: dt.date
    theirs: int = 0
    ours: int = 0
    items: list[ReconciliationItem] = field(default_factory=list)
    error: str = ""

    def summary(self) -> str:
        lines = [
            f"{self.day}: platform {self.theirs} transactions, ours {self.ours}, "
            f"mismatches {len(self.items)}" + (f" (error: {self.error})" if self.error else "")
        ]
        lines += [f"  {i.kind} {i.order_id}: {i.detail}" for i in self.items]
        return "\n".join(lines)


def _local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def reconcile(day: dt.date | None = None) -> ReconcileReport:
    """payments-reconcile: the platform's successful transactions of a day against the
    payments recorded here. A transaction we missed is applied (a lost notification);
    what cannot be matched goes on the reconciliation list: wrong amounts, unknown
    orders, payments we hold as paid that the platform does not list, orders pending for
    too long."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    report = ReconcileReport(day)
    if not platform.enabled():
        report.error = "online payment is off"
        return report
    try:
        theirs = platform.get_platform().transactions(day)
    except platform.PlatformError as exc:
        report.error = str(exc)
        return report
    found: list[ReconciliationItem] = []
    start, end = _local_day_bounds(day)
    ours = {
        p.order_id: p
        for p in Payment.objects.filter(
            method=Payment.Method.ONLINE, paid_at__gte=start, paid_at__lt=end
        ).select_related("dossier")
    }
    report.theirs, report.ours = len(theirs), len(ours)
    for state in theirs:
        if state.status != platform.PAID:
            continue
        payment = ours.pop(state.order_id, None)
        if payment is None:
            # Paid there, not here (a lost notification): applied now if it can be; what
            # cannot (unknown order, closed order, wrong amount) is listed by _apply.
            apply_state(state, source=PaymentNotification.Source.QUERY)
            payment = Payment.objects.filter(order_id=state.order_id).first()
            if payment is None:
                found.append(
                    ReconciliationItem.objects.get(
                        kind=Kind.UNKNOWN_ORDER, order_id=state.order_id, resolved_at=None
                    )
                )
            elif payment.status != Payment.Status.PAID:
                # Already listed (wrong amount, paid after close): that item stands.
                listed = list(ReconciliationItem.objects.filter(payment=payment, resolved_at=None))
                if listed:
                    found += listed
                    continue
                found.append(
                    _flag(
                        Kind.MISSING_HERE,
                        order_id=state.order_id,
                        payment=payment,
                        expected=payment.amount_vnd,
                        reported=state.amount_vnd,
                        detail=f"Giao dịch {state.transaction_id} ngày {day:%d/%m/%Y}; "
                        f"thanh toán ở trạng thái “{payment.get_status_display()}”.",
                        day=day,
                    )
                )
            continue
        if state.amount_vnd != payment.paid_amount_vnd:
            found.append(
                _flag(
                    Kind.AMOUNT_MISMATCH,
                    order_id=payment.order_id,
                    payment=payment,
                    expected=payment.paid_amount_vnd,
                    reported=state.amount_vnd,
                    detail=f"Đối soát ngày {day:%d/%m/%Y}.",
                    day=day,
                )
            )
    for payment in ours.values():
        if payment.status == Payment.Status.PAID:
            found.append(
                _flag(
                    Kind.MISSING_THERE,
                    order_id=payment.order_id,
                    payment=payment,
                    expected=payment.amount_vnd,
                    detail=f"Hồ sơ {payment.dossier.code}: nền tảng không có giao dịch.",
                    day=day,
                )
            )
    stale = timezone.now() - dt.timedelta(days=settings.MOTCUA_PAYMENT_STALE_DAYS)
    for payment in Payment.objects.filter(
        status=Payment.Status.PENDING, method=Payment.Method.ONLINE, created_at__lt=stale
    ).select_related("dossier"):
        found.append(
            _flag(
                Kind.STALE_PENDING,
                order_id=payment.order_id,
                payment=payment,
                expected=payment.amount_vnd,
                detail=f"Hồ sơ {payment.dossier.code} chờ thanh toán từ "
                f"{timezone.localtime(payment.created_at):%d/%m/%Y}.",
                day=day,
            )
        )
    report.items = list({i.pk: i for i in found}.values())
    return report


@transaction.atomic
def resolve(item: ReconciliationItem, actor, resolution: str) -> ReconciliationItem:
    """An officer settled a mismatch (refund made, amount corrected...)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput("Vui lòng ghi cách đã xử lý chênh lệch.", code="resolution_required")
    item = ReconciliationItem.objects.select_for_update().get(pk=item.pk)
    if item.resolved_at is None:
        item.resolved_at = timezone.now()
        item.resolved_by = _user(actor)
        item.resolution = resolution[:2000]
        item.save()
        audit.record(
            "payment.reconciliation_resolved",
            "payment",
            item.order_id or "?",
            actor=_user(actor),
            data={"kind": item.kind, "resolution": item.resolution},
        )
    return item


def check_one(payment: Payment) -> Payment:
    """Ask the platform about one pending order now (the citizen is back on the return
    page before the notification): a platform that does not answer changes nothing."""
    if payment.status != Payment.Status.PENDING or not platform.enabled():
        return payment
    try:
        state = platform.get_platform().query(payment.order_id)
    except platform.PlatformError as exc:
        log.info("payment return: platform not answering: %s", exc)
        return payment
    if state.status not in (platform.UNKNOWN, platform.PENDING):
        apply_state(state, source=PaymentNotification.Source.QUERY)
    payment.refresh_from_db()
    return payment
