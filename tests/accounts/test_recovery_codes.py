"""Recovery codes: shown once at enrolment, each good for one login in place of the app's
code, replaced as a set against a current code, gone with the second factor."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from motcua.accounts import services
from motcua.core.models import AuditEntry
from tests.accounts.test_two_factor import QUEUE, code_for, enrolled, login


@pytest.fixture
def required(settings):
    settings.MOTCUA_REQUIRE_2FA = True


def enrol_with_codes(client, user) -> list[str]:
    login(client, user)
    client.get(reverse("accounts:enrol"))
    device = user.totpdevice_set.get(confirmed=False)
    page = client.post(reverse("accounts:enrol"), {"otp_token": code_for(device), "next": QUEUE})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    return page.context["codes"]


def use(client, code: str):
    return client.post(reverse("accounts:verify"), {"recovery_code": code, "next": QUEUE})


def test_enrolment_shows_ten_distinct_codes_once(client, world, required):
    codes = enrol_with_codes(client, world.desk)
    assert len(set(codes)) == 10
    assert all(len(c) == 9 and c[4] == "-" for c in codes)
    stored = set(
        StaticToken.objects.filter(device__user=world.desk).values_list("token", flat=True)
    )
    assert stored == {c.replace("-", "") for c in codes}
    assert AuditEntry.objects.filter(action="recovery_codes_issued").count() == 1
    # The account page tells how many are left, never the codes themselves.
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Còn 10 mã khôi phục" in page
    assert codes[0] not in page


def test_a_code_logs_in_once_and_is_spent(client, world, required):
    codes = enrol_with_codes(client, world.desk)
    client.logout()
    login(client, world.desk)
    # Typed in capitals with a space instead of the dash: still the code.
    response = use(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert services.recovery_codes_left(world.desk) == 9
    used = AuditEntry.objects.get(action="recovery_code_used")
    assert used.data == {"left": 9}

    client.logout()
    login(client, world.desk)
    again = use(client, codes[3])
    assert again.status_code == 200
    assert "Mã khôi phục không đúng hoặc đã được dùng." in again.content.decode()
    assert client.get(QUEUE).status_code == 302
    assert AuditEntry.objects.filter(action="totp_failed", data__step="recovery").count() == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Vui lòng nhập mã khôi phục."),
        ("abc", "Mã khôi phục gồm 8 ký tự"),
        ("abcd-efg1", "Mã khôi phục gồm 8 ký tự"),  # 1 is not in base32
        ("ａｂｃｄ-ｅｆｇ１", "Mã khôi phục gồm 8 ký tự"),  # full-width, folded first
        ("abcd\x00" * 20, "Không được dùng ký tự rỗng (NUL)."),
    ],
)
def test_malformed_codes_get_a_vietnamese_error(client, world, required, raw, message):
    enrol_with_codes(client, world.desk)
    client.logout()
    login(client, world.desk)
    response = use(client, raw)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert services.recovery_codes_left(world.desk) == 10


def test_wrong_codes_are_throttled(client, world, required):
    codes = enrol_with_codes(client, world.desk)
    client.logout()
    login(client, world.desk)
    assert "không đúng" in use(client, "aaaa-aaaa").content.decode()
    # django-otp's throttle: after a failure the device waits before it checks again,
    # even a right code.
    throttled = use(client, codes[0]).content.decode()
    assert "Bạn đã nhập sai mã nhiều lần" in throttled
    assert services.recovery_codes_left(world.desk) == 10


def test_a_new_set_needs_a_current_code_and_replaces_the_old(client, world, required):
    old = enrol_with_codes(client, world.desk)
    device = world.desk.totpdevice_set.get()
    refused = client.post(reverse("accounts:recovery_codes"), {"otp_token": "000000"})
    assert refused.status_code == 302
    assert StaticToken.objects.filter(token=old[0].replace("-", "")).exists()
    # The throttle after that failure is not what this test is about.
    type(device).objects.filter(pk=device.pk).update(throttling_failure_count=0)

    page = client.post(reverse("accounts:recovery_codes"), {"otp_token": code_for(device, 1)})
    assert page.status_code == 200
    new = page.context["codes"]
    assert not set(new) & set(old)
    assert StaticDevice.objects.filter(user=world.desk).count() == 1
    client.logout()
    login(client, world.desk)
    assert "không đúng" in use(client, old[0]).content.decode()


def test_the_codes_go_with_the_second_factor(client, world):
    client.force_login(world.citizen)
    client.get(reverse("accounts:enrol"))
    device = world.citizen.totpdevice_set.get()
    client.post(reverse("accounts:enrol"), {"otp_token": code_for(device)})
    assert services.recovery_codes_left(world.citizen) == 10
    client.post(reverse("accounts:disable"), {"otp_token": code_for(device, 1)})
    assert not StaticDevice.objects.filter(user=world.citizen).exists()


def test_a_code_races_with_itself_once(world):
    enrolled(world.desk)
    code = services.issue_recovery_codes(world.desk)[0]
    assert services.use_recovery_code(world.desk, code) is not None
    assert services.use_recovery_code(world.desk, code) is None


def test_no_codes_no_recovery(client, world, required):
    enrolled(world.desk)
    login(client, world.desk)
    response = use(client, "abcd-efgh")
    assert "Tài khoản chưa có mã khôi phục" in response.content.decode()
