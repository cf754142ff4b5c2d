"""Issue 11 end to end in Debian's chromium: the citizen submits choosing the result by post
(address from the administrative units, postal fee shown), the desk receives it, a fee from
the procedure is requested and paid on the simulated PayGov (its signed notification reaches
the running server), the result is issued and sent by post, the simulated operator picks it
up and delivers it, the citizen sees the dossier returned, and every notice to the applicant
arrives as an e-mail in a real SMTP server started here. Screenshots of each step go to
$MOTCUA_SCREENSHOTS/fee-post-notice (the test's tmp_path otherwise)."""

from __future__ import annotations

import re

import pytest

from motcua.core import outbox
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status
from motcua.payments import services as payment_services
from motcua.payments.models import Payment, PaymentNotification
from motcua.postal.models import PostalOrder
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import ID_NUMBER, _session, browser, pdf_files  # noqa: F401
from tests.browser.test_postal_flow import operator, units  # noqa: F401 - fixtures
from tests.notify.conftest import drain, smtp  # noqa: F401 - the SMTP server fixture
from tests.payments.conftest import paygov, set_fees  # noqa: F401 - PayGov fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "dan@example.vn"


def test_fee_post_and_notices(
    browser,  # noqa: F811
    live_server,
    world,
    units,  # noqa: F811
    operator,  # noqa: F811
    paygov,  # noqa: F811
    smtp,  # noqa: F811
    pdf_files,  # noqa: F811
    tmp_path,
):
    set_fees(world, fee=50_000, charge=150_000)
    try:
        _flow(
            browser,
            world,
            live_server,
            operator,
            paygov,
            smtp,
            pdf_files,
            screenshot_folder(tmp_path, "fee-post-notice"),
        )
    finally:
        from django.db import connections

        connections.close_all()


def _subjects(server) -> list[str]:
    # Django folds long encoded subjects; the parser keeps the folding space in front.
    return [m["Subject"].lstrip() for m in server.messages]


