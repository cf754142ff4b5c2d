"""A citizen logs in through the simulated VNeID in Debian's chromium and files a dossier
under the identity VNeID vouched for: the login page's "Đăng nhập bằng VNeID" button, the
provider's page (a demo citizen picked), back logged in, the submission form with name and
ID number filled and locked. Screenshots of each step go to $MOTCUA_SCREENSHOTS when set
(the test's tmp_path otherwise)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from motcua.accounts.models import CitizenIdentity
from motcua.dossiers.models import Dossier
from tests import factories
from tests.browser.test_demo_flow import browser  # noqa: F401 - the chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AN = "001090000001"  # Nguyễn Văn An, a demo citizen of the simulator


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path) / "vneid-login"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_citizen_logs_in_with_vneid_and_files_under_the_locked_identity(
    browser,  # noqa: F811
    live_server,
    simulator,
    settings,
    world,
    tmp_path,
    shots,
):
    settings.MOTCUA_VNEID_ISSUER = f"{simulator.url}/vneid"
    settings.MOTCUA_VNEID_CLIENT_ID = "motcua"
    settings.MOTCUA_VNEID_CLIENT_SECRET = "motcua-vneid-secret"
    try:
        _flow(browser, live_server, simulator, world, tmp_path, shots)
    finally:
        from django.db import connections

        connections.close_all()


def _flow(chromium, live_server, simulator, world, tmp_path, shots):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)

    page.goto("/dang-nhap/")
    page.screenshot(path=str(shots / "1-login.png"), full_page=True)
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()

    # The provider's page: pick a demo citizen.
    page.wait_for_url(re.compile(re.escape(simulator.url) + r"/vneid/authorize\?"))
    page.screenshot(path=str(shots / "2-vneid.png"), full_page=True)
    page.get_by_role("button", name=re.compile(f"Nguyễn Văn An — {AN}")).click()

    # Back home, logged in as the citizen VNeID vouched for.
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/$"))
    assert page.locator(".account-name").count() == 1
    page.screenshot(path=str(shots / "3-logged-in.png"), full_page=True)
    identity = CitizenIdentity.objects.get(id_number=AN)
    assert identity.verified

    # The submission form: the applicant is the account's identity, locked.
    page.goto(f"/thu-tuc/{world.proc.code}/nop-ho-so/")
    name, id_number = page.locator("input[name=name]"), page.locator("input[name=id_number]")
    assert name.input_value() == "Nguyễn Văn An" and name.is_disabled()
    assert id_number.input_value() == AN and id_number.is_disabled()
    page.fill("input[name=phone]", "0912345678")
    page.fill("input[name=subject]", "Xây nhà ở riêng lẻ 3 tầng")
    for component in world.proc.components.all():
        path = tmp_path / f"tp{component.pk}.pdf"
        path.write_bytes(factories.PDF)
        page.set_input_files(f"input[name=component_{component.pk}]", str(path))
    page.screenshot(path=str(shots / "4-submit-form.png"), full_page=True)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r"/da-nop/$"))
    page.screenshot(path=str(shots / "5-submitted.png"), full_page=True)

    code = page.locator("#dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Nguyễn Văn An", AN)
    assert dossier.applicant_id == identity.user_id
    assert not violations, violations
    context.close()
