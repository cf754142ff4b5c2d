"""The demo story end to end in Debian's chromium: a citizen submits online, the desk
receives and assigns, the leader approves, the specialist finishes, the desk returns the
result online, and the citizen looks it up and downloads it."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier, Status
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ID_NUMBER = "001090000001"


@pytest.fixture
def browser(monkeypatch, live_server):
    # Depends on live_server so the browser (and its keep-alive connections) closes before
    # the server stops and the test database is flushed.
    from playwright import sync_api

    assert os.path.exists(CHROMIUM), "Debian chromium is missing: run `make system-deps`"
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code, so Django's async guard must stand aside.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def pdf_files(tmp_path):
    def make(*names: str) -> list[str]:
        paths = []
        for name in names:
            path = tmp_path / name
            path.write_bytes(factories.PDF)
            paths.append(str(path))
        return paths

    return make


def _session(browser, live_server, username: str):
    """A fresh browser context (its own cookies) logged in through the login page."""
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    # Citizens land on the home page, officers on their queue.
    page.wait_for_url(re.compile(r"/(mot-cua/)?$"))
    assert page.locator(".account-name").count() == 1
    return context, page


def open_action(page, action: str):
    """The dossier page shows one action form at a time: click its button (htmx loads the
    form into the page) unless it is already open."""
    form = page.locator(f"#action-{action}")
    if form.count() == 0:
        page.locator(f"form[data-open='{action}'] button").click()
        page.wait_for_selector(f"#action-{action}")
        # htmx:afterSwap focuses the form's heading, which may scroll the page: a click
        # sent before that lands where the button was (seen once under CI load).
        expect(form.locator("h3")).to_be_focused()
    return form


def send_action(page, action: str) -> None:
    """Send the open form, ticking the confirmation of an irreversible action."""
    form = page.locator(f"#action-{action}")
    confirm = form.locator(f"input[name='{action}-confirm']")
    if confirm.count():
        confirm.check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")


def _act(page, action: str) -> None:
    open_action(page, action)
    send_action(page, action)


def test_demo_flow(browser, live_server, world, pdf_files):
    try:
        _demo_flow(browser, live_server, world, pdf_files)
    finally:
        # The ORM calls made while Playwright runs live in their own context and so hold
        # their own connection: close it here, or the test database cannot be dropped.
        from django.db import connections

        connections.close_all()


def _demo_flow(browser, live_server, world, pdf_files):
    proc = world.proc

    # --- citizen: search without diacritics, open the procedure, submit -------------
    citizen_ctx, page = _session(browser, live_server, world.citizen.username)
    page.fill("#home-q", "giay phep xay dung")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thu-tuc/\?q="))
    page.get_by_role("link", name=proc.name).click()
    page.wait_for_url(f"**/thu-tuc/{proc.code}/")
    assert proc.code in page.locator("main").inner_text()
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(f"**/thu-tuc/{proc.code}/nop-ho-so/")

    page.fill("input[name=id_number]", ID_NUMBER)
    page.fill("input[name=phone]", "0912345678")
    page.fill("input[name=subject]", "Xây nhà ở riêng lẻ 3 tầng")
    components = list(proc.components.all())
    files = pdf_files(*[f"thanh-phan-{i}.pdf" for i in range(len(components))])
    for component, path in zip(components, files, strict=True):
        page.set_input_files(f"input[name=component_{component.pk}]", path)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r"/da-nop/$"))
    code = page.locator("#dossier-code").inner_text().strip()
    assert re.fullmatch(r"000\.00\.01\.H37-\d{6}-\d{4}", code)
    assert "Hạn tiếp nhận hồ sơ" in page.content()
    assert Dossier.objects.get(code=code).attachments.count() == len(components)

    # --- desk: sees it in the queue, receives it, assigns it to the specialist -------
    desk_ctx, page = _session(browser, live_server, world.desk.username)
    page.goto("/mot-cua/")
    row = page.locator(f'tr[data-code="{code}"]')
    assert row.count() == 1
    assert "Mới đăng ký" in row.inner_text()
    row.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/mot-cua/ho-so/{code}/")
    _act(page, "receive")
    assert "Được tiếp nhận" in page.locator("#status-name").inner_text()

    receipt = page.request.get(f"/mot-cua/ho-so/{code}/phieu-tiep-nhan.pdf")
    assert receipt.status == 200
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")

    assign = open_action(page, "assign")
    assign.locator("select[name='assign-to_agency']").select_option(str(world.dept.pk))
    assign.locator("select[name='assign-to_user']").select_option(str(world.specialist.pk))
    assign.locator("input[name='assign-budget_days']").fill("2")
    _act(page, "assign")
    assert "Đang xử lý" in page.locator("#status-name").inner_text()

    # --- leader approves -------------------------------------------------------------
    leader_ctx, page = _session(browser, live_server, world.leader.username)
    page.goto(f"/mot-cua/ho-so/{code}/")
    _act(page, "approve")

    # --- specialist finishes with the result ----------------------------------------
    specialist_ctx, page = _session(browser, live_server, world.specialist.username)
    page.goto(f"/mot-cua/ho-so/{code}/")
    (result_path,) = pdf_files("giay-phep-xay-dung.pdf")
    open_action(page, "finish")
    page.set_input_files("input[name='finish-files']", result_path)
    _act(page, "finish")
    assert "Đã xử lý xong" in page.locator("#status-name").inner_text()

    # --- desk returns it online -----------------------------------------------------
    page = desk_ctx.new_page()
    page.goto(f"/mot-cua/ho-so/{code}/")
    # The channel the citizen chose at submission (online by default) is the return's.
    assert "Trả trực tuyến" in page.locator("#return-channel").inner_text()
    _act(page, "return_result")
    assert "Đã trả kết quả" in page.locator("#status-name").inner_text()
    assert Dossier.objects.get(code=code).status == Status.RETURNED

    # --- citizen looks it up and downloads the result -------------------------------
    page = citizen_ctx.new_page()
    page.goto("/tra-cuu/")
    page.fill("input[name=code]", code)
    page.fill("input[name=id_number]", ID_NUMBER)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_selector("#status-name")
    assert page.locator("#status-name").inner_text().strip() == "Đã trả kết quả"
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Tải kết quả")).click()
    download = download_info.value
    assert download.suggested_filename == "giay-phep-xay-dung.pdf"
    with open(download.path(), "rb") as body:
        assert body.read().startswith(b"%PDF-")

    for ctx in (citizen_ctx, desk_ctx, leader_ctx, specialist_ctx):
        ctx.close()
