"""Notices in the browser: a citizen chooses the channels on the account page, and an
administrator edits an SMS template in Vietnamese and sees its preview without diacritics."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from motcua.notify.models import Preference, Template
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _session, browser  # noqa: F401 - chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_chooses_channels(browser, live_server, world, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "notify-preferences")
    context, page = _session(browser, live_server, world.citizen.username)
    page.goto("/tai-khoan/")
    page.click("#notice-preferences-link")
    page.wait_for_url(re.compile(r"/tai-khoan/thong-bao/$"))
    assert page.is_checked("#id_email") and page.is_checked("#id_sms")
    assert not page.is_checked("#id_zalo")
    assert_accessible(page, "trang chọn kênh thông báo")
    page.uncheck("#id_email")
    page.check("#id_zalo")
    page.screenshot(path=str(shots / "1-chon-kenh.png"), full_page=True)
    page.click("#notice-preferences button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "Đã lưu cách nhận thông báo." in page.inner_text(".alert-success")
    page.screenshot(path=str(shots / "2-da-luu.png"), full_page=True)
    pref = Preference.objects.get(user=world.citizen)
    assert (pref.email, pref.sms, pref.zalo) == (False, True, True)
    context.close()


def seed_templates() -> None:
    """A transactional test's flush removed the rows of the data migration: seed them."""
    from tests.seeds import reload_shipped_data

    reload_shipped_data()


def test_admin_edits_an_sms_template(browser, live_server, db, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "notify-admin")
    seed_templates()
    User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)
    template = Template.objects.get(kind="apology", channel="sms")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/admin/notify/template/{template.pk}/change/")
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"/admin/notify/template/{template.pk}/change/$"))
    assert "phần tin nhắn" in page.inner_text(".field-preview")
    page.fill("textarea[name=body]", "Xin lỗi ông/bà: hồ sơ {ma_ho_so} trễ hẹn vì {lydo}.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".errornote")
    assert "Không có trường {lydo}" in page.inner_text(".field-body")
    page.screenshot(path=str(shots / "1-loi-truong.png"), full_page=True)
    page.fill(
        "textarea[name=body]", "Xin lỗi ông/bà: hồ sơ {ma_ho_so} trễ hẹn. Hẹn lại {ngay_hen_moi}."
    )
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    preview = page.inner_text(".field-preview")
    assert "Xin loi ong/ba: ho so H37.01-251201-0001 tre hen. Hen lai 16:30 22/12/2025." in preview
    assert "1 phần tin nhắn" in preview
    page.screenshot(path=str(shots / "2-da-luu.png"), full_page=True)
    template.refresh_from_db()
    assert template.body.startswith("Xin lỗi ông/bà: hồ sơ {ma_ho_so} trễ hẹn.")
    context.close()
