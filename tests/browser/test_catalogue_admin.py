"""The catalogue sync and the citizens' feedback as an administrator sees them in Debian's
chromium: the pending change with its diff, accepting it, the versions on the desk page,
the ratings list. Screenshots go to $MOTCUA_SCREENSHOTS when set."""

from __future__ import annotations

import pytest
from django.db import connections

from motcua.catalog.models import NationalProcedureVersion
from motcua.dvcqg import catalogue, feedback
from motcua.dvcqg.client import DvcqgClient
from tests import factories
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _session, browser  # noqa: F401 - chromium fixture
from tests.simulators.conftest import DVCQG_CLIENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_accepts_a_national_change(
    browser,  # noqa: F811
    live_server,
    world,
    simulator,
    settings,
    tmp_path,
):
    try:
        _flow(browser, live_server, world, simulator, settings, tmp_path)
    finally:
        connections.close_all()


def _flow(browser, live_server, world, simulator, settings, tmp_path):  # noqa: F811
    shots = screenshot_folder(tmp_path, "catalogue-admin")
    settings.MOTCUA_DVCQG_URL = f"{simulator.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID, settings.MOTCUA_DVCQG_CLIENT_SECRET = DVCQG_CLIENT
    world.proc.national_code = "1.009972"
    world.proc.save()
    old = world.submit_online()
    portal = DvcqgClient.from_settings()
    catalogue.pull_catalogue(portal)
    feedback.pull_feedback(portal)
    factories.User.objects.create_superuser("qtv", "", factories.PASSWORD)

    context, page = _session(browser, live_server, "qtv")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/catalog/nationalprocedureversion/?state__exact=pending")
    assert "Chờ duyệt" in page.locator("#result_list").inner_text()
    page.screenshot(path=shots / "01-pending.png", full_page=True)
    row = NationalProcedureVersion.objects.get(national_code="1.009972", version=2)
    page.goto(f"/admin/catalog/nationalprocedureversion/{row.pk}/change/")
    assert "Thời hạn giải quyết" in page.content()
    page.screenshot(path=shots / "02-diff.png", full_page=True)
    page.goto("/admin/catalog/nationalprocedureversion/?state__exact=pending")
    page.locator(f"input[name=_selected_action][value='{row.pk}']").check()
    page.select_option("select[name=action]", "accept")
    page.locator("button[name=index]").click()
    page.wait_for_selector(".messagelist")
    assert "Đã áp dụng" in page.locator(".messagelist").inner_text()
    page.screenshot(path=shots / "03-accepted.png", full_page=True)
    page.goto("/admin/feedback/rating/")
    assert "Chưa gắn hồ sơ" in page.locator("#result_list").inner_text()
    page.screenshot(path=shots / "04-ratings.png", full_page=True)
    context.close()

    context, page = _session(browser, live_server, world.desk.username)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/mot-cua/ho-so/{old.code}/")
    assert "phiên bản 1" in page.locator("#procedure-version").inner_text()
    page.screenshot(path=shots / "05-desk-old-version.png")
    context.close()
