"""Ratings and feedback in Debian's chromium: the applicant rates a returned dossier on the
portal; the desk opens the rating tablet (800×1280 portrait) and a citizen rates there
without an account; a report goes from the citizen to the leader (assigned), the
specialist (answered) and the desk (published) to the public Hỏi đáp page. Axe on every
page; screenshots in $MOTCUA_SCREENSHOTS/feedback-flow (the test's tmp_path otherwise)."""

from __future__ import annotations

import re

import pytest

from motcua.feedback.models import Feedback, Rating, Source
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import browser  # noqa: F401 - the chromium fixture
from tests.feedback.helpers import returned

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session(chromium, live_server, username: str | None, **context_args):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", **context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    if username:
        page.goto("/dang-nhap/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", factories.PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/(mot-cua/)?$"))
    return context, page


def _rate(page, levels: dict[str, str]):
    """Taps a level of each criterion: "Tốt" unless `levels` says otherwise."""
    for fieldset in page.locator("fieldset.criterion").all():
        code = fieldset.get_attribute("id").removeprefix("tieu-chi-")
        fieldset.locator("label.level", has_text=levels.get(code, "Tốt")).first.click()


def _close_connections():
    from django.db import connections

    connections.close_all()


def test_citizen_rates_online(browser, live_server, world, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "feedback-flow")
    dossier = returned(world)
    try:
        context, page = _session(browser, live_server, world.citizen.username)
        page.goto(f"/ho-so-cua-toi/{dossier.code}/")
        page.locator("#rate-link").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{dossier.code}/danh-gia/")
        assert page.locator("fieldset.criterion").count() == 8
        assert_accessible(page, "online rating form")
        _rate(page, {"6": "Không đạt"})
        page.fill("#nhan-xet", "Cán bộ hướng dẫn chưa rõ ràng.")
        page.screenshot(path=str(shots / "1-online-rating.png"), full_page=True)
        page.get_by_role("button", name="Gửi đánh giá").click()
        page.wait_for_selector("#rated")
        assert "Cảm ơn bạn đã đánh giá" in page.locator(".messages").inner_text()
        rating = Rating.objects.get(dossier=dossier)
        assert rating.source == Source.ONLINE and rating.scores["6"] == 0 and rating.is_negative
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(shots / "2-online-rating-phone.png"), full_page=True)
        assert_accessible(page, "online rating, rated, phone")
        context.close()
    finally:
        _close_connections()


def test_kiosk_rating_at_800x1280(browser, live_server, world, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "feedback-flow")
    dossier = returned(world)
    try:
        context, page = _session(
            browser,
            live_server,
            world.desk.username,
            viewport={"width": 800, "height": 1280},
            has_touch=True,
        )
        page.goto("/mot-cua/danh-gia/mo/")
        assert_accessible(page, "kiosk opening page")
        page.locator("#open-kiosk").click()
        page.wait_for_url("**/mot-cua/danh-gia/")
        assert page.locator(".account-name").count() == 0  # the officer is logged out
        assert page.locator("nav").count() == 0  # and the tablet shows no navigation
        page.screenshot(path=str(shots / "3-kiosk-home.png"), full_page=True)
        assert_accessible(page, "kiosk home")
        pick = page.locator("#kiosk-list a", has_text=dossier.code)
        assert pick.bounding_box()["height"] >= 64  # a finger's target
        pick.tap()
        page.wait_for_url(f"**/mot-cua/danh-gia/ho-so/{dossier.code}/")
        assert dossier.applicant_name not in page.content()
        for level in page.locator("label.level").all()[:3]:
            assert level.bounding_box()["height"] >= 56
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800  # nothing wider than the portrait screen
        _rate(page, {"2": "Đạt"})
        page.screenshot(path=str(shots / "4-kiosk-rating.png"), full_page=True)
        assert_accessible(page, "kiosk rating form")
        page.locator("#send-rating").tap()
        page.wait_for_selector("#kiosk-thanks")
        page.screenshot(path=str(shots / "5-kiosk-thanks.png"))
        assert Rating.objects.get(dossier=dossier).source == Source.COUNTER
        page.get_by_role("link", name="Xong").tap()
        page.wait_for_url("**/mot-cua/danh-gia/")
        assert page.locator("#kiosk-list").count() == 0  # rated: no longer offered
        # The tablet reaches nothing else.
        page.goto("/mot-cua/")
        assert "/dang-nhap/" in page.url
        context.close()
    finally:
        _close_connections()


