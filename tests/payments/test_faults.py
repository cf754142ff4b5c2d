"""Faults lose nothing: platform down, notifications lost, late, reordered, duplicated or
forged, a payment after the order was closed. Every payment ends matched to its dossier
or on the reconciliation list."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from motcua.core import outbox
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.payments import services
from motcua.payments.models import Payment, ReconciliationItem
from tests.payments.conftest import (
    notification,
    pay_on_platform,
    post_notification,
    processing,
    set_fees,
)


def _request(world):
    set_fees(world)
    return services.request_payment(processing(world), world.desk)


def _all_matched_or_listed():
    listed = ReconciliationItem.objects.filter(resolved_at=None).values("payment_id")
    loose = Payment.objects.exclude(
        Q(status=Payment.Status.PAID) | Q(pk__in=listed) | Q(status=Payment.Status.CANCELLED)
    ).exclude(status=Payment.Status.PENDING, dossier__status=Status.PAYMENT)
    return list(loose)


def test_lost_notification_is_found_by_the_check_job(world, paygov):
    payment = _request(world)
    pay_on_platform(paygov, payment)  # paid there; the notification never arrives
    report = services.check_pending(min_age_minutes=0)
    assert (report.checked, report.paid, report.errors) == (1, 1, [])
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.receipt_number
    assert payment.dossier.status == Status.PROCESSING
    # Asked again: nothing more happens.
    assert services.check_pending(min_age_minutes=0).checked == 0


def test_platform_down_loses_nothing(world, paygov, client):
    payments = [_request(world) for _ in range(2)]
    for p in payments:
        pay_on_platform(paygov, p)
    paygov.http.post("/_control/payment/mode", json={"down": True})
    report = services.check_pending(min_age_minutes=0)
    assert report.paid == 0 and len(report.errors) == 1  # stopped at the first failure
    assert Payment.objects.filter(status=Payment.Status.PENDING).count() == 2
    assert services.reconcile(timezone.localdate()).error
    paygov.http.post("/_control/payment/mode", json={"down": False})
    assert services.check_pending(min_age_minutes=0).paid == 2
    assert not Payment.objects.exclude(status=Payment.Status.PAID).exists()


def test_reordered_notifications(world, paygov, client):
    payment = _request(world)
    pay_on_platform(paygov, payment)
    success = notification(paygov, payment)
    failed = notification(paygov, payment, kind="failed")  # an older attempt's failure
    assert post_notification(client, success).json()["ket_qua"] == "applied"
    answer = post_notification(client, failed)
    assert answer.status_code == 200 and answer.json()["ket_qua"] == "ignored"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_success_after_a_failure_is_applied(world, paygov, client):
    payment = _request(world)
    pay_on_platform(paygov, payment)
    assert post_notification(client, notification(paygov, payment, "failed")).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert post_notification(client, notification(paygov, payment)).json()["ket_qua"] == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.dossier.status == Status.PROCESSING


def test_late_notification_after_a_counter_payment_is_listed_for_refund(world, paygov, client):
    payment = _request(world)
    dossier = payment.dossier
    services.record_counter_payment(dossier, world.desk, Payment.Method.CASH, "BL-9")
    pay_on_platform(paygov, payment)  # the citizen also paid online, before the cancel
    answer = post_notification(client, notification(paygov, payment))
    assert answer.status_code == 200 and answer.json()["ket_qua"] == "late"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert ReconciliationItem.objects.get().kind == "paid_after_close"
    # The outbox's cancel finds it paid: still one item, nothing else changes.
    outbox.deliver_pending()
    assert _cancel_delivered()
    assert ReconciliationItem.objects.count() == 1
    assert _all_matched_or_listed() == []


def test_cancel_reaches_the_platform_through_the_outbox(world, paygov):
    payment = _request(world)
    url = services.start_checkout(
        payment.dossier, world.citizen, return_url="http://x/", notify_url="http://127.0.0.1:9/"
    )
    paygov.http.get(url.replace(paygov.url, ""))  # the citizen opened the order
    services.record_counter_payment(payment.dossier, world.desk, Payment.Method.CASH, "BL-1")
    outbox.deliver_pending()  # the applicant's notices travel beside the cancel
    assert _cancel_delivered()
    orders = paygov.http.get("/_control/payment/orders").json()["orders"]
    assert [o["status"] for o in orders] == ["CANCELLED"]


def test_dossier_stopped_while_waiting_cancels_the_order(world, paygov):
    payment = _request(world)
    dossier_services.stop(payment.dossier, world.leader, "Người nộp không thực hiện nghĩa vụ")
    report = services.check_pending(min_age_minutes=0)
    assert report.cancelled == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED


def test_order_never_opened_expires(world, paygov, settings):
    payment = _request(world)
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    assert services.check_pending(min_age_minutes=0).expired == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED


def test_daily_reconciliation_lists_every_mismatch(world, paygov, client):
    settings_day = timezone.localdate()
    matched = _request(world)
    pay_on_platform(paygov, matched)
    post_notification(client, notification(paygov, matched))
    lost = _request(world)  # paid there, notification lost: healed by the reconciliation
    pay_on_platform(paygov, lost)
    wrong = _request(world)
    pay_on_platform(paygov, wrong)
    post_notification(client, notification(paygov, wrong, "wrong_amount"))
    ghost_pay = paygov.http.post("/_control/payment/orders/TTGHOST01/pay", json={"amount": 1})
    assert ghost_pay.status_code == 200
    stale = _request(world)
    Payment.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=5))
    # Recorded here as paid online, unknown to the platform.
    phantom = _request(world)
    Payment.objects.filter(pk=phantom.pk).update(
        status=Payment.Status.PAID, paid_at=timezone.now(), paid_amount_vnd=phantom.amount_vnd
    )

    report = services.reconcile(settings_day)
    kinds = sorted((i.kind, i.order_id) for i in report.items)
    assert kinds == sorted(
        [
            ("amount_mismatch", wrong.order_id),
            ("unknown_order", "TTGHOST01"),
            ("stale_pending", stale.order_id),
            ("missing_there", phantom.order_id),
        ]
    )
    lost.refresh_from_db()
    assert lost.status == Payment.Status.PAID
    # Run again: the same open items, no duplicates.
    assert len(services.reconcile(settings_day).items) == 4
    assert ReconciliationItem.objects.count() == 4
    assert _all_matched_or_listed() == []
    item = ReconciliationItem.objects.get(kind="missing_there")
    services.resolve(item, world.desk, "Đã đối chiếu sao kê, ghi nhận bổ sung")
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_by == world.desk


def _cancel_delivered() -> bool:
    from motcua.core.models import OutboxMessage

    cancel = OutboxMessage.objects.get(topic=services.CANCEL_TOPIC)
    return cancel.status == OutboxMessage.Status.DELIVERED
