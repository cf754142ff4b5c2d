"""accounts.middleware: the session's user and second-factor device, read by prepared
queries, are what Django's get_user and django-otp's middleware give, session changes
(flush, key cycled under a fallback secret, device id dropped) included."""

from __future__ import annotations

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts import middleware

MODEL = "django.contrib.auth.backends.ModelBackend"
AXES = "axes.backends.AxesStandaloneBackend"


def _request(data: dict):
    store = SessionStore()
    store.update(data)
    store.create()
    request = RequestFactory().get("/mot-cua/")
    request.session = SessionStore(store.session_key)
    return request


def _user_state(user):
    if not user.is_authenticated:
        return ("anonymous", type(user))
    return (type(user), {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields})


def _session_state(request, key_before: str):
    session = request.session
    key = session.session_key
    return (
        dict(session.items()),
        "same key" if key == key_before else ("no key" if key is None else "new key"),
    )


def _compare(data: dict):
    """Django's get_user and ours on two sessions holding the same data."""
    theirs, ours = _request(data), _request(data)
    before = (theirs.session.session_key, ours.session.session_key)
    expected = auth.get_user(theirs)
    got = middleware.get_user(ours)
    assert _user_state(got) == _user_state(expected)
    assert _session_state(ours, before[1]) == _session_state(theirs, before[0])
    return got, ours


def _logged_in(user, backend: str = MODEL) -> dict:
    return {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: backend,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }


def test_an_officer_with_officer_row_and_agency_in_one_query(world):
    data = _logged_in(world.desk)
    request = _request(data)
    with CaptureQueriesContext(connection) as ctx:
        user = middleware.get_user(request)
        assert user.officer.agency.name == world.dept.name
        assert user.officer.role == "desk"
    assert len(ctx.captured_queries) == 2  # the session, then the user with both
    got, _ = _compare(data)
    assert got.pk == world.desk.pk


def test_a_citizen_has_no_officer_row_and_no_second_query(world):
    user, _ = _compare(_logged_in(world.citizen))
    with CaptureQueriesContext(connection) as ctx, pytest.raises(ObjectDoesNotExist):
        user.officer  # noqa: B018
    assert ctx.captured_queries == []


def test_an_inactive_or_deleted_user_is_anonymous(world):
    data = _logged_in(world.specialist)
    User.objects.filter(pk=world.specialist.pk).update(is_active=False)
    user, _ = _compare(data)
    assert not user.is_authenticated
    data = _logged_in(world.citizen)
    data[SESSION_KEY] = "999999"
    user, _ = _compare(data)
    assert not user.is_authenticated


def test_a_changed_password_or_missing_hash_flushes_the_session(world):
    data = _logged_in(world.desk)
    world.desk.set_password("mật khẩu mới 2026!")
    world.desk.save()
    user, request = _compare(data)
    assert not user.is_authenticated and dict(request.session.items()) == {}
    data = _logged_in(world.desk)
    del data[HASH_SESSION_KEY]
    user, _ = _compare(data)
    assert not user.is_authenticated


def test_a_hash_under_a_fallback_secret_cycles_the_key(world, settings):
    old = settings.SECRET_KEY
    data = _logged_in(world.desk)  # hashed under the old secret
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old]
    user, request = _compare(data)
    assert user.pk == world.desk.pk
    assert request.session[HASH_SESSION_KEY] == world.desk.get_session_auth_hash()


def test_other_backends_and_odd_sessions_go_through_django(world, settings):
    allow_all = "django.contrib.auth.backends.AllowAllUsersModelBackend"
    settings.AUTHENTICATION_BACKENDS = [AXES, MODEL, allow_all]
    User.objects.filter(pk=world.specialist.pk).update(is_active=False)
    user, _ = _compare(_logged_in(world.specialist, backend=allow_all))
    assert user.pk == world.specialist.pk  # that backend lets inactive users in
    settings.AUTHENTICATION_BACKENDS = [AXES, MODEL]
    _compare(_logged_in(world.desk, backend=allow_all))
    _compare(_logged_in(world.desk, backend="motcua.no.such.Backend"))
    _compare({})
    _compare({BACKEND_SESSION_KEY: MODEL})
    _compare({SESSION_KEY: str(world.desk.pk)})
    data = _logged_in(world.desk)
    settings.AUTHENTICATION_BACKENDS = [AXES]
    user, _ = _compare(data)
    assert not user.is_authenticated


def test_a_session_key_that_is_no_number_fails_as_in_django(world):
    data = _logged_in(world.desk)
    data[SESSION_KEY] = "abc"
    with pytest.raises(Exception) as theirs:
        auth.get_user(_request(data))
    with pytest.raises(type(theirs.value)):
        middleware.get_user(_request(data))
    data[SESSION_KEY] = str(2**70)  # beyond any key: Django's query answers "no such user"
    user, _ = _compare(data)
    assert not user.is_authenticated


# --- the second-factor device --------------------------------------------------------


def _verified(middleware_class, user, persistent_id):
    request = RequestFactory().get("/mot-cua/")
    store = SessionStore()
    if persistent_id is not None:
        store[DEVICE_ID_SESSION_KEY] = persistent_id
    store.create()
    request.session = SessionStore(store.session_key)
    request.user = user
    middleware_class(lambda r: None)(request)
    device = request.user.otp_device
    return (
        None if device is None else (type(device), device.pk, device.user_id),
        request.user.is_verified(),
        DEVICE_ID_SESSION_KEY in request.session,
    )


def test_the_device_is_the_one_django_otp_finds(world):
    mine = TOTPDevice.objects.create(user=world.desk, name="phone", confirmed=True)
    pending = TOTPDevice.objects.create(user=world.desk, name="new", confirmed=False)
    theirs = TOTPDevice.objects.create(user=world.leader, name="phone", confirmed=True)
    ids = [
        mine.persistent_id,
        pending.persistent_id,
        theirs.persistent_id,  # another user's device: not the desk's
        f"otp_totp.totpdevice/{mine.pk + 1000}",
        f"otp_totp.totpdevice/0{mine.pk}",
        "otp_totp.totpdevice/abc",
        "otp_totp.totpdevice/",
        "otp_totp.totpdevice/²",
        f"otp_totp.TOTPDevice/{mine.pk}",  # django-otp reads the model name in any case
        f"django_otp.plugins.otp_totp.models.TOTPDevice/{mine.pk}",  # legacy form
        f"otp_static.staticdevice/{mine.pk}",
        "no-slash",
        "nosuchapp.model/1",
        None,
    ]
    found = []
    for persistent_id in ids:
        for user in (world.desk, world.citizen):
            expected = _verified(otp_middleware.OTPMiddleware, user, persistent_id)
            assert _verified(middleware.OTPMiddleware, user, persistent_id) == expected, (
                persistent_id
            )
            found.append(expected[1])
    assert any(found)  # the desk's own confirmed device verifies it


def test_the_middlewares_are_the_ones_installed(settings):
    assert "motcua.accounts.middleware.AuthenticationMiddleware" in settings.MIDDLEWARE
    assert "motcua.accounts.middleware.OTPMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_ENGINE == "motcua.core.sessions"
