"""Login throttling (django-axes, configured in settings and motcua.core.logins): per
account and per address, growing lockouts, lifted by an administrator, failures audited."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from motcua.core.models import AuditEntry
from tests.factories import PASSWORD

LOGIN = "/dang-nhap/"
ADMIN_LOGIN = "/admin/login/"
WRONG = "wrong-password-123"  # noqa: S105


def _login(client, username, password, address="203.0.113.5", path=LOGIN, **extra):
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def _fail(client, username, times, address="203.0.113.5", path=LOGIN):
    return [_login(client, username, WRONG, address, path).status_code for _ in range(times)]


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.MOTCUA_LOGIN_COOLOFF_MINUTES = 10
    settings.MOTCUA_LOGIN_COOLOFF_MAX_HOURS = 24
    return settings


def test_account_locked_after_the_limit_from_any_address(client, world, limits):
    user = world.citizen.username
    # Three failures from three addresses: the account is what is counted.
    assert [_fail(client, user, 1, f"198.51.100.{i}")[0] for i in range(3)] == [200, 200, 429]
    # Even the right password, from a fresh address, is refused while locked.
    response = _login(client, user, PASSWORD, "192.0.2.77")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 600
    page = response.content.decode()
    assert "Đăng nhập sai quá nhiều lần" in page and "10 phút" in page
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    assert _login(client, world.other_citizen.username, PASSWORD, "192.0.2.77").status_code == 302


def test_address_locked_after_failures_on_many_accounts(client, world, limits):
    # Password spraying: one address, a different account each time.
    for name in ("a1", "a2", "a3"):
        _fail(client, name, 1, "203.0.113.9")
    assert _login(client, world.citizen.username, PASSWORD, "203.0.113.9").status_code == 429
    assert _login(client, world.citizen.username, PASSWORD, "203.0.113.10").status_code == 302


def test_ipv6_neighbours_share_the_address_count(client, world, limits):
    for i in range(3):
        _fail(client, f"n{i}", 1, f"2001:db8:5:6::{i + 1}")
    response = _login(client, world.citizen.username, PASSWORD, "2001:db8:5:6:abcd::1")
    assert response.status_code == 429


def test_admin_login_is_throttled_too(client, world, limits):
    world.desk.is_staff = True
    world.desk.save()
    assert _fail(client, world.desk.username, 3, path=ADMIN_LOGIN)[-1] == 429
    assert _login(client, world.desk.username, PASSWORD, path=ADMIN_LOGIN).status_code == 429


def test_each_failure_after_a_lockout_doubles_it(client, world, limits):
    user = world.citizen.username
    assert _fail(client, user, 3)[-1] == 429

    def end_the_lockout():
        # As if the lockout's time had passed (the rows' last failure moved back).
        past = timezone.now() - dt.timedelta(minutes=61)
        AccessAttempt.objects.update(attempt_time=past)

    end_the_lockout()
    # The lockout is over: the right password would pass; a wrong one locks for twice as long.
    response = _login(client, user, WRONG)
    assert response.status_code == 429 and int(response["Retry-After"]) == 1200
    end_the_lockout()
    response = _login(client, user, WRONG)
    assert response.status_code == 429 and int(response["Retry-After"]) == 2400
    # The failures are kept for the longest lockout, not forgotten with the first one.
    expires = AccessAttemptExpiration.objects.values_list("expires_at", flat=True)
    assert min(expires) > timezone.now() + dt.timedelta(hours=23)
    end_the_lockout()
    assert _login(client, user, PASSWORD).status_code == 302


def test_failures_are_forgotten_after_the_cool_off_without_a_lockout(client, world, limits):
    user = world.citizen.username
    _fail(client, user, 2)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=11))
    AccessAttemptExpiration.objects.update(expires_at=timezone.now())
    assert _fail(client, user, 2) == [200, 200]


def test_an_administrator_lifts_the_lockout(client, world, limits):
    user = world.citizen.username
    _fail(client, user, 3)
    assert _login(client, user, PASSWORD).status_code == 429
    call_command("axes_reset_username", user)
    assert _login(client, user, PASSWORD).status_code == 302
    # ... or in the admin, where the attempts are listed.
    assert AccessAttempt in admin.site._registry


def test_admin_page_lists_and_deletes_attempts(client, world, limits, django_user_model):
    user = world.citizen.username
    _fail(client, user, 3)
    root = django_user_model.objects.create_superuser("root", "root@example.vn", PASSWORD)
    client.force_login(root)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert user in client.get(changelist).content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert not AccessAttempt.objects.exists()
    client.logout()
    assert _login(client, user, PASSWORD).status_code == 302


def test_failures_are_audited_without_the_password(client, world, limits):
    _fail(client, world.citizen.username, 1, "2001:db8:7:8::42")
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.object_id == world.citizen.username
    assert entry.data["username"] == world.citizen.username
    assert entry.data["address"] == "2001:db8:7:8::"
    assert entry.data["path"] == LOGIN
    assert WRONG not in str(entry.data) and WRONG not in entry.object_id
    # Unknown accounts are audited too (guessing names is what is being recorded).
    _fail(client, "no-such-user", 1)
    assert AuditEntry.objects.filter(action="login_failed", object_id="no-such-user").exists()


def test_lockout_answer_for_json_clients_is_a_problem_document(client, world, limits):
    _fail(client, world.citizen.username, 3)
    response = _login(client, world.citizen.username, PASSWORD, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 429 and body["code"] == "login_locked"
    assert "quá nhiều lần" in body["detail"]


def test_a_nul_or_overlong_username_does_not_break_the_count(client, world, limits):
    # The form refuses these before authenticate(); nothing to count, nothing to crash.
    assert _login(client, "ab\x00cd", WRONG).status_code == 200
    assert _login(client, "x" * 5000, WRONG).status_code == 200
