"""`motcua payments check|reconcile`, the schedules, and the reconciliation list in the
admin (listed, settled with a required, audited resolution)."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from motcua.core.models import AuditEntry
from motcua.payments import services
from motcua.payments.apps import register_schedules
from motcua.payments.models import Payment, ReconciliationItem
from tests.payments.conftest import pay_on_platform, processing, set_fees


def test_check_and_reconcile_commands(world, paygov):
    set_fees(world)
    payment = services.request_payment(processing(world), world.desk)
    pay_on_platform(paygov, payment)
    out = io.StringIO()
    call_command("payments", "check", "--min-age", "0", stdout=out)
    assert "paid 1" in out.getvalue()
    out = io.StringIO()
    call_command("payments", "reconcile", "--day", timezone.localdate().isoformat(), stdout=out)
    assert "mismatches 0" in out.getvalue()
    paygov.http.post("/_control/payment/mode", json={"down": True})
    with pytest.raises(CommandError):
        call_command("payments", "reconcile", stdout=io.StringIO())


def test_schedules_are_registered(db, settings):
    settings.MOTCUA_PAYMENT_CHECK_MINUTES = 5
    register_schedules()
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"payments-check", "payments-reconcile"} <= names
    assert Schedule.objects.get(name="payments-reconcile").minutes == 24 * 60


def test_reconciliation_list_in_the_admin(client, world, paygov):
    set_fees(world)
    payment = services.request_payment(processing(world), world.desk)
    item = ReconciliationItem.objects.create(
        kind="amount_mismatch", order_id=payment.order_id, payment=payment, expected_vnd=1
    )
    admin = User.objects.create_superuser("root", "root@example.vn", "x" * 16)
    client.force_login(admin)
    listing = client.get("/admin/payments/reconciliationitem/")
    assert listing.status_code == 200 and payment.order_id in listing.content.decode()
    assert client.get("/admin/payments/payment/").status_code == 200
    assert client.get("/admin/payments/paymentnotification/").status_code == 200
    assert client.get("/admin/payments/feeitem/add/").status_code == 200
    action = {"action": "resolve_items", "_selected_action": [item.pk]}
    ask = client.post("/admin/payments/reconciliationitem/", action)
    assert ask.status_code == 200 and "Cách đã xử lý" in ask.content.decode()
    client.post("/admin/payments/reconciliationitem/", {**action, "apply": "1", "resolution": ""})
    item.refresh_from_db()
    assert item.resolved_at is None
    client.post(
        "/admin/payments/reconciliationitem/",
        {**action, "apply": "1", "resolution": "Đã hoàn trả phần chênh lệch"},
    )
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_by == admin
    assert AuditEntry.objects.filter(action="payment.reconciliation_resolved").exists()
    assert Payment.objects.count() == 1
