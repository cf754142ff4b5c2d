"""A citizen pays a fee online in Debian's chromium: the dossier page shows what is due,
the summary page leaves for the simulated PayGov, the citizen pays there, the platform's
signed notification reaches the running server, and the citizen comes back to the payment
recorded with its electronic receipt; the desk sees it too. Screenshots of each step go to
$MOTCUA_SCREENSHOTS/payment-flow (the test's tmp_path otherwise)."""

from __future__ import annotations

import re

import pytest

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.payments import services
from motcua.payments.models import Payment, PaymentNotification
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _session, browser  # noqa: F401 - the chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_pays_a_fee_on_the_simulated_platform(
    browser,  # noqa: F811
    live_server,
    simulator,
    settings,
    world,
    tmp_path,
):
    settings.MOTCUA_PAYMENT_PLATFORM = "paygov"
    settings.MOTCUA_PAYGOV_URL = f"{simulator.url}/payment"
    settings.MOTCUA_PAYGOV_MERCHANT_CODE = "MOTCUA37"
    settings.MOTCUA_PAYGOV_SECRET = "motcua-paygov-secret"
    world.proc.fee_vnd, world.proc.charge_vnd = 50_000, 150_000
    world.proc.save()
    dossier = world.submit_online()
    dossier = dossier_services.receive(dossier, world.desk)
    dossier = dossier_services.assign(dossier, world.desk, to_agency=world.dept)
    services.request_payment(dossier, world.specialist, note="Nộp phí thẩm định và lệ phí")
    try:
        _flow(browser, live_server, simulator, world, dossier.code, tmp_path)
    finally:
        from django.db import connections

        connections.close_all()


def _flow(chromium, live_server, simulator, world, code, tmp_path):
    shots = screenshot_folder(tmp_path, "payment-flow")
    csp = []
    context, page = _session(chromium, live_server, world.citizen.username)
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else 0)

    page.goto(f"/ho-so-cua-toi/{code}/")
    assert page.locator("#amount-due").inner_text() == "200.000 đồng"
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in page.locator("#status-name").inner_text()
    page.locator("#thanh-toan").screenshot(path=str(shots / "1-due.png"))
    assert_accessible(page, "dossier page with a payment due")
    page.locator("#pay-online").click()
    page.wait_for_url(f"**/thanh-toan/{code}/")
    assert page.locator("table tbody tr").count() == 2  # Phí, Lệ phí
    page.screenshot(path=str(shots / "2-summary.png"), full_page=True)
    assert_accessible(page, "payment summary")

    page.locator("#go-pay").click()
    page.wait_for_url(re.compile(re.escape(simulator.url) + r"/payment/checkout\?"))
    assert page.locator("#amount").inner_text() == "200.000 đồng"
    page.screenshot(path=str(shots / "3-platform.png"), full_page=True)
    page.get_by_role("button", name="Thanh toán").click()

    page.wait_for_url(re.compile(rf"/thanh-toan/{re.escape(code)}/ket-qua/\?"))
    result = page.locator("#payment-result")
    assert result.get_attribute("data-status") == "paid"
    assert "Đã thanh toán thành công 200.000 đồng" in result.inner_text()
    page.screenshot(path=str(shots / "4-return.png"), full_page=True)
    assert_accessible(page, "payment result")

    payment = Payment.objects.get(dossier__code=code)
    assert payment.status == Payment.Status.PAID and payment.receipt_number
    # Recorded by the platform's notification, before the citizen came back.
    note = PaymentNotification.objects.get(payment=payment, outcome="applied")
    assert note.source == "webhook"
    assert payment.dossier.status == Status.PROCESSING

    page.get_by_role("link", name="Về trang hồ sơ").click()
    page.wait_for_url(f"**/ho-so-cua-toi/{code}/")
    assert page.locator("#receipt-link").inner_text() == payment.receipt_number
    assert "Đang xử lý" in page.locator("#status-name").inner_text()
    page.locator("#thanh-toan").screenshot(path=str(shots / "5-paid.png"))
    with context.expect_page() as receipt_page:
        page.locator("#receipt-link").click()
    receipt = receipt_page.value
    receipt.wait_for_load_state()
    assert payment.receipt_number in receipt.content()
    receipt.screenshot(path=str(shots / "6-receipt.png"), full_page=True)
    context.close()

    desk_ctx, desk = _session(chromium, live_server, world.desk.username)
    desk.goto(f"/mot-cua/ho-so/{code}/")
    row = desk.locator(f'#payments tr[data-order="{payment.order_id}"]')
    assert row.get_attribute("data-status") == "paid"
    desk.locator("#payments").screenshot(path=str(shots / "7-desk.png"))
    desk_ctx.close()
    assert csp == []
