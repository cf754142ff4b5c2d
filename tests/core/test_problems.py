"""Problem documents for malformed and hostile requests: never a 500, always Vietnamese
(whatever Accept-Language says), and the Vietnamese catalogue compiled as written."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.test import APIClient

from motcua.core.pagination import MAX_PAGE_SIZE
from motcua.core.problems import problem_exception_handler
from tests.fuzz.test_api import is_vietnamese

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert is_vietnamese(body["detail"]), body
    return body


@pytest.fixture
def desk(world) -> tuple[APIClient, str]:
    """A desk officer's client and the action URL of a dossier waiting for intake."""
    client = APIClient(**EN)
    client.force_authenticate(world.desk)
    dossier = world.submit_online()
    return client, f"/api/v1/dossiers/{dossier.code}/actions/refuse/"


@pytest.fixture
def api(world) -> APIClient:
    client = APIClient()
    client.cookies["django_language"] = "en"
    token = Token.objects.create(user=world.citizen)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", **EN)
    return client


# --- 500s found by the fuzzers ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/v1/dossiers/A%00B/", "/api/v1/procedures/1.0%00/", "/api/v1/procedures/?q=a%00b"],
)
def test_nul_in_api_url_is_a_problem_not_a_500(api, url):
    # PostgreSQL refuses NUL in text: before the guard, these were 500s there.
    assert assert_problem(api.get(url), 400)["code"] == "nul"


@pytest.mark.parametrize("url", ["/thu-tuc/1.0%00/", "/tra-cuu/?code=%00", "/mot-cua/ho-so/%00/"])
def test_nul_in_page_url_is_the_vietnamese_400_page(client, db, url):
    response = client.get(url, **EN)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_deeply_nested_json_is_a_400(desk):
    client, url = desk
    body = "[" * 5_000 + "]" * 5_000  # 10 kB, far deeper than the parser recurses
    response = client.post(url, body, content_type="application/json")
    assert assert_problem(response, 400)["code"] == "too_deep"


def test_huge_limit_is_clamped_and_huge_offset_is_an_empty_page(api, world):
    response = api.get("/api/v1/procedures/", {"limit": "9" * 40})
    assert response.status_code == 200
    assert "limit=200" in (response.json()["next"] or "limit=200")
    assert len(response.json()["results"]) <= MAX_PAGE_SIZE
    response = api.get("/api/v1/dossiers/", {"limit": 10**30, "offset": 10**30})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_every_list_endpoint_has_a_maximum_page_size():
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_PAGINATION_CLASS.max_limit == MAX_PAGE_SIZE


@pytest.mark.parametrize(
    "name",
    [b"\xed\xa0\x80", b"\xff\xfe", b"t\x00p", "😀".encode() * 50, "component_١".encode()],
)
def test_odd_file_field_names_are_a_400(api, world, name):
    # Built by hand: the test client cannot send a name that is not valid UTF-8.
    boundary = b"BoUnDaRy"
    parts = [
        (b"procedure_code", world.proc.code.encode(), None),
        (b"applicant_name", "Nguyễn Văn Dân".encode(), None),
        (b"applicant_id_number", b"001090000001", None),
        (name, b"%PDF-1.4", b"a.pdf"),
    ]
    body = b""
    for field, value, filename in parts:
        body += b"--" + boundary + b"\r\n"
        body += b'Content-Disposition: form-data; name="' + field + b'"'
        if filename:
            body += b'; filename="' + filename + b'"\r\nContent-Type: application/pdf'
        body += b"\r\n\r\n" + value + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    response = api.generic(
        "POST",
        "/api/v1/dossiers/",
        body,
        content_type=f"multipart/form-data; boundary={boundary.decode()}",
    )
    assert_problem(response, 400)
    response.content.decode("utf-8")


def test_odd_json_keys_are_ignored_or_refused_never_a_500(desk):
    client, url = desk
    body = '{"\\ud800": 1, "\\u0000": 2, "reason": "\\udfff\\u0000"}'
    response = client.post(url, body, content_type="application/json")
    assert_problem(response, 400)
    response.content.decode("utf-8")  # the answer itself is valid UTF-8


