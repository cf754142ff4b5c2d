"""Officer sessions end after inactivity; a session that still owes its second factor may
only reach the pages that collect it."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, logout
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import router
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django_otp import middleware as otp_middleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts import twofactor
from motcua.core.prepared import Prepared, first_row

# --- who is asking: the session's user and second factor, read by prepared queries ----

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_BIGINT = range(-(2**63), 2**63)

# The session's user with the officer row and its agency (every officer page reads both:
# policy, the page header), in one query compiled once (core.prepared); a user without an
# officer row gets a cached "none".
SESSION_USER = Prepared(
    "accounts.session_user",
    lambda pk: User.objects.select_related("officer__agency").filter(pk=pk).order_by(),
    pk=int,
)
TOTP_LABEL = TOTPDevice.model_label()  # "otp_totp.totpdevice", as persistent ids name it
TOTP_DEVICE = Prepared(
    "accounts.totp_device", lambda pk: first_row(TOTPDevice.objects.filter(id=pk)), pk=int
)


def get_user(request):
    """django.contrib.auth.get_user for a session logged in through ModelBackend, the user
    read by SESSION_USER instead of ModelBackend.get_user's query compiled per request;
    the session check (hash, fallback secrets, flush) is Django's, line for line. Anything
    else goes to Django's own. tests/accounts/test_session_user.py compares both."""
    session = request.session
    if (
        session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND
        or MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS
        or auth.get_user_model() is not User
    ):
        return auth.get_user(request)
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
    except (KeyError, ValidationError):
        return auth.get_user(request)
    if type(user_id) is not int or user_id not in _BIGINT:
        return auth.get_user(request)
    user = SESSION_USER.first(router.db_for_read(User), pk=user_id)
    if user is not None and not getattr(user, "is_active", True):
        user = None  # ModelBackend.user_can_authenticate
    if user is not None:
        session_hash = session.get(HASH_SESSION_KEY)
        if not session_hash:
            session_hash_verified = False
        else:
            session_auth_hash = user.get_session_auth_hash()
            session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
        if not session_hash_verified:
            if session_hash and any(
                constant_time_compare(session_hash, fallback_auth_hash)
                for fallback_auth_hash in user.get_session_auth_fallback_hash()
            ):
                session.cycle_key()
                session[HASH_SESSION_KEY] = session_auth_hash
            else:
                session.flush()
                user = None
    return user or AnonymousUser()


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with request.user from get_user above (request.auser unchanged)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's, with a TOTP device read by TOTP_DEVICE (the same row
    Device.from_persistent_id reads); other persistent ids go through django-otp."""

    def _device_from_persistent_id(self, persistent_id: str):
        label, _, pk = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label == TOTP_LABEL and pk.isascii() and pk.isdigit() and int(pk) in _BIGINT:
            return TOTP_DEVICE.first(router.db_for_read(TOTPDevice), pk=int(pk))
        return super()._device_from_persistent_id(persistent_id)


# --- idle timeout and the second-factor gate --------------------------------------------

# Refresh the stored timestamp at most this often: a session write per request is waste.
LAST_SEEN_GRANULARITY = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and twofactor.is_officer_or_staff(user):
            now = int(time.time())
            last = request.session.get(twofactor.LAST_SEEN)
            minutes = settings.MOTCUA_OFFICER_IDLE_MINUTES
            if isinstance(last, int) and now - last > minutes * 60:
                logout(request)
                messages.warning(
                    request,
                    f"Phiên làm việc đã kết thúc do không hoạt động quá {minutes} phút. "
                    "Vui lòng đăng nhập lại.",
                )
                if not request.path_info.startswith("/api/"):
                    return redirect_to_login(request.get_full_path())
            elif not isinstance(last, int) or now - last >= LAST_SEEN_GRANULARITY:
                request.session[twofactor.LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            names = ("login", "logout", "accounts:verify", "accounts:enrol")
            self._open_paths = tuple(reverse(name) for name in names)
        return self._open_paths

    def __call__(self, request):
        if twofactor.needs_verification(request) and not self.is_open(request.path_info):
            return self.refuse(request)
        return self.get_response(request)

    def is_open(self, path: str) -> bool:
        return path in self.open_paths() or path.startswith(settings.STATIC_URL)

    def refuse(self, request):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Không có quyền",
                    "status": 403,
                    "detail": "Phiên đăng nhập chưa xác thực hai bước. "
                    "Hãy nhập mã xác thực trên trang đăng nhập trước khi dùng API.",
                    "code": "second_factor_required",
                },
                status=403,
                content_type="application/problem+json",
                json_dumps_params={"ensure_ascii": False},
            )
        user = request.user
        step = "accounts:verify" if twofactor.confirmed_device(user) else "accounts:enrol"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(step)}?{query}")
