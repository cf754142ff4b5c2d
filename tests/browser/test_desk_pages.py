"""The desk as an officer uses it: search, filters, saved filter, the dossier page with
one action form at a time (opened without a page reload), the confirmation of an
irreversible action, the attachment preview and the assign form's officer list. Every
page passes axe-core (no serious violations); screenshots are kept (tests/browser/shots.py)
and the user guide (docs/huong-dan-mot-cua.md) uses them."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.models import Channel
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import (  # noqa: F401 - chromium fixture
    _session,
    browser,
    open_action,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _desk_dossier(world, name, id_number):
    return services.submit(
        procedure=world.proc,
        applicant=services.ApplicantData(name=name, id_number=id_number, phone="0912000111"),
        actor=world.desk,
        channel=Channel.DESK,
        uploads=[],
    ).dossier


def test_desk_pages(browser, live_server, world, tmp_path):  # noqa: F811
    try:
        _desk_pages(browser, live_server, world, tmp_path)
    finally:
        from django.db import connections

        connections.close_all()


def _desk_pages(browser, live_server, world, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "desk")
    online = world.submit_online()  # with PDF scans
    found = _desk_dossier(world, "Nguyễn Văn An", "001090000011")
    _desk_dossier(world, "Trần Thị Bình", "001090000022")

    context, page = _session(browser, live_server, world.desk.username)
    page.set_viewport_size({"width": 1200, "height": 850})
    try:
        # --- logged in: the queue --------------------------------------------------------
        assert page.url.endswith("/mot-cua/")
        assert_accessible(page, "queue")
        page.screenshot(path=str(shots / "1-hang-doi.png"))

        # --- the search box: a name typed without diacritics ----------------------------
        page.fill("#id_q", "nguyen van an")
        page.locator("#search-form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"q=nguyen"))
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 1 and found.code in rows.first.inner_text()
        assert_accessible(page, "search results")
        page.screenshot(path=str(shots / "2-tim-kiem.png"))

        # --- filters: the channel, then save them as a named filter ----------------------
        page.goto("/mot-cua/")
        page.locator("#more-filters > summary").click()
        page.select_option("#id_kenh", "online")
        page.fill("#id_sap_den_han", "")
        page.locator("#more-filters button[type=submit]").click()
        page.wait_for_url(re.compile(r"kenh=online"))
        codes = page.locator("table.queue tbody tr").all_inner_texts()
        assert len(codes) == 1 and online.code in codes[0]
        page.fill("#save-filter input[name=name]", "Hồ sơ trực tuyến")
        page.locator("#save-filter button[type=submit]").click()
        page.wait_for_selector(".saved-filter")
        assert "Hồ sơ trực tuyến" in page.locator(".saved-filters").inner_text()
        assert_accessible(page, "filters")
        page.locator("#more-filters > summary").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "3-bo-loc.png"))

        # A date the English way is refused in Vietnamese.
        page.goto("/mot-cua/?nhan_tu=12/31/2026")
        assert "ngày/tháng/năm" in page.locator("#search-form").inner_text()

        # --- the dossier page: buttons, one form at a time, no reload -------------------
        page.goto(f"/mot-cua/ho-so/{online.code}/")
        assert_accessible(page, "dossier page")
        page.screenshot(path=str(shots / "4-ho-so.png"))
        page.evaluate("window.__sameDocument = true")
        for name in ("request_supplement", "change_return_channel", "withdraw", "refuse"):
            open_action(page, name)
            assert page.locator("#action-panel form").count() == 1  # only this one
            assert page.evaluate("window.__sameDocument === true")  # htmx, no reload
        confirm = page.locator("#confirm-refuse")
        assert "không thể hoàn tác" in confirm.inner_text()
        assert_accessible(page, "refuse form")
        page.locator("#action-refuse").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "5-tu-choi-xac-nhan.png"))
        # Sending without ticking: the box is required (the server checks it again,
        # tests/desk/test_dossier_actions.py), so nothing is sent.
        page.fill("textarea[name='refuse-reason']", "Không thuộc thẩm quyền")
        page.locator("#action-refuse button[type=submit]").click()
        box = page.locator("input[name='refuse-confirm']")
        assert box.evaluate("el => el.validity.valueMissing")
        assert page.evaluate("window.__sameDocument === true")
        page.goto(f"/mot-cua/ho-so/{online.code}/")

        # --- attachment preview (PDF in a frame) and its hash -------------------------
        preview = page.locator("details[data-preview]").first
        preview.locator("summary").click()
        frame = preview.locator("iframe")
        frame.wait_for()
        src = frame.get_attribute("src")
        response = page.request.get(src)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert page.locator("details.hash").count() >= 1
        preview.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "6-xem-truoc.png"))
        # The actions start from a page without the PDF viewer loading in its frame.
        page.goto(f"/mot-cua/ho-so/{online.code}/")

        # --- receive, then the assign form offers only the chosen agency's officers ------
        open_action(page, "receive")
        page.locator("#action-receive button[type=submit]").click()
        page.wait_for_selector(".alert-success")
        form = open_action(page, "assign")
        officers = form.locator("select[name='assign-to_user'] option").all_inner_texts()
        assert any("Cán bộ specialist" in o for o in officers)
        assert not any("other-leader" in o for o in officers)
        form.locator("select[name='assign-to_agency']").select_option(str(world.other_dept.pk))
        # (A locator wait, not wait_for_function: the page's CSP forbids eval.)
        form.locator("select[name='assign-to_user'] option", has_text="other-leader").wait_for(
            state="attached"
        )
        officers = form.locator("select[name='assign-to_user'] option").all_inner_texts()
        assert not any("Cán bộ specialist" in o for o in officers)
        assert_accessible(page, "assign form")
        form.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "7-chuyen-xu-ly.png"))

        # --- apology date typed the Vietnamese way --------------------------------------
        form = open_action(page, "apologise")
        assert (
            form.locator("input[name='apologise-new_due_at']").get_attribute("placeholder")
            == "dd/mm/yyyy hh:mm"
        )
        due = timezone.localtime(found.due_at or timezone.now())
        assert due is not None
    finally:
        context.close()