def test_feedback_submitted_assigned_answered_published(
    browser,  # noqa: F811
    live_server,
    world,
    tmp_path,
):
    shots = screenshot_folder(tmp_path, "feedback-flow")
    try:
        _feedback_flow(browser, live_server, world, shots)
    finally:
        _close_connections()


def _feedback_flow(chromium, live_server, world, shots):
    citizen, page = _session(chromium, live_server, world.citizen.username)
    page.goto("/hoi-dap/gui/")
    page.get_by_label("Phản ánh", exact=True).check()
    page.select_option("#co-quan", str(world.dept.pk))
    page.fill(
        "#noi-dung",
        "Tôi Nguyễn Văn Dân (0912345678) chờ ở quầy hơn hai giờ mà không được hướng dẫn.",
    )
    page.fill("#ho-ten", "Nguyễn Văn Dân")
    page.fill("#lien-he", "0912345678")
    page.locator("input[name=dong-y-cong-khai]").check()
    page.screenshot(path=str(shots / "6-feedback-form.png"), full_page=True)
    assert_accessible(page, "feedback form")
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url("**/hoi-dap/cua-toi/")
    assert "Cơ quan sẽ trả lời trước" in page.locator(".messages").inner_text()
    item = Feedback.objects.get()

    leader, page = _session(chromium, live_server, world.leader.username)
    page.goto("/mot-cua/")
    page.get_by_role("link", name="Phản ánh, kiến nghị").click()
    page.wait_for_url("**/mot-cua/phan-anh/")
    assert page.locator(f'tr[data-pk="{item.pk}"]').count() == 1
    page.screenshot(path=str(shots / "7-handling-list.png"), full_page=True)
    assert_accessible(page, "handling list")
    page.locator(f'tr[data-pk="{item.pk}"] a').first.click()
    page.select_option("#can-bo", str(world.specialist.pk))
    page.get_by_role("button", name="Phân công").click()
    page.wait_for_selector(".alert-success")
    assert world.specialist.username in page.locator("#assignee").inner_text()
    assert_accessible(page, "handling item")
    leader.close()

    specialist, page = _session(chromium, live_server, world.specialist.username)
    page.goto(f"/mot-cua/phan-anh/{item.pk}/")
    page.fill("#tra-loi", "Xin lỗi ông Nguyễn Văn Dân; từ 10/12 quầy bố trí thêm cán bộ hướng dẫn.")
    page.get_by_role("button", name="Gửi trả lời").click()
    page.wait_for_selector("#item-answer")
    assert "Đã trả lời" in page.locator("#item-status").inner_text()
    specialist.close()

    desk, page = _session(chromium, live_server, world.desk.username)
    page.goto(f"/mot-cua/phan-anh/{item.pk}/")
    question = page.locator("#cau-hoi-cong-khai").input_value()
    assert "0912345678" not in question and "Nguyễn Văn Dân" not in question
    page.screenshot(path=str(shots / "8-publish.png"), full_page=True)
    page.get_by_role("button", name="Công khai").click()
    page.wait_for_selector("#published")
    desk.close()

    page = citizen.new_page()
    page.goto("/hoi-dap/")
    text = page.locator("#qa-list").inner_text()
    assert "chờ ở quầy hơn hai giờ" in text and "bố trí thêm cán bộ" in text
    assert "0912345678" not in text and "Nguyễn Văn Dân" not in text
    page.screenshot(path=str(shots / "9-public.png"), full_page=True)
    assert_accessible(page, "public questions")
    page.goto("/hoi-dap/cua-toi/")
    assert "bố trí thêm cán bộ" in page.locator("#my-feedback").inner_text()
    citizen.close()
