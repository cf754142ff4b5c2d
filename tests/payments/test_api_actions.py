"""The dossier API's payment actions go through the payments app: the amount is the
procedure's, a counter payment needs its receipt, and no API client can mark a dossier paid
without a payment record."""

from __future__ import annotations

from motcua.dossiers.api import PAYMENT_RUNNERS
from motcua.dossiers.models import Status
from motcua.payments.models import Payment
from tests.dossiers.test_api import act, client_for
from tests.payments.conftest import processing, set_fees


def test_the_payments_app_runs_the_api_payment_actions():
    assert set(PAYMENT_RUNNERS) == {"request_payment", "confirm_payment"}


def test_request_over_the_api_charges_what_the_procedure_says(world):
    set_fees(world, fee=50_000, charge=150_000)
    dossier = processing(world)
    officer = client_for(world.desk)
    wrong = act(officer, dossier.code, "request_payment", {"amount_vnd": 1_000})
    assert wrong.status_code == 409
    assert "200.000 đồng" in wrong.json()["detail"] and not Payment.objects.exists()
    answer = act(officer, dossier.code, "request_payment", {"note": "Nộp phí"})
    assert answer.status_code == 200, answer.content
    payment = Payment.objects.get(dossier=dossier)
    assert payment.amount_vnd == 200_000 and payment.status == Payment.Status.PENDING
    assert answer.json()["status"] == Status.PAYMENT


def test_a_counter_payment_over_the_api_needs_its_receipt(world):
    set_fees(world)
    dossier = processing(world)
    officer = client_for(world.desk)
    assert act(officer, dossier.code, "request_payment").status_code == 200
    missing = act(officer, dossier.code, "confirm_payment", {"method": "cash"})
    assert missing.status_code == 400 and "receipt_number" in missing.json()["errors"]
    bad = act(officer, dossier.code, "confirm_payment", {"method": "gold", "receipt_number": "1"})
    assert bad.status_code == 400 and "method" in bad.json()["errors"]
    dossier.refresh_from_db()
    assert dossier.status == Status.PAYMENT
    paid = act(
        officer, dossier.code, "confirm_payment", {"method": "card", "receipt_number": "BL-77"}
    )
    assert paid.status_code == 200, paid.content
    counter = Payment.objects.get(dossier=dossier, status=Payment.Status.PAID)
    assert counter.method == Payment.Method.CARD and counter.receipt_number == "BL-77"
    assert paid.json()["status"] == Status.PROCESSING
