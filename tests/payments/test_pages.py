"""The pages: the desk shows the amount from the procedure and records counter payments;
the citizen sees what is due, leaves for the platform, and comes back to the result."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from motcua.dossiers.models import Status
from motcua.payments import services
from motcua.payments.models import Payment
from tests.payments.conftest import pay_on_platform, processing, set_fees


def test_desk_form_shows_the_procedures_amount(client, world):
    set_fees(world, fee=25_000, charge=50_000)
    dossier = processing(world)
    client.force_login(world.specialist)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in page  # the action's button
    # Its form, as the button opens it (the same address without htmx: the page with it).
    url = reverse("desk:dossier_action", args=[dossier.code, "request_payment"])
    page = client.get(url).content.decode()
    assert 'value="75000"' in page and "disabled" in page
    assert "Lệ phí: 50.000 đồng" in page


def test_desk_counter_payment_form_errors_in_vietnamese(client, world):
    set_fees(world)
    dossier = processing(world)
    services.request_payment(dossier, world.desk)
    client.force_login(world.desk)
    answer = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "confirm_payment"]),
        {"confirm_payment-method": "cash", "confirm_payment-receipt_number": ""},
    )
    assert answer.status_code == 400
    assert "Vui lòng nhập số biên lai" in answer.content.decode()


def test_citizen_pays_from_the_portal(client, world, paygov):
    set_fees(world)
    dossier = processing(world)
    services.request_payment(dossier, world.desk)
    client.force_login(world.citizen)
    detail = client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    assert "200.000 đồng" in detail and reverse("payments:pay", args=[dossier.code]) in detail
    page = client.get(reverse("payments:pay", args=[dossier.code]))
    assert page.status_code == 200
    assert paygov.url.split("/")[2] in page["Content-Security-Policy"]
    answer = client.post(reverse("payments:pay", args=[dossier.code]))
    assert answer.status_code == 302
    url = answer["Location"]
    assert url.startswith(f"{paygov.url}/payment/checkout?")
    query = parse_qs(urlsplit(url).query)
    assert query["ipn_url"] == ["http://testserver/api/v1/payments/notify/"]
    payment = Payment.objects.get(dossier=dossier)
    pay_on_platform(paygov, payment)  # its notification cannot reach the test client
    # Back on the return page: the platform is asked once, and the payment is recorded.
    back = client.get(
        reverse("payments:return", args=[dossier.code]), {"order_id": payment.order_id}
    )
    assert back.status_code == 200 and "Đã thanh toán thành công" in back.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    detail = client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    payment.refresh_from_db()
    assert payment.receipt_number in detail


def test_other_citizens_get_404(client, world, paygov):
    set_fees(world)
    dossier = processing(world)
    payment = services.request_payment(dossier, world.desk)
    client.force_login(world.other_citizen)
    assert client.get(reverse("payments:pay", args=[dossier.code])).status_code == 404
    assert client.post(reverse("payments:pay", args=[dossier.code])).status_code == 404
    ret = client.get(
        reverse("payments:return", args=[dossier.code]), {"order_id": payment.order_id}
    )
    assert ret.status_code == 404
