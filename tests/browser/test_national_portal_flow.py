"""Issue 10 item 7, the browser path: a citizen logs in to the simulated national portal
through the simulated VNeID and files a dossier there; Motcua's intake takes it from the
portal's feed; the commune's desk receives it on Motcua's desk pages; the dossier is
processed to its return; and the portal's page shows each status, in order, as the outbox
synced them. Screenshots of each step (tests/browser/shots.py)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from motcua.catalog.models import Officer
from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status
from motcua.dvcqg import intake
from motcua.dvcqg.client import DvcqgClient
from tests import factories
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _act, _session, browser  # noqa: F401
from tests.simulators.conftest import DVCQG_CLIENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AN = "001090000001"  # Nguyễn Văn An, a demo citizen of the simulated VNeID


def deliver_all() -> None:
    """The worker sends the status messages (retries made due at once)."""
    for _ in range(10):
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
            next_attempt_at=timezone.now()
        )
        outbox.deliver_pending()
        if not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists():
            return


def test_citizen_files_on_the_national_portal_and_follows_each_status(
    browser,  # noqa: F811
    live_server,
    simulator,
    settings,
    world,
    tmp_path,
):
    settings.MOTCUA_DVCQG_URL = f"{simulator.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID, settings.MOTCUA_DVCQG_CLIENT_SECRET = DVCQG_CLIENT
    DvcqgClient.from_settings().token(renew=True)  # the simulator forgot tokens at reset
    try:
        _flow(browser, live_server, simulator, world, screenshot_folder(tmp_path, "dvcqg-portal"))
    finally:
        from django.db import connections

        connections.close_all()


def _flow(chromium, live_server, simulator, world, shots):
    portal_url = f"{simulator.url}/dvcqg/cong"
    # The commune processes 1.001193 (birth registration) itself.
    specialist = factories.officer(world.commune, Officer.Role.SPECIALIST, "commune-specialist")
    leader = factories.officer(world.commune, Officer.Role.LEADER, "commune-leader")

    # --- citizen, on the national portal: log in with VNeID, file -----------------------
    citizen = chromium.new_context(locale="vi-VN")
    citizen.set_default_timeout(15_000)
    page = citizen.new_page()
    page.goto(portal_url)
    page.screenshot(path=str(shots / "1-portal.png"), full_page=True)
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url(re.compile(re.escape(simulator.url) + r"/vneid/authorize\?"))
    page.screenshot(path=str(shots / "2-vneid.png"), full_page=True)
    page.get_by_role("button", name=re.compile(AN)).click()
    page.wait_for_url(portal_url)
    assert "Nguyễn Văn An" in page.locator("#citizen").inner_text()
    page.select_option("#MaTTHC", "1.001193")
    page.select_option("#MaDonVi", world.commune.identifier)
    page.fill("#TrichYeuHoSo", "Đăng ký khai sinh cho con thứ hai")
    page.screenshot(path=str(shots / "3-form.png"), full_page=True)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r"/cong/ho-so/"))
    national_id = page.locator("#ma-ho-so").inner_text().strip()
    assert "Đang chờ cơ quan tiếp nhận" in page.content()
    page.screenshot(path=str(shots / "4-filed.png"), full_page=True)

    # --- Motcua's worker pulls the portal's feed ----------------------------------------
    report = intake.pull()  # (the demo feed's own dossiers come along)
    assert national_id in report.taken
    dossier = Dossier.objects.get(national_id=national_id)
    assert (dossier.applicant_id_number, dossier.agency) == (AN, world.commune)
    assert dossier.procedure == world.commune_proc and dossier.attachments.exists()

    # --- the commune's desk receives it on the desk pages --------------------------------
    desk_ctx, desk = _session(chromium, live_server, world.commune_desk.username)
    desk.goto("/mot-cua/")
    row = desk.locator(f'tr[data-code="{dossier.code}"]')
    assert row.count() == 1 and "Mới đăng ký" in row.inner_text()
    desk.screenshot(path=str(shots / "5-desk-queue.png"), full_page=True)
    row.get_by_role("link", name=dossier.code).click()
    desk.wait_for_url(f"**/mot-cua/ho-so/{dossier.code}/")
    assert national_id in desk.locator("main").inner_text()
    _act(desk, "receive")
    assert "Được tiếp nhận" in desk.locator("#status-name").inner_text()
    desk.screenshot(path=str(shots / "6-desk-received.png"), full_page=True)
    deliver_all()

    page.reload()
    assert page.locator("#ma-ho-so-tinh").inner_text().strip() == dossier.code
    assert _statuses(page) == [1, 2]
    page.screenshot(path=str(shots / "7-portal-received.png"), full_page=True)

    # --- processed to its return; each step synced ---------------------------------------
    dossier.refresh_from_db()
    dossier = services.assign(dossier, world.commune_desk, to_agency=world.commune,
                              to_user=specialist)  # fmt: skip
    dossier = services.approve(dossier, leader)
    dossier = services.finish(dossier, specialist)
    deliver_all()
    page.reload()
    assert _statuses(page) == [1, 2, 4, 9]
    desk.goto(f"/mot-cua/ho-so/{dossier.code}/")
    _act(desk, "return_result")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RETURNED
    deliver_all()

    page.reload()
    assert _statuses(page) == [1, 2, 4, 9, 10]
    assert "Đã trả kết quả" in page.locator("#tien-do").inner_text()
    page.screenshot(path=str(shots / "8-portal-returned.png"), full_page=True)
    held = simulator.app.systems["dvcqg"].synced[dossier.code]
    assert held["record"]["MaHoSoQuocGia"] == national_id
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED).exists()
    desk_ctx.close()
    citizen.close()


def _statuses(page) -> list[int]:
    """The statuses in the portal's table, in order, repeats (several steps) folded."""
    out: list[int] = []
    for cell in page.locator("#tien-do td[data-status]").all():
        status = int(cell.get_attribute("data-status"))
        if not out or out[-1] != status:
            out.append(status)
    return out
