"""Online payments reach the index's counters in the payment's own transaction, once per
dossier; counter payments do not count as online."""

from __future__ import annotations

from django.db.models import Sum

from motcua.payments import services as payment_services
from motcua.payments.models import Payment
from motcua.serviceindex.models import DataFeed, IndexMonthStats
from tests.payments.conftest import (
    notification,
    pay_on_platform,
    paygov,  # noqa: F401 - the simulated platform fixture
    post_notification,
    processing,
    set_fees,
)


def _paid_online() -> int:
    return IndexMonthStats.objects.aggregate(total=Sum("paid_online"))["total"] or 0


def test_a_payment_made_online_counts_once_for_the_index(world, paygov, client):  # noqa: F811
    set_fees(world)
    dossier = processing(world)
    payment = payment_services.request_payment(dossier, world.desk)
    payment_services.start_checkout(
        dossier,
        world.citizen,
        return_url="http://127.0.0.1/ket-qua/",
        notify_url="http://127.0.0.1/api/v1/payments/notify/",
    )
    pay_on_platform(paygov, payment)
    note = notification(paygov, payment)
    assert post_notification(client, note).status_code == 200
    assert _paid_online() == 1
    assert DataFeed.objects.filter(key=DataFeed.Key.PAYMENT).exists()
    post_notification(client, note)  # the platform repeats itself: nothing more
    assert _paid_online() == 1


def test_a_counter_payment_is_not_an_online_one(world):
    set_fees(world)
    dossier = processing(world)
    payment_services.request_payment(dossier, world.desk)
    paid = payment_services.record_counter_payment(
        dossier, world.desk, Payment.Method.CASH, "BL-0001"
    )
    assert paid.status == Payment.Status.PAID
    assert _paid_online() == 0
