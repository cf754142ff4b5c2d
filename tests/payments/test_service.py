"""The payment lifecycle: request (amount from the procedure, the clock stops), checkout
on the platform, notification (the clock restarts, the due date moves by the wait, the
receipt is linked), counter payment through the same service, the completion hook."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from motcua.core.models import OutboxMessage
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.dossiers import stats
from motcua.dossiers.models import Dossier, Status
from motcua.payments import services
from motcua.payments.models import Payment
from tests.payments.conftest import (
    notification,
    pay_on_platform,
    post_notification,
    processing,
    set_fees,
)


def test_request_payment_takes_the_amount_from_the_procedure(world):
    set_fees(world, fee=50_000, charge=150_000)
    dossier = processing(world)
    payment = services.request_payment(dossier, world.specialist, note="Nộp lệ phí")
    dossier.refresh_from_db()
    assert dossier.status == Status.PAYMENT and dossier.paused_at is not None
    assert payment.amount_vnd == 200_000 and payment.status == Payment.Status.PENDING
    assert [line["amount_vnd"] for line in payment.lines] == [50_000, 150_000]
    event = dossier.events.get(action="request_payment")
    assert event.data["amount_vnd"] == 200_000 and len(event.data["lines"]) == 2


def test_no_fee_no_payment_request(world):
    set_fees(world, fee=0, charge=0)
    dossier = processing(world)
    with pytest.raises(InvalidInput) as exc:
        services.request_payment(dossier, world.specialist)
    assert "không thu phí" in exc.value.message
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and not Payment.objects.exists()


def test_online_payment_end_to_end(world, paygov, client, django_capture_on_commit_callbacks):
    set_fees(world)
    dossier = processing(world)
    payment = services.request_payment(dossier, world.desk)
    # The wait: the applicant took 10 days to pay (moved into the past, no clock mock).
    Dossier.objects.filter(pk=dossier.pk).update(paused_at=timezone.now() - dt.timedelta(days=10))
    due_before = Dossier.objects.get(pk=dossier.pk).due_at
    received = []

    def listener(sender, payment, dossier, online, **kw):
        received.append((payment.order_id, dossier.code, online))

    services.payment_completed.connect(listener)
    try:
        url = services.start_checkout(
            dossier,
            world.citizen,
            return_url="http://127.0.0.1/ket-qua/",
            notify_url="http://127.0.0.1/api/v1/payments/notify/",
        )
        # A second click: the same order.
        again = services.start_checkout(
            dossier, world.citizen, return_url="http://x/", notify_url="http://x/"
        )
        assert parse_qs(urlsplit(again).query)["order_id"] == [payment.order_id]
        page = paygov.http.get(url.replace(paygov.url, ""))
        assert page.status_code == 200 and "200.000 đồng" in page.text
        pay_on_platform(paygov, payment)
        with django_capture_on_commit_callbacks(execute=True):
            answer = post_notification(client, notification(paygov, payment))
    finally:
        services.payment_completed.disconnect(listener)
    assert answer.status_code == 200 and answer.json()["ket_qua"] == "applied"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.receipt_number.startswith("BL") and "/bien-lai/" in payment.receipt_url
    assert dossier.status == Status.PROCESSING and dossier.paused_at is None
    # The wait does not count against the agency: at least six working days of it.
    assert dossier.paused_minutes >= 6 * 480
    assert dossier.due_at >= due_before + dt.timedelta(days=6)
    event = dossier.events.get(action="confirm_payment")
    assert event.data["receipt_number"] == payment.receipt_number
    assert event.data["verified_by"] == "paygov" and event.actor is None
    assert received == [(payment.order_id, dossier.code, True)]


def test_time_waiting_for_payment_keeps_a_late_looking_dossier_on_time(world):
    set_fees(world)
    dossier = processing(world)
    services.request_payment(dossier, world.desk)
    now = timezone.now()
    # The appointment passed an hour ago, but the applicant has been paying for 10 days.
    Dossier.objects.filter(pk=dossier.pk).update(
        on_time_due_at=now - dt.timedelta(hours=1), paused_at=now - dt.timedelta(days=10)
    )
    dossier.refresh_from_db()
    assert stats.is_on_time(dossier)  # measured at the start of the wait
    services.record_counter_payment(dossier, world.desk, Payment.Method.CASH, "BL-0001")
    dossier.refresh_from_db()
    assert dossier.on_time_due_at > timezone.now()
    assert stats.is_on_time(dossier)


def test_counter_payment_cancels_the_online_order(world, paygov):
    set_fees(world)
    dossier = processing(world)
    online = services.request_payment(dossier, world.desk)
    counter = services.record_counter_payment(
        dossier, world.desk, Payment.Method.CARD, "0001234", note="Quẹt thẻ tại quầy"
    )
    online.refresh_from_db()
    dossier.refresh_from_db()
    assert online.status == Payment.Status.CANCELLED
    assert counter.status == Payment.Status.PAID and counter.method == "card"
    assert counter.receipt_number == "0001234" and counter.amount_vnd == online.amount_vnd
    assert dossier.status == Status.PROCESSING
    cancel = OutboxMessage.objects.get(topic="payments.cancel")
    assert cancel.payload == {"order_id": online.order_id}
    # Twice at the counter: the dossier no longer waits.
    with pytest.raises(IllegalTransition):
        services.record_counter_payment(dossier, world.desk, Payment.Method.CASH, "0001235")


def test_counter_payment_needs_a_desk_officer_and_a_receipt(world):
    set_fees(world)
    dossier = processing(world)
    services.request_payment(dossier, world.desk)
    with pytest.raises(InvalidInput):
        services.record_counter_payment(dossier, world.desk, Payment.Method.CASH, " ")
    with pytest.raises(InvalidInput):
        services.record_counter_payment(dossier, world.desk, "cheque", "1")
    with pytest.raises(NotAllowed):
        services.record_counter_payment(dossier, world.citizen, Payment.Method.CASH, "1")
    with pytest.raises(NotAllowed):
        services.record_counter_payment(dossier, world.other_desk, Payment.Method.CASH, "1")


def test_checkout_only_for_the_applicant_and_while_waiting(world, paygov):
    set_fees(world)
    dossier = processing(world)
    with pytest.raises(IllegalTransition):
        services.start_checkout(dossier, world.citizen, return_url="x", notify_url="y")
    services.request_payment(dossier, world.desk)
    with pytest.raises(NotAllowed):
        services.start_checkout(dossier, world.other_citizen, return_url="x", notify_url="y")


def test_a_failed_attempt_then_a_new_order(world, paygov, client):
    set_fees(world)
    dossier = processing(world)
    first = services.request_payment(dossier, world.desk)
    url = services.start_checkout(
        dossier, world.citizen, return_url="http://x/", notify_url="http://127.0.0.1:9/"
    )
    # The citizen gives up on the platform's page: the order fails there.
    assert paygov.http.get(url.replace(paygov.url, "")).status_code == 200
    back = paygov.http.post(
        "/payment/checkout", data={"order_id": first.order_id, "action": "cancel"}
    )
    assert back.status_code == 302 and "status=FAILED" in back.headers["location"]
    failed = notification(paygov, first)
    assert post_notification(client, failed).json()["ket_qua"] == "applied"
    first.refresh_from_db()
    assert first.status == Payment.Status.FAILED
    url = services.start_checkout(
        dossier, world.citizen, return_url="http://x/", notify_url="http://x/"
    )
    second = Payment.objects.get(dossier=dossier, status=Payment.Status.PENDING)
    assert second.order_id != first.order_id and second.order_id in url
    assert second.idempotency_key.endswith(":2")
