"""Issue 11 in Debian's chromium: the citizen chooses to get the result by post at
submission (address from the administrative units, fee from the operator shown), the desk
issues the result and sends it by post, prints the handover record, the simulated operator
picks it up and delivers it (signed events to the webhook), and both the desk and the
citizen see the dossier returned. Screenshots of each step."""

from __future__ import annotations

import re

import pytest

from motcua.core import outbox
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status
from motcua.postal.models import PostalOrder
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import ID_NUMBER, _session, browser, pdf_files  # noqa: F401
from tests.postal.conftest import API_KEY, SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def units(world):
    from tests import factories

    province = factories.unit("37", "Tỉnh Ninh Bình")
    return {"commune": factories.unit("14308", "Phường Hoa Lư", parent=province)}


@pytest.fixture
def operator(simulator, settings, live_server):
    """The adapter pointed at the simulated operator, which sends its events to this
    Motcua's webhook."""
    import httpx

    settings.MOTCUA_POSTAL_OPERATOR = "buudien"
    settings.MOTCUA_POSTAL_URL = f"{simulator.url}/postal"
    settings.MOTCUA_POSTAL_API_KEY = API_KEY
    settings.MOTCUA_POSTAL_CUSTOMER_CODE = "H37-TTPVHCC"
    settings.MOTCUA_POSTAL_WEBHOOK_SECRET = SECRET
    with httpx.Client(base_url=simulator.url, timeout=15) as http:
        answer = http.post(
            "/_control/postal/settings",
            json={"webhook_url": f"{live_server.url}/api/v1/postal/events/"},
        )
        assert answer.status_code == 200
        yield http


def test_postal_flow(browser, live_server, world, units, operator, pdf_files, tmp_path):  # noqa: F811
    try:
        _flow(
            browser, world, live_server, operator, pdf_files, screenshot_folder(tmp_path, "postal")
        )
    finally:
        from django.db import connections

        connections.close_all()


def _flow(browser, world, live_server, operator, pdf_files, shots):  # noqa: F811
    proc = world.proc

    # --- citizen: chooses the post, with an address from the administrative units --------
    citizen_ctx, page = _session(browser, live_server, world.citizen.username)
    page.goto(f"/thu-tuc/{proc.code}/nop-ho-so/")
    page.fill("input[name=id_number]", ID_NUMBER)
    page.fill("input[name=phone]", "0912345678")
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
    assert "Phường Hoa Lư" in fee.inner_text()
    assert_accessible(page, "submission with postal return")
    page.locator("#return-choice").screenshot(path=str(shots / "1-submit-postal-fee.png"))
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r"/da-nop/$"))
    code = page.locator("#dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert (dossier.return_channel, dossier.return_unit.code) == ("post", "14308")

    # --- the result is issued (receive, assign, approve, finish: the demo flow's steps) ---
    dossier = services.receive(dossier, world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.approve(dossier, world.leader)
    services.finish(dossier, world.specialist)

    # --- desk: sends it by post, prints the handover record -------------------------------
    desk_ctx, page = _session(browser, live_server, world.desk.username)
    page.goto(f"/mot-cua/ho-so/{code}/")
    assert "Đã xử lý xong" in page.locator("#status-name").inner_text()
    page.locator("#postal-send button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "Chờ bưu điện nhận đơn" in page.locator("#postal").inner_text()
    # No hand return while the parcel travels.
    assert page.locator("#action-return_result").count() == 0
    outbox.deliver_pending()  # the worker sends the order to the operator
    order = PostalOrder.objects.get()
    assert order.tracking_number
    page.reload()
    assert order.tracking_number in page.locator("#postal-orders").inner_text()
    assert_accessible(page, "desk dossier with a postal order")
    page.screenshot(path=str(shots / "2-desk-order-created.png"), full_page=True)
    handover = page.request.get(f"/buu-chinh/ho-so/{code}/bien-ban-ban-giao/{order.reference}.pdf")
    assert handover.status == 200 and handover.body().startswith(b"%PDF")
    (shots / "3-bien-ban-ban-giao.pdf").write_bytes(handover.body())

    # --- the operator picks it up and delivers it: signed events to the webhook -----------
    for status in ("picked_up", "delivered"):
        answer = operator.post(
            f"/_control/postal/orders/{order.tracking_number}/events", json={"status": status}
        )
        assert answer.json()["sent"][0]["status"] == 200, answer.text
    page.reload()
    assert "Đã trả kết quả" in page.locator("#status-name").inner_text()
    statuses = page.locator("#postal-orders [data-postal-status]").inner_text()
    assert "Đã phát thành công" in statuses
    assert "Đã lấy bưu gửi" in page.locator("#postal-orders").inner_text()
    page.screenshot(path=str(shots / "4-desk-delivered-returned.png"), full_page=True)
    assert Dossier.objects.get(code=code).status == Status.RETURNED

    # --- citizen sees it returned -----------------------------------------------------------
    page = citizen_ctx.new_page()
    page.goto(f"/ho-so-cua-toi/{code}/")
    assert page.locator("#status-name").inner_text().strip() == "Đã trả kết quả"
    assert order.tracking_number in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "5-citizen-returned.png"), full_page=True)

    for ctx in (citizen_ctx, desk_ctx):
        ctx.close()
