"""Recovery codes in chromium: a desk officer enrols the second factor, is shown ten codes
once, and on a day without the phone logs in with one of them."""

from __future__ import annotations

import re

import pytest

from tests.accounts.test_csp_browser import code_from_page, login
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import browser  # noqa: F401 - chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_keeps_codes_and_logs_in_with_one(
    browser,  # noqa: F811
    live_server,
    world,
    settings,
    tmp_path,
):
    settings.MOTCUA_REQUIRE_2FA = True
    shots = screenshot_folder(tmp_path, "recovery-codes")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()

    login(page, world.desk.username)
    page.wait_for_url(re.compile(r"/tai-khoan/xac-thuc-hai-buoc/"))
    page.fill("input[name=otp_token]", code_from_page(page))
    page.locator("#otp-enrol button[type=submit]").click()
    page.wait_for_selector("#recovery-codes")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in codes)
    assert_accessible(page, "trang mã khôi phục")
    page.screenshot(path=str(shots / "1-ma-khoi-phuc.png"), full_page=True)
    page.click("#recovery-continue")
    page.wait_for_url(re.compile(r"/mot-cua/$"))
    context.clear_cookies()

    # Without the phone: the password, then a recovery code instead of the app's code.
    login(page, world.desk.username)
    page.wait_for_url(re.compile(r"/tai-khoan/xac-thuc/"))
    page.click("#recovery summary")
    page.fill("input[name=recovery_code]", "aaaa-aaaa")
    page.locator("#recovery-verify button[type=submit]").click()
    page.wait_for_selector("#recovery-verify .field-error")
    assert "không đúng" in page.inner_text("#recovery-verify .field-error")
    assert_accessible(page, "trang xác thực bằng mã khôi phục")
    page.screenshot(path=str(shots / "2-ma-sai.png"), full_page=True)
    # django-otp's throttle waits a second after a failure before it checks again.
    page.wait_for_timeout(1_100)
    page.fill("input[name=recovery_code]", codes[0])
    page.locator("#recovery-verify button[type=submit]").click()
    page.wait_for_url(re.compile(r"/mot-cua/$"))
    assert "còn 9 mã" in page.inner_text(".messages")
    page.screenshot(path=str(shots / "3-da-dang-nhap.png"), full_page=True)
    context.close()
