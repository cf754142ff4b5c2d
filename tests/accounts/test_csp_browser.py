"""Pages under the Content-Security-Policy in Debian's chromium: no violation on the home
page, login, the officer's TOTP enrolment and desk queue, the admin and Swagger UI."""

from __future__ import annotations

import base64
import os
import re

import pytest
from django.contrib.auth.models import User
from django_otp.oath import totp

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


@pytest.fixture
def browser(monkeypatch, live_server):
    from playwright import sync_api

    assert os.path.exists(CHROMIUM), "Debian chromium is missing: run `make system-deps`"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Violations:
    """Every CSP complaint the page makes: console messages and securitypolicyviolation
    events (reported to the console by a listener added before any page script runs)."""

    def __init__(self, context):
        self.seen: list[str] = []
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )
        context.on("page", self.watch)

    def watch(self, page):
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))

    def console(self, message):
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text:
            self.seen.append(text)


def login(page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()


def code_from_page(page) -> str:
    key = page.locator("#otp-key").inner_text().replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    return f"{totp(secret):06d}"


def test_pages_under_the_policy(browser, live_server, world, settings):
    try:
        _pages(browser, live_server, world, settings)
    finally:
        from django.db import connections

        connections.close_all()


def _pages(browser, live_server, world, settings):
    settings.MOTCUA_REQUIRE_2FA = True
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    violations = Violations(context)
    page = context.new_page()

    page.goto("/")
    page.goto("/dang-nhap/")

    # The desk officer: password, then enrolment (QR + key), then the queue.
    login(page, world.desk.username)
    page.wait_for_url(re.compile(r"/tai-khoan/xac-thuc-hai-buoc/"))
    assert page.locator("#otp-qr svg").is_visible()
    page.fill("input[name=otp_token]", code_from_page(page))
    page.locator("#otp-enrol button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    page.goto("/mot-cua/")
    assert page.locator(f'tr[data-code="{world.submit_online().code}"]').count() == 0
    page.reload()
    assert page.locator("tr[data-code]").count() == 1
    page.goto("/mot-cua/tiep-nhan-moi/")
    page.goto("/tai-khoan/")
    page.goto("/tai-khoan/doi-mat-khau/")
    context.clear_cookies()

    # The administrator: admin login, second step, a few admin pages.
    User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/tai-khoan/xac-thuc-hai-buoc/"))
    page.fill("input[name=otp_token]", code_from_page(page))
    page.locator("#otp-enrol button[type=submit]").click()
    page.locator("#recovery-continue").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    for path in ("/admin/auth/user/", f"/admin/auth/user/{world.desk.pk}/change/"):
        page.goto(path)
        assert page.locator("#content").count() == 1

    # Swagger UI renders the operations from the schema.
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)

    context.close()
    assert violations.seen == []
