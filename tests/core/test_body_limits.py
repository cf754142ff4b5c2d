"""Limits before work: bodies refused from the headers, through the real WSGI path, before
sessions, CSRF or authentication read anything; the temp folder stays empty."""

import json
import os
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from motcua.core.middleware import BodyTooLarge, CappedStream

MB = 1024 * 1024


class Source:
    """A client's body arriving on the socket: counts what the app reads of it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.given = 0

    def read(self, size: int = -1) -> bytes:
        left = self.total - self.given
        n = left if size is None or size < 0 else min(size, left)
        self.given += n
        return b"x" * n

    def readline(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 64 * 1024)


def _call(path, source, *, length=None, cookie="", extra=None):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.5",
        "CONTENT_TYPE": "multipart/form-data; boundary=motcua",
        "wsgi.input": source,
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **(extra or {}),
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return ClientHandler(enforce_csrf_checks=True)(environ)


@pytest.fixture
def temp_dir(settings, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.fixture
def citizen_cookie(client, world):
    client.force_login(world.citizen)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def test_oversized_declared_body_is_refused_unread(world, temp_dir, citizen_cookie, settings):
    settings.MOTCUA_MAX_UPLOAD_BODY_BYTES = 5 * MB
    source = Source(50 * MB)
    response = _call("/api/v1/dossiers/", source, length=50 * MB, cookie=citizen_cookie)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["status"] == 413 and "quá lớn" in body["detail"] and "5 MB" in body["detail"]
    assert source.given == 0  # not one byte read: nothing parsed, nothing spooled
    assert list(temp_dir.iterdir()) == []


def test_anonymous_large_body_is_refused_before_the_csrf_check_reads_it(world, temp_dir):
    code = world.proc.code
    source = Source(3 * MB)
    response = _call(f"/thu-tuc/{code}/nop-ho-so/", source, length=3 * MB)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Cần đăng nhập trước khi gửi tệp" in response.content.decode()
    assert source.given == 0
    assert list(temp_dir.iterdir()) == []


def test_a_forged_session_cookie_is_not_a_login(world, temp_dir):
    name = django_settings.SESSION_COOKIE_NAME
    source = Source(3 * MB)
    response = _call("/api/v1/dossiers/", source, length=3 * MB, cookie=f"{name}=forged")
    assert response.status_code == 413 and source.given == 0
    source = Source(3 * MB)
    response = _call(
        "/api/v1/dossiers/", source, length=3 * MB, extra={"HTTP_AUTHORIZATION": "Token nope"}
    )
    assert response.status_code == 413 and source.given == 0


def test_ordinary_endpoints_take_only_small_bodies(world, citizen_cookie):
    source = Source(200 * 1024)
    response = _call("/api/v1/lookup/", source, length=200 * 1024, cookie=citizen_cookie)
    assert response.status_code == 413 and "64 KB" in json.loads(response.content)["detail"]
    assert source.given == 0


def test_logged_in_upload_within_the_limit_reaches_the_view(world, temp_dir):
    # A real multipart body of 2 MB (a file part): past the limits, parsed by the view.
    payload = b"x" * (2 * MB)
    body = (
        b'--motcua\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + payload + b"\r\n--motcua--\r\n"
    )

    class Body(Source):
        def read(self, size=-1):
            n = len(body) - self.given if size is None or size < 0 else size
            chunk = body[self.given : self.given + n]
            self.given += len(chunk)
            return chunk

    token = Token.objects.create(user=world.citizen)
    source = Body(len(body))
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    with CaptureQueriesContext(connection) as queries:
        response = _call("/api/v1/dossiers/", source, length=len(body), extra=auth)
    # The serializer refuses the incomplete submission: what matters is that it got there.
    assert response.status_code == 400
    assert source.given == len(body)
    assert list(temp_dir.iterdir()) == []  # Django removed its spooled file at the end
    # The login check before the body and the API's authentication read the token once.
    token_reads = [q for q in queries.captured_queries if "authtoken_token" in q["sql"]]
    assert len(token_reads) == 1

    # A deactivated account's token is no login: refused before the body is read.
    world.citizen.is_active = False
    world.citizen.save(update_fields=["is_active"])
    source = Body(len(body))
    response = _call("/api/v1/dossiers/", source, length=len(body), extra=auth)
    assert response.status_code == 413 and source.given == 0
    # A key longer than any token, whose first 40 characters are a real one, neither.
    world.citizen.is_active = True
    world.citizen.save(update_fields=["is_active"])
    source = Body(len(body))
    long_key = {"HTTP_AUTHORIZATION": f"Token {token.key}x"}
    response = _call("/api/v1/dossiers/", source, length=len(body), extra=long_key)
    assert response.status_code == 413 and source.given == 0


def test_chunked_bodies_are_cut_at_the_small_limit(world):
    extra = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
    source = Source(10 * MB)
    response = _call("/api/v1/lookup/", source, extra=extra)
    assert response.status_code == 413
    assert source.given <= 64 * 1024 + 1


def test_small_chunked_body_is_read(world):
    extra = {
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
        "CONTENT_TYPE": "application/json",
    }
    body = b'{"code": "X-1", "id_number": "001090000001"}'

    class Body(Source):
        def read(self, size=-1):
            chunk = body[self.given :][: size if size and size > 0 else None]
            self.given += len(chunk)
            return chunk

    response = _call("/api/v1/lookup/", Body(len(body)), extra=extra)
    assert response.status_code == 404  # looked up: no such dossier


def test_chunked_body_without_an_ending_stream_asks_for_a_length(world):
    source = Source(10 * MB)
    response = _call("/api/v1/lookup/", source, extra={"HTTP_TRANSFER_ENCODING": "chunked"})
    assert response.status_code == 411 and source.given == 0
    assert json.loads(response.content)["code"] == "length_required"


def test_invalid_content_length_is_400(world):
    response = _call("/api/v1/lookup/", Source(10), length="-5")
    assert response.status_code == 400
    assert "Content-Length" in json.loads(response.content)["detail"]


def test_the_stream_never_gives_more_than_the_limit():
    stream = CappedStream(Source(100), 10)
    assert stream.read(4) == b"xxxx"
    with pytest.raises(BodyTooLarge):
        stream.read()
    stream = CappedStream(Source(100), 10)
    with pytest.raises(BodyTooLarge):
        list(stream)


def test_too_many_fields_on_a_page_is_a_vietnamese_400(client, world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = client.post("/tra-cuu/", {f"f{i}": "x" for i in range(20)})
    assert response.status_code == 400
    assert "Gửi quá nhiều trường dữ liệu" in response.content.decode()


def test_form_data_over_djangos_limit_on_a_page_is_413(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/tra-cuu/", {"code": "x" * 5000, "id_number": "1"})
    assert response.status_code == 413
    assert "quá lớn" in response.content.decode()


def test_sweep_files_removes_old_temp_uploads(db, temp_dir):
    old = temp_dir / "old.upload"
    old.write_bytes(b"x" * 1000)
    past = time.time() - 3 * 3600
    os.utime(old, (past, past))
    fresh = temp_dir / "fresh.upload"  # a request may still be writing it
    fresh.write_bytes(b"x")
    call_command("sweep_files", "--older-than-hours", "2")
    assert not old.exists() and fresh.exists()
