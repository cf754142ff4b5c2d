"""The portal's new page paths in Debian's chromium: why a login is asked, sign-up with the
confirmation e-mail, password reset, catalogue search with an abbreviation, the procedure
page with its forms, the API token page. Each page is screenshotted and checked by axe."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from motcua.catalog import services as catalog_services
from motcua.catalog.models import Procedure
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.shots import screenshot_folder
from tests.browser.test_demo_flow import _session, browser  # noqa: F401 - chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PASSWORD = "mot-cau-mat-khau-dai-2026"
LINK = re.compile(r"http://[^/\s]+(/\S+)")


@pytest.fixture
def shots(tmp_path):
    return screenshot_folder(tmp_path, "portal")


@pytest.fixture
def context(browser, live_server):  # noqa: F811
    ctx = browser.new_context(base_url=live_server.url, locale="vi-VN", accept_downloads=True)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()
    from django.db import connections

    connections.close_all()


def _look(page, shots, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert_accessible(page, name)


def _mail_link(index: int = -1) -> str:
    return LINK.search(mail.outbox[index].body).group(1)


def test_signup_from_a_submission(context, world, shots):
    taken = factories.citizen("da-co")
    taken.email = "trung@example.vn"
    taken.save()
    page = context.new_page()

    # An anonymous visitor who wants to submit is told why they must log in.
    page.goto(f"/thu-tuc/{world.proc.code}/nop-ho-so/")
    page.wait_for_url(re.compile(r"/dang-nhap/\?next="))
    assert (
        "Để nộp hồ sơ trực tuyến, bạn cần đăng nhập." in page.locator("#login-reason").inner_text()
    )
    _look(page, shots, "01-login-reason")

    page.get_by_role("link", name="Đăng ký tài khoản công dân").click()
    page.wait_for_url("**/dang-ky/**")
    _look(page, shots, "02-signup")
    page.fill("#id_username", "nguyenthibinh")
    page.fill("#id_full_name", "Nguyễn Thị Bình")
    page.fill("#id_email", "trung@example.vn")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("#signup button[type=submit]").click()
    assert "đã được dùng cho một tài khoản khác" in page.locator("main").inner_text()
    _look(page, shots, "03-signup-email-in-use")

    page.fill("#id_email", "binh@example.vn")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("#signup button[type=submit]").click()
    page.wait_for_url("**/dang-ky/da-gui/")
    assert "binh@example.vn" in page.locator("main").inner_text()
    _look(page, shots, "04-signup-sent")

    assert mail.outbox[-1].to == ["binh@example.vn"]
    page.goto(_mail_link())
    page.wait_for_url(re.compile(r"/dang-nhap/\?username=nguyenthibinh"))
    assert "Đã xác nhận thư điện tử" in page.locator("main").inner_text()
    assert page.input_value("input[name=username]") == "nguyenthibinh"
    _look(page, shots, "05-confirmed")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Nguyễn Thị Bình" in page.locator(".account-name").inner_text()


def test_password_reset(context, world, shots):
    world.citizen.email = "dan@example.vn"
    world.citizen.save()
    page = context.new_page()
    page.goto("/dang-nhap/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.wait_for_url("**/quen-mat-khau/")
    _look(page, shots, "06-reset-form")
    page.fill("#id_email", "dan@example.vn")
    page.locator("#password-reset button[type=submit]").click()
    page.wait_for_url("**/quen-mat-khau/da-gui/")
    _look(page, shots, "07-reset-sent")

    page.goto(_mail_link())
    page.wait_for_url(re.compile(r"/quen-mat-khau/.+/set-password/$"))
    _look(page, shots, "08-reset-new-password")
    new = "mat-khau-moi-that-dai-2026"
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.locator("#password-set button[type=submit]").click()
    page.wait_for_url("**/quen-mat-khau/xong/")
    _look(page, shots, "09-reset-done")

    page.get_by_role("link", name="Đăng nhập").last.click()
    page.fill("input[name=username]", world.citizen.username)
    page.fill("input[name=password]", new)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator(".account-name").count() == 1


def test_catalogue_search_with_an_abbreviation_and_the_procedure_page(context, world, shots):
    birth = Procedure.objects.filter(code="1.001193").first() or factories.procedure(
        None, code="1.001193", name="Đăng ký khai sinh", days="1"
    )
    birth.legal_basis = "Luật Hộ tịch 2014"
    birth.save()
    catalog_services.load_procedure_details(catalog_services.demo_procedure_details())
    page = context.new_page()
    page.goto("/")
    _look(page, shots, "10-home")
    page.fill("#home-q", "GPXD")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thu-tuc/\?q=GPXD"))
    names = page.locator(".procedure-list h2").all_inner_texts()
    assert names == [world.proc.name]
    _look(page, shots, "11-search-gpxd")

    page.goto(f"/thu-tuc/{birth.code}/")
    main = page.locator("main").inner_text()
    for text in ["Đối tượng thực hiện", "Trình tự thực hiện", "Yêu cầu, điều kiện", "Luật Hộ tịch"]:
        assert text in main
    _look(page, shots, "12-procedure")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tờ khai đăng ký khai sinh").click()
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(4) == b"%PDF"


def test_api_token_page(browser, live_server, world, shots):  # noqa: F811
    context, page = _session(browser, live_server, world.desk.username)
    try:
        page.goto("/tai-khoan/")
        page.get_by_role("link", name="Tạo, thay hoặc thu hồi mã truy cập API").click()
        page.wait_for_url("**/tai-khoan/ma-truy-cap/")
        _look(page, shots, "13-tokens-none")
        page.get_by_role("button", name="Tạo mã truy cập").click()
        key = page.input_value("#token-key")
        assert len(key) == 40
        _look(page, shots, "14-tokens-new")
        page.goto("/tai-khoan/ma-truy-cap/")
        assert key[-4:] in page.locator("#token-status").inner_text()
        assert key not in page.content()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Thu hồi mã").click()
        page.wait_for_selector(".alert-success")
        assert "Tài khoản chưa có mã truy cập API." in page.locator("main").inner_text()
        _look(page, shots, "15-tokens-revoked")
    finally:
        context.close()
        from django.db import connections

        connections.close_all()
