"""The statistical report page in a real browser: a leader opens the reports, chooses a
month, reads the table, downloads the .xlsx; axe-core on the page; screenshots kept."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _session, browser  # noqa: F401 - the chromium fixture
from tests.reports.test_numbers import story  # noqa: F401 - the dossiers of March and April

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_report_page(browser, live_server, world, story, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "reports")
    context, page = _session(browser, live_server, "leader")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/bao-cao/")
    page.wait_for_url(f"**/bao-cao/co-quan/{world.dept.pk}/")  # one unit: straight to it
    page.select_option("#period-kind", "thang")
    page.select_option("#period-year", "2026")
    page.select_option("#period-month", "4")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url("**ky=thang**")
    heading = page.locator("#report-title").inner_text()
    assert "Tháng 04/2026" in heading and "06a" in heading
    total = page.locator("table.report tfoot tr.total td.n").all_inner_texts()
    assert total[:4] == ["5", "3", "1", "1"]  # received: total, carried, online, direct
    assert "Giải quyết quá hạn" in page.inner_text("table.late")
    assert_accessible(page, "report page")
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về .xlsx").click()
    assert download.value.suggested_filename.endswith("202604-202604.xlsx")
    # A period that does not exist: said in Vietnamese, the page still works.
    page.goto(f"/bao-cao/co-quan/{world.dept.pk}/?ky=thang&thang=13")
    assert "ngoài khoảng cho phép" in page.locator("[role=alert]").inner_text()
    # On a phone the table scrolls inside its region; the page itself does not widen.
    page.set_viewport_size(PHONE)
    page.goto(f"/bao-cao/co-quan/{world.dept.pk}/?ky=thang&nam=2026&thang=4")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "report-phone.png"), full_page=True)
    assert errors == []
    context.close()