def _flow(browser, world, live_server, operator, sim, smtp, pdf_files, shots):  # noqa: F811
    proc = world.proc
    csp = []

    # --- citizen: submits, result by post, postal fee shown ------------------------------
    citizen_ctx, page = _session(browser, live_server, world.citizen.username)
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else 0)
    page.goto(f"/thu-tuc/{proc.code}/nop-ho-so/")
    page.fill("input[name=id_number]", ID_NUMBER)
    page.fill("input[name=phone]", "0912345678")
    page.fill("input[name=email]", EMAIL)
    components = list(proc.components.all())
    files = pdf_files(*[f"thanh-phan-{i}.pdf" for i in range(len(components))])
    for component, path in zip(components, files, strict=True):
        page.set_input_files(f"input[name=component_{component.pk}]", path)
    page.check("input[name=return_channel][value=post]")
    page.fill("input[name=return_address]", "Số 12 đường Trần Hưng Đạo")
    page.select_option("select[name=return_province]", "37")
    page.select_option("select[name=return_unit]", "14308")
    fee = page.locator("#postal-fee")
    fee.locator("[data-postal-fee]").wait_for()
    assert "22.000 đồng" in fee.inner_text()
    assert_accessible(page, "submission with postal return")
    page.screenshot(path=str(shots / "1-submit.png"), full_page=True)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r"/da-nop/$"))
    code = page.locator("#dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert (dossier.return_channel, dossier.return_unit.code) == ("post", "14308")
    assert dossier.applicant_email == EMAIL

    # --- desk receives it; the specialist asks for the procedure's fees --------------------
    dossier = services.receive(dossier, world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    payment_services.request_payment(dossier, world.specialist, note="Nộp phí và lệ phí")
    drain()  # the worker sends the notices: received, payment requested
    assert _subjects(smtp) == [
        f"Hồ sơ {code} đã được tiếp nhận",
        f"Hồ sơ {code}: đề nghị nộp phí, lệ phí",
    ]
    assert {m["To"] for m in smtp.messages} == {EMAIL}

    # --- citizen pays on the simulated platform ------------------------------------------
    page.goto(f"/ho-so-cua-toi/{code}/")
    assert page.locator("#amount-due").inner_text() == "200.000 đồng"
    assert_accessible(page, "dossier page with a payment due")
    page.screenshot(path=str(shots / "2-payment-due.png"), full_page=True)
    page.locator("#pay-online").click()
    page.wait_for_url(f"**/thanh-toan/{code}/")
    assert_accessible(page, "payment summary")
    page.locator("#go-pay").click()
    page.wait_for_url(re.compile(re.escape(sim.url) + r"/payment/checkout\?"))
    assert page.locator("#amount").inner_text() == "200.000 đồng"
    page.screenshot(path=str(shots / "3-platform.png"), full_page=True)
    page.get_by_role("button", name="Thanh toán").click()
    page.wait_for_url(re.compile(rf"/thanh-toan/{re.escape(code)}/ket-qua/\?"))
    result = page.locator("#payment-result")
    assert result.get_attribute("data-status") == "paid"
    assert_accessible(page, "payment result")
    page.screenshot(path=str(shots / "4-paid.png"), full_page=True)
    payment = Payment.objects.get(dossier__code=code)
    assert payment.status == Payment.Status.PAID and payment.receipt_number
    assert PaymentNotification.objects.get(payment=payment, outcome="applied").source == "webhook"

    # --- the result is issued (approve, finish: the demo flow's steps) ----------------------
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == Status.PROCESSING
    dossier = services.approve(dossier, world.leader)
    services.finish(dossier, world.specialist)

    # --- desk sends it by post ------------------------------------------------------------
    desk_ctx, desk = _session(browser, live_server, world.desk.username)
    desk.goto(f"/mot-cua/ho-so/{code}/")
    assert "Đã xử lý xong" in desk.locator("#status-name").inner_text()
    desk.locator("#postal-send button[type=submit]").click()
    desk.wait_for_selector(".alert-success")
    drain()  # the worker sends the order to the operator and the "result ready" notice
    order = PostalOrder.objects.get(dossier__code=code)
    assert order.tracking_number
    desk.reload()
    assert order.tracking_number in desk.locator("#postal-orders").inner_text()
    assert_accessible(desk, "desk dossier with a postal order")
    desk.screenshot(path=str(shots / "5-desk-postal-order.png"), full_page=True)

    # --- the operator picks it up and delivers it: signed events to the live webhook ------
    for status in ("picked_up", "delivered"):
        answer = operator.post(
            f"/_control/postal/orders/{order.tracking_number}/events", json={"status": status}
        )
        assert answer.json()["sent"][0]["status"] == 200, answer.text
    assert Dossier.objects.get(code=code).status == Status.RETURNED
    outbox.deliver_pending()
    drain()

    # --- citizen sees it returned -----------------------------------------------------------
    page.goto(f"/ho-so-cua-toi/{code}/")
    assert page.locator("#status-name").inner_text().strip() == "Đã trả kết quả"
    assert order.tracking_number in page.locator("main").inner_text()
    assert "đã được gửi qua dịch vụ bưu chính công ích" in page.locator("main").inner_text()
    assert_accessible(page, "citizen dossier returned")
    page.screenshot(path=str(shots / "6-citizen-returned.png"), full_page=True)

    # --- the applicant was told at every step ------------------------------------------------
    from motcua.notify.models import Notice

    kinds = list(
        Notice.objects.filter(dossier_code=code, channel="email")
        .order_by("pk")
        .values_list("kind", "status")
    )
    assert kinds == [(k, "sent") for k in ("received", "payment", "result_ready", "returned")], (
        kinds
    )
    assert _subjects(smtp)[2:] == [f"Hồ sơ {code} đã có kết quả", f"Hồ sơ {code} đã trả kết quả"]
    assert {m["To"] for m in smtp.messages} == {EMAIL}
    assert "200.000" in smtp.messages[1].get_content()  # the amount asked for
    (shots / "7-mails.txt").write_text(
        "\n\n".join(f"{m['Subject'].lstrip()}\n{m.get_content()}" for m in smtp.messages),
        encoding="utf-8",
    )
    for ctx in (citizen_ctx, desk_ctx):
        ctx.close()
    assert csp == []
