"""The notification webhook: signature, amount, idempotency; every refusal is a problem
document in Vietnamese and is recorded."""

import json

from motcua.core.models import AuditEntry, OutboxMessage
from motcua.dossiers.models import Event, Status
from motcua.payments import services
from motcua.payments.models import Payment, PaymentNotification, ReconciliationItem
from motcua.payments.paygov_schemas import sign_body
from tests.payments.conftest import (
    SECRET,
    notification,
    pay_on_platform,
    post_notification,
    processing,
    set_fees,
)


def _ordered(world, sim):
    set_fees(world)
    payment = services.request_payment(processing(world), world.desk)
    pay_on_platform(sim, payment)
    return payment


def _counts():
    return (
        Event.objects.count(),
        OutboxMessage.objects.count(),
        AuditEntry.objects.count(),
        list(Payment.objects.values_list("status", "receipt_number")),
    )


def test_the_same_notification_twice_changes_nothing(world, paygov, client):
    payment = _ordered(world, paygov)
    note = notification(paygov, payment)
    assert post_notification(client, note).json()["ket_qua"] == "applied"
    before = _counts()
    again = post_notification(client, note)
    assert again.status_code == 200 and again.json()["ket_qua"] == "duplicate"
    # A second copy sent later (another sent_at, so another body): also nothing.
    later = post_notification(client, notification(paygov, payment))
    assert later.status_code == 200 and later.json()["ket_qua"] == "duplicate"
    assert _counts() == before
    # Every copy is on record (an identical body as a count on its first row).
    assert sum(PaymentNotification.objects.values_list("times", flat=True)) == 3
    assert PaymentNotification.objects.filter(outcome="applied").count() == 1


def test_forged_notification_is_refused_and_recorded(world, paygov, client):
    payment = _ordered(world, paygov)
    answer = post_notification(client, notification(paygov, payment, kind="forged"))
    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == "bad_signature" and "Chữ ký" in answer.json()["detail"]
    row = PaymentNotification.objects.get()
    assert row.outcome == "forged" and row.order_id == payment.order_id
    assert AuditEntry.objects.filter(action="payment.forged_notification").exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.dossier.status == Status.PAYMENT


def test_unsigned_and_tampered_notifications_are_refused(world, paygov, client):
    payment = _ordered(world, paygov)
    note = notification(paygov, payment)
    unsigned = client.post(
        "/api/v1/payments/notify/", data=note["body"], content_type="application/json"
    )
    assert unsigned.status_code == 401
    tampered = dict(note, body=note["body"].replace('"SUCCESS"', '"FAILED"'))
    assert post_notification(client, tampered).status_code == 401
    assert PaymentNotification.objects.filter(outcome="forged").count() == 2


def test_wrong_amount_is_a_conflict_and_goes_to_reconciliation(world, paygov, client):
    payment = _ordered(world, paygov)
    answer = post_notification(client, notification(paygov, payment, kind="wrong_amount"))
    assert answer.status_code == 409 and answer.json()["code"] == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED
    assert payment.paid_amount_vnd == payment.amount_vnd - 1000
    item = ReconciliationItem.objects.get()
    assert (item.kind, item.payment, item.expected_vnd, item.reported_vnd) == (
        "amount_mismatch",
        payment,
        payment.amount_vnd,
        payment.amount_vnd - 1000,
    )
    # The dossier keeps waiting: an officer settles the difference.
    assert payment.dossier.status == Status.PAYMENT


def test_unknown_order_is_404_and_listed(world, paygov, client):
    paygov.http.post("/_control/payment/orders/TT000000GHOST/pay", json={"amount": 5000})
    body = json.loads(notification_for(paygov, "TT000000GHOST")["body"])
    raw = json.dumps(body).encode()
    answer = client.post(
        "/api/v1/payments/notify/",
        data=raw,
        content_type="application/json",
        HTTP_X_PAYGOV_SIGNATURE=sign_body(raw, SECRET),
    )
    assert answer.status_code == 404 and answer.json()["code"] == "unknown_order"
    assert ReconciliationItem.objects.get().kind == "unknown_order"


def notification_for(sim, order_id):
    answer = sim.http.post(f"/_control/payment/orders/{order_id}/notify", json={"deliver": False})
    assert answer.status_code == 200
    return answer.json()


def test_malformed_but_signed_is_400(world, paygov, client):
    raw = b'{"order_id": 5}'
    answer = client.post(
        "/api/v1/payments/notify/",
        data=raw,
        content_type="application/json",
        HTTP_X_PAYGOV_SIGNATURE=sign_body(raw, SECRET),
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_notification"
    not_json = b"\xff\xfe"
    answer = client.post(
        "/api/v1/payments/notify/",
        data=not_json,
        content_type="application/json",
        HTTP_X_PAYGOV_SIGNATURE=sign_body(not_json, SECRET),
    )
    assert answer.status_code == 400


def test_payment_off_answers_404_problem(client, settings, db):
    settings.MOTCUA_PAYMENT_PLATFORM = ""
    answer = client.post("/api/v1/payments/notify/", data=b"{}", content_type="application/json")
    assert answer.status_code == 404 and answer.json()["code"] == "payment_off"
