"""Citizens' own accounts: sign-up confirmed by e-mail, password reset by e-mail, both
behind MOTCUA_LOCAL_SIGNUP; the login page says why a page asked for an account."""

from __future__ import annotations

import email
import re
import socket
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from motcua.accounts.forms import EMAIL_IN_USE
from motcua.core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "mot-cau-mat-khau-dai-2026"
LINK = re.compile(r"http://testserver(/\S+)")


def _signup(client, **extra):
    data = {
        "username": "nguyenvanan",
        "full_name": "Nguyễn Văn An",
        "email": "an@example.vn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return client.post(reverse("signup"), data)


def _logs_in(client, username: str, password: str) -> bool:
    """Through the login page (django-axes needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _link(message) -> str:
    return LINK.search(message.body).group(1)


def test_signup_confirm_then_login(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    user = User.objects.get(username="nguyenvanan")
    assert not user.is_active
    assert user.get_full_name() == "Nguyễn Văn An"
    assert "an@example.vn" in client.get(reverse("signup_sent")).content.decode()
    # Not confirmed yet: the password alone does not log in.
    assert not _logs_in(client, "nguyenvanan", PASSWORD)

    (message,) = mail.outbox
    assert message.to == ["an@example.vn"]
    assert "xác nhận" in message.subject
    link = _link(message)
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    user.refresh_from_db()
    assert user.is_active
    login_page = client.get(response["Location"]).content.decode()
    assert "Đã xác nhận thư điện tử" in login_page
    assert 'value="nguyenvanan"' in login_page
    assert _logs_in(client, "nguyenvanan", PASSWORD)
    assert AuditEntry.objects.filter(action="signup", object_id=str(user.pk)).exists()
    assert AuditEntry.objects.filter(action="email_confirmed", object_id=str(user.pk)).exists()

    # The link works once.
    client.logout()
    assert client.get(link).status_code == 400


def test_signup_refuses_an_email_already_in_use(client):
    factories.citizen("co-san").__class__.objects.filter(username="co-san").update(
        email="An@Example.vn"
    )
    response = _signup(client)
    assert response.status_code == 400
    assert EMAIL_IN_USE in response.content.decode()
    assert not User.objects.filter(username="nguyenvanan").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"password2": "khac-hoan-toan-2026"}, "Hai mật khẩu không khớp nhau."),
        ({"password1": "ngan", "password2": "ngan"}, "ít nhất 12 ký tự"),
        ({"email": "khong-phai-thu"}, "Địa chỉ thư điện tử không hợp lệ."),
        ({"full_name": ""}, "Vui lòng nhập họ và tên."),
        ({"username": "NguyenVanAn"}, "Tên đăng nhập này đã có người dùng."),
    ],
)
def test_signup_errors_in_vietnamese(client, extra, message):
    if extra.get("username"):
        User.objects.create_user("nguyenvanan", "x@example.vn", PASSWORD)
    response = _signup(client, **extra)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_forged_or_foreign_confirmation_links_fail(client):
    _signup(client)
    link = _link(mail.outbox[0])
    uid, token = link.rstrip("/").split("/")[-2:]
    other = User.objects.create_user("khac", "khac@example.vn", PASSWORD, is_active=False)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    foreign = reverse("signup_confirm", args=[urlsafe_base64_encode(force_bytes(other.pk)), token])
    assert client.get(foreign).status_code == 400
    assert client.get(reverse("signup_confirm", args=["zz", token])).status_code == 400
    assert client.get(reverse("signup_confirm", args=[uid, "1-abc"])).status_code == 400
    other.refresh_from_db()
    assert not other.is_active


def test_password_reset_by_email(client):
    user = factories.citizen("quenmatkhau")
    user.email = "quen@example.vn"
    user.save()
    response = client.post(reverse("password_reset"), {"email": "quen@example.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["quen@example.vn"]
    link = _link(message)
    page = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    new = "mat-khau-moi-that-dai-2026"
    response = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert _logs_in(client, "quenmatkhau", new)
    assert AuditEntry.objects.filter(action="password_reset", object_id=str(user.pk)).exists()
    # Used once: the same link is dead now.
    client.logout()
    assert "không đúng, đã hết hạn" in client.get(link, follow=True).content.decode()


def test_reset_for_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "ai-do@example.vn"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_signup_and_reset_are_off_behind_the_setting(client, settings):
    settings.MOTCUA_LOCAL_SIGNUP = False
    for name in ("signup", "signup_sent", "password_reset", "password_reset_done"):
        assert client.get(reverse(name)).status_code == 404
    assert _signup(client).status_code == 404
    assert "Đăng ký tài khoản" not in client.get(reverse("login")).content.decode()
    settings.MOTCUA_LOCAL_SIGNUP = True
    assert "Đăng ký tài khoản" in client.get(reverse("login")).content.decode()


def test_signup_requests_are_throttled_per_address(client, settings):
    settings.MOTCUA_SIGNUP_LIMIT = 2
    for i in range(2):
        _signup(client, username=f"u{i}", email=f"u{i}@example.vn")
    response = _signup(client, username="u9", email="u9@example.vn")
    assert response.status_code == 429
    assert "quá nhiều yêu cầu" in response.content.decode()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/thu-tuc/1.001193/nop-ho-so/", "Để nộp hồ sơ trực tuyến, bạn cần đăng nhập."),
        ("/ho-so-cua-toi/", "Đăng nhập để xem các hồ sơ bạn đã nộp."),
        ("/mot-cua/", "Trang làm việc của cán bộ"),
        ("/thu-tuc/", None),  # the header's link from a public page: no reason shown
        ("https://evil.example/", None),
    ],
)
def test_login_page_says_why(client, next_url, expected):
    html = client.get(reverse("login"), {"next": next_url}).content.decode()
    if expected:
        assert expected in html
    else:
        assert 'id="login-reason"' not in html


def test_anonymous_submission_lands_on_the_login_page_with_the_reason(client):
    proc = factories.procedure(None)
    response = client.get(reverse("submit", args=[proc.code]), follow=True)
    assert "Để nộp hồ sơ trực tuyến, bạn cần đăng nhập." in response.content.decode()


# --- through a real SMTP server -----------------------------------------------------------


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def test_confirmation_goes_through_smtp(client, smtp_server):
    assert _signup(client).status_code == 302
    for _ in range(50):
        if smtp_server.messages:
            break
        time.sleep(0.05)
    (message,) = smtp_server.messages
    assert message["To"] == "an@example.vn"
    assert "xác nhận" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = LINK.search(body).group(1)
    assert client.get(link).status_code == 302
    assert User.objects.get(username="nguyenvanan").is_active