def test_too_many_fields_is_a_400(api, world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    data = {f"f{i}": "x" for i in range(20)}
    response = api.post("/api/v1/dossiers/", data, format="multipart")
    assert assert_problem(response, 400)["code"] == "too_many_fields"


def test_too_many_files_is_a_400(api, world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4") for i in range(4)]
    response = api.post("/api/v1/dossiers/", {"files": files}, format="multipart")
    assert assert_problem(response, 400)["code"] == "too_many_files"


def test_impossible_date_is_a_vietnamese_400(world):
    dossier = world.submit_online()
    client = APIClient()
    client.force_authenticate(world.desk)
    url = f"/api/v1/dossiers/{dossier.code}/actions/apologise/"
    for value in [
        "2026-02-30T10:00:00+07:00",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00+14:00",
        "9000-01-01T00:00+07:00",
    ]:
        response = client.post(url, {"new_due_at": value, "reason": "Lý do chậm"}, format="json")
        body = assert_problem(response, 400)
        assert all(is_vietnamese(m) for m in body["errors"]["new_due_at"]), body


def test_unknown_api_url_is_a_problem(api):
    assert_problem(api.get("/api/v1/khong-co/"), 404)


# --- DRF's own messages, in Vietnamese even when the client asks for English -------------


def test_missing_credentials_and_invalid_token(db):
    client = APIClient()
    body = assert_problem(client.get("/api/v1/dossiers/", **EN), 401)
    assert body["detail"].startswith("Bạn chưa đăng nhập")
    client.credentials(HTTP_AUTHORIZATION="Token nope", **EN)
    assert assert_problem(client.get("/api/v1/dossiers/"), 401)["detail"] == (
        "Khóa truy cập (token) không hợp lệ."
    )
    client.credentials(HTTP_AUTHORIZATION="Token a b", **EN)
    assert_problem(client.get("/api/v1/dossiers/"), 401)


def test_405_406_415(api, desk):
    response = api.delete("/api/v1/procedures/")
    assert "DELETE" in assert_problem(response, 405)["detail"]
    assert "GET" in response["Allow"]
    assert_problem(api.get("/api/v1/procedures/", HTTP_ACCEPT="application/xml"), 406)
    client, url = desk
    response = client.post(url, "<a/>", content_type="application/xml")
    assert "application/xml" in assert_problem(response, 415)["detail"]


def test_parse_error(desk):
    client, url = desk
    response = client.post(url, "{nope", content_type="application/json")
    assert assert_problem(response, 400)["code"] == "parse_error"


def test_field_validators_are_vietnamese_with_their_parameters(api, world):
    dossier = world.submit_online(user=world.citizen)
    # The desk's submission: there the applicant is typed in, so name and ID are required
    # (online they come from the account's identity).
    desk = APIClient()
    desk.force_authenticate(world.desk)
    response = desk.post(
        "/api/v1/dossiers/desk/",
        {"procedure_code": "x" * 40, "applicant_name": "", "applicant_email": "not-an-email"},
        format="json",
    )
    errors = assert_problem(response, 400)["errors"]
    assert errors["procedure_code"] == ["Trường này dài tối đa 32 ký tự."]
    assert errors["applicant_name"] == ["Trường này không được để trống."]
    assert errors["applicant_id_number"] == ["Trường này là bắt buộc."]
    assert errors["applicant_email"] == ["Nhập một địa chỉ thư điện tử hợp lệ."]
    response = api.get("/api/v1/dossiers/", {"status": "bogus"})
    assert assert_problem(response, 400)["errors"]["status"] == [
        "“bogus” không phải là lựa chọn hợp lệ."
    ]
    url = f"/api/v1/dossiers/{dossier.code}/actions/request_payment/"
    for amount, message in [
        ("abc", "Cần một số nguyên hợp lệ."),
        (None, "Trường này không được để trống (null)."),
        (0, "Giá trị phải lớn hơn hoặc bằng 1."),
    ]:
        response = desk.post(url, {"amount_vnd": amount}, format="json", **EN)
        assert assert_problem(response, 400)["errors"]["amount_vnd"] == [message]


def test_throttled_is_vietnamese_with_retry_after():
    response = problem_exception_handler(Throttled(wait=42.1, detail="Quá nhiều lần."), {})
    assert response.status_code == 429
    assert response.data["detail"] == "Quá nhiều lần. Vui lòng thử lại sau 43 giây."
    assert response["Retry-After"] == "43"
    response = problem_exception_handler(Throttled(wait=5), {})
    assert response.data["detail"] == "Quá nhiều yêu cầu. Vui lòng thử lại sau 5 giây."


# --- pages -------------------------------------------------------------------------------


def test_page_405_is_vietnamese_html(client, world):
    client.force_login(world.citizen)
    response = client.get("/ho-so-cua-toi/X/rut-ho-so/", **EN)
    assert response.status_code == 405
    assert "Thao tác không được hỗ trợ" in response.content.decode()


# --- the catalogue ----------------------------------------------------------------------


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr (msgstr[0] for plurals) of a .po file: enough for our own file."""
    entries: dict[str, str] = {}
    text = path.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        strings: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                strings[key] = match.group(2)
            elif line.startswith('"') and key:
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            unescape = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode()  # noqa: E731
            msgstr = strings.get("msgstr") or strings.get("msgstr[0]", "")
            entries[unescape(strings["msgid"])] = unescape(msgstr)
    return entries


def test_compiled_catalogue_matches_the_po_file():
    folder = Path(settings.LOCALE_PATHS[0]) / "vi" / "LC_MESSAGES"
    expected = _po_entries(folder / "django.po")
    with (folder / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    compiled = {(k[0] if isinstance(k, tuple) else k): v for k, v in catalog.items() if k and v}
    assert len(expected) > 100
    assert {k: compiled.get(k) for k in expected} == expected
    assert all(is_vietnamese(v) for v in expected.values())


def test_null_body_is_vietnamese(desk):
    client, url = desk
    response = client.post(url, "null", content_type="application/json")
    errors = assert_problem(response, 400)["errors"]
    assert errors["non_field_errors"] == ["Không có dữ liệu gửi lên (thân yêu cầu rỗng hoặc null)."]
