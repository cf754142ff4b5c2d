"""TOTP second factor: officers and staff must enrol and verify; citizens may."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.core.models import AuditEntry
from tests import factories

QUEUE = "/mot-cua/"


@pytest.fixture
def required(settings):
    settings.MOTCUA_REQUIRE_2FA = True


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code the officer's phone shows now (offset in time steps)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    if offset:
        value = totp(
            device.bin_key,
            step=device.step,
            t0=device.t0 - offset * device.step,
            digits=device.digits,
        )
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {code_for(device, k) for k in range(-device.tolerance - 1, device.tolerance + 2)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def login(client, user, next_url: str = QUEUE):
    return client.post(
        f"{reverse('login')}?next={next_url}",
        {"username": user.username, "password": factories.PASSWORD, "next": next_url},
    )


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_officer_without_device_is_sent_to_enrolment(client, world, required):
    response = login(client, world.desk)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))
    # Nothing else opens until a device is confirmed.
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))


def test_enrolment_shows_qr_and_key_and_confirms_with_a_code(client, world, required):
    login(client, world.desk)
    page = client.get(reverse("accounts:enrol"), {"next": QUEUE})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)|style=", html)  # nothing inline (CSP)
    device = TOTPDevice.objects.get(user=world.desk, confirmed=False)
    shown_key = page.context["manual_key"].replace(" ", "")
    assert base64.b32decode(shown_key + "=" * (-len(shown_key) % 8)) == device.bin_key
    assert shown_key in html.replace(" ", "")

    refused = client.post(reverse("accounts:enrol"), {"otp_token": wrong_code(device)})
    assert refused.status_code == 200
    assert "Mã xác thực không đúng" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    # The throttle after a failure (django-otp doubles a delay per failure) is not what
    # this test is about.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    ok = client.post(reverse("accounts:enrol"), {"otp_token": code_for(device), "next": QUEUE})
    # The recovery codes are shown once, with the way on to where the officer was going.
    assert ok.status_code == 200 and len(ok.context["codes"]) == 10
    assert f'href="{QUEUE}" id="recovery-continue"' in ok.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(QUEUE).status_code == 200
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "totp_enrolled" in actions and "totp_failed" in actions


def test_officer_with_device_must_give_a_code(client, world, required):
    device = enrolled(world.desk)
    response = login(client, world.desk)
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert client.get(QUEUE)["Location"].startswith(reverse("accounts:verify"))

    wrong = client.post(reverse("accounts:verify"), {"otp_token": wrong_code(device)})
    assert wrong.status_code == 200
    assert "Mã xác thực không đúng" in wrong.content.decode()
    assert client.get(QUEUE).status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    right = client.post(reverse("accounts:verify"), {"otp_token": code_for(device), "next": QUEUE})
    assert right.status_code == 302 and right["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_used_code_cannot_be_replayed(client, world, required):
    device = enrolled(world.desk)
    code = code_for(device)
    login(client, world.desk)
    assert client.post(reverse("accounts:verify"), {"otp_token": code}).status_code == 302
    other = client.__class__()
    login(other, world.desk)
    assert other.post(reverse("accounts:verify"), {"otp_token": code}).status_code == 200
    assert other.get(QUEUE).status_code == 302


def test_repeated_wrong_codes_are_throttled(client, world, required):
    device = enrolled(world.desk)
    login(client, world.desk)
    for _ in range(3):
        client.post(reverse("accounts:verify"), {"otp_token": wrong_code(device)})
    # Even the right code waits out the delay django-otp imposes after failures.
    response = client.post(reverse("accounts:verify"), {"otp_token": code_for(device)})
    assert response.status_code == 200
    assert "nhập sai mã nhiều lần" in response.content.decode()


def test_desk_refuses_an_unverified_session_even_with_a_device(client, world, required):
    enrolled(world.desk)
    client.force_login(world.desk)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_officer_api_session_needs_the_second_factor(client, world, required):
    client.force_login(world.desk)
    response = client.get("/api/v1/dossiers/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "second_factor_required"


def test_admin_refuses_an_unverified_staff_session(client, db, required):
    admin = User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)
    device = enrolled(admin)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 302
    # The admin's own permission check, without the middleware's redirect in front of it.
    from django.contrib import admin as django_admin
    from django.test import RequestFactory
    from django_otp.middleware import OTPMiddleware

    request = RequestFactory().get("/admin/")
    request.user = admin
    request.session = client.session
    OTPMiddleware(lambda r: None)(request)
    assert not django_admin.site.has_permission(request)

    client.post(reverse("accounts:verify"), {"otp_token": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_admin_login_page_leads_to_the_second_step(client, db, required):
    admin = User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)
    enrolled(admin)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "quantri", "password": factories.PASSWORD, "next": "/admin/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:verify"))


def test_citizen_logs_in_with_password_alone(client, world, required):
    response = login(client, world.citizen, "/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("my_dossiers")).status_code == 200


def test_citizen_who_enrolled_is_asked_for_the_code(client, world, required):
    device = enrolled(world.citizen)
    response = login(client, world.citizen, "/")
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert client.get(reverse("my_dossiers")).status_code == 302
    client.post(reverse("accounts:verify"), {"otp_token": code_for(device)})
    assert client.get(reverse("my_dossiers")).status_code == 200


def test_citizen_may_enrol_from_the_account_page_and_turn_it_off(client, world):
    client.force_login(world.citizen)
    page = client.get(reverse("accounts:account"))
    assert "Chưa bật" in page.content.decode()
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=world.citizen)
    client.post(reverse("accounts:enrol"), {"otp_token": code_for(device)})
    assert "Đang bật" in client.get(reverse("accounts:account")).content.decode()

    # A used code is refused (replay): the next time step's code, within the tolerance.
    client.post(reverse("accounts:disable"), {"otp_token": code_for(device, 1)})
    assert not TOTPDevice.objects.filter(user=world.citizen).exists()


def test_officer_cannot_turn_the_second_factor_off(client, world, required):
    device = enrolled(world.desk)
    client.force_login(world.desk)
    client.post(reverse("accounts:verify"), {"otp_token": code_for(device)})
    client.post(reverse("accounts:disable"), {"otp_token": code_for(device, 1)})
    assert TOTPDevice.objects.filter(user=world.desk).exists()


def test_without_the_setting_officers_pass_with_a_password(client, world):
    response = login(client, world.desk)
    assert response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_next_may_not_leave_the_site(client, world, required):
    device = enrolled(world.desk)
    login(client, world.desk)
    response = client.post(
        reverse("accounts:verify"),
        {"otp_token": code_for(device), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
