"""The service index pages in a real browser: the public scorecard, the province's, a
department's and a commune's dashboards, on a desktop and on a 390 px phone; charts drawn
by the static script under the strict CSP, htmx switching the period and opening an
indicator's dossiers; axe-core on each page; screenshots kept as artefacts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.catalog.models import Agency, Officer
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.serviceindex.models import OpenDueCount
from motcua.serviceindex.rebuild import rebuild_open
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _session, browser  # noqa: F401 - the chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE = {"width": 390, "height": 844}


def _data(world):
    for i in range(6):
        d = services.receive(world.submit_online(), world.desk)
        if i % 3 == 0:
            past = timezone.now() - dt.timedelta(hours=2)
            Dossier.objects.filter(pk=d.pk).update(on_time_due_at=past, original_due_at=past)
    rebuild_open(Dossier, OpenDueCount)  # the UPDATEs beside the services are an import
    services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel="desk",
        uploads=factories.uploads_for(world.proc),
    )


# What sticks out past a phone's screen, to name it when the page is too wide.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 12)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], page.evaluate(WIDEST)


def _watch(page, errors):
    """Script errors, and failed requests other than the favicon (there is none)."""
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )


def _charts_drawn(page):
    page.wait_for_selector(".chart svg")
    return page.locator(".chart svg").count()


def test_scorecard_and_dashboards(browser, live_server, world, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "service-index")
    _data(world)
    province = factories.agency(name="UBND tỉnh Ninh Bình", level=Agency.Level.PROVINCE)
    factories.officer(province, Officer.Role.LEADER, "province-leader")
    factories.officer(world.commune, Officer.Role.LEADER, "commune-leader")
    errors: list[str] = []

    # Public scorecard, anonymous, desktop and phone.
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    _watch(page, errors)
    page.goto("/chi-so/")
    assert _charts_drawn(page) == 1
    assert page.locator("table.index-table").count() == 1
    assert "Không có dữ liệu" in page.inner_text("table.index-table")
    assert_accessible(page, "/chi-so/")
    page.screenshot(path=str(shots / "public.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    _charts_drawn(page)
    page.screenshot(path=str(shots / "public-phone.png"), full_page=True)
    _fits_the_phone(page)
    context.close()

    # The province's leader: every dashboard; the period switched by htmx.
    context, page = _session(browser, live_server, "province-leader")
    _watch(page, errors)
    page.goto("/chi-so/bang-dieu-hanh/")
    assert page.get_by_role("link", name="Toàn tỉnh").count() == 1
    page.get_by_role("link", name="Toàn tỉnh").click()
    assert _charts_drawn(page) == 2  # groups, trend (no peers for the province)
    assert_accessible(page, "province dashboard")
    page.screenshot(path=str(shots / "province.png"), full_page=True)
    page.select_option("#period-kind", "thang")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**ky=thang**")
    assert page.locator("#dashboard-body h2").first.inner_text().startswith("Tháng")
    _charts_drawn(page)

    page.goto(f"/chi-so/bang-dieu-hanh/co-quan/{world.dept.pk}/")
    assert _charts_drawn(page) == 3  # groups, trend, peers
    assert "xếp hạng 1/" in page.inner_text("#dashboard-body h2")
    # An indicator's dossiers open beside the table (htmx), each linked to the desk page.
    page.locator("table.index-table a", has_text="TD1").click()
    detail = page.locator("#indicator-detail")
    detail.get_by_role("heading", name="Hồ sơ làm mất điểm").wait_for()
    assert detail.locator("a[href*='/mot-cua/ho-so/']").count() >= 2
    assert "/chi-tieu/" not in page.url  # swapped in, not navigated
    assert_accessible(page, "department dashboard with detail")
    page.screenshot(path=str(shots / "department.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    _charts_drawn(page)
    page.screenshot(path=str(shots / "department-phone.png"), full_page=True)
    _fits_the_phone(page)
    context.close()

    # A commune's leader lands on the commune's dashboards.
    context, page = _session(browser, live_server, "commune-leader")
    page.goto("/chi-so/bang-dieu-hanh/")
    page.get_by_role("link", name=world.commune.unit.name).click()
    assert _charts_drawn(page) == 3
    assert_accessible(page, "commune dashboard")
    page.screenshot(path=str(shots / "commune.png"), full_page=True)
    response = page.goto(f"/chi-so/bang-dieu-hanh/co-quan/{world.dept.pk}/")
    assert response.status == 403
    context.close()
    assert not errors, errors
