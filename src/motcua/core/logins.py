"""Login throttling with django-axes (settings AXES_*), the project's parts of it.

Axes counts failed logins in the database (shared by every process) per account and per
client address (the /64 bucket of motcua.core.ratelimit.client_ip), for every view that
calls authenticate(request=...): /dang-nhap/ and /admin/login/ alike. What is ours:

- a cool-off that grows: failures are remembered for MOTCUA_LOGIN_COOLOFF_MINUTES; at
  AXES_FAILURE_LIMIT failures the login is refused for that long; once locked out, the
  failures are remembered for MOTCUA_LOGIN_COOLOFF_MAX_HOURS and every failure after the
  lockout ends doubles it (attempts refused during a lockout do not count);
- every failed login written to the audit chain (the username tried and the address
  bucket, never the password);
- the lockout answer in Vietnamese (page, or problem document for JSON clients).

An administrator lifts a lockout in the admin (Axes > Access attempts: delete) or with
`motcua axes_reset_username <name>` / `axes_reset_ip <address>`.
"""

from __future__ import annotations

import datetime as dt
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from motcua.core import audit
from motcua.core.middleware import refusal
from motcua.core.ratelimit import client_ip

USERNAME_MAX = 150  # auth.User.username


def username_of(request: HttpRequest | None, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the username tried, made storable (no NUL, bounded)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    elif request is not None:
        value = getattr(request, "data", request.POST).get(field)
    else:
        value = None
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "")[:USERNAME_MAX]


def _failures(request: HttpRequest) -> int:
    """The larger of the account's and the address's live failure counts, read directly
    (axes' own count calls the cool-off, which would recurse)."""
    username = get_client_username(request, getattr(request, "axes_credentials", None))
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    wanted = Q(ip_address=address) if address else Q(pk__in=[])
    if username:
        wanted |= Q(username=username)
    counts = AccessAttempt.objects.filter(
        wanted, expiration__expires_at__gt=timezone.now()
    ).aggregate(
        by_user=Sum(
            "failures_since_start", filter=Q(username=username) if username else Q(pk__in=[])
        ),
        by_address=Sum(
            "failures_since_start", filter=Q(ip_address=address) if address else Q(pk__in=[])
        ),
    )
    return max(counts["by_user"] or 0, counts["by_address"] or 0)


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: base before and at the limit, doubled by each failure past it."""
    base = dt.timedelta(minutes=settings.MOTCUA_LOGIN_COOLOFF_MINUTES)
    ceiling = dt.timedelta(hours=settings.MOTCUA_LOGIN_COOLOFF_MAX_HOURS)
    if request is None:
        return base
    over = _failures(request) - settings.AXES_FAILURE_LIMIT
    if over <= 0:
        return base
    return min(ceiling, base * 2 ** min(over, 32))


def _on_probation(username: str, address: str | None) -> None:
    """Once locked out, an account's or address's failures are remembered for the longest
    cool-off instead of the base one, so that the next failure after the lockout ends
    doubles it (a lockout that ends with the count would start over at the base)."""
    wanted = Q(username=username) if username else Q(pk__in=[])
    if address:
        wanted |= Q(ip_address=address)
    until = timezone.now() + dt.timedelta(hours=settings.MOTCUA_LOGIN_COOLOFF_MAX_HOURS)
    AccessAttemptExpiration.objects.filter(
        access_attempt__in=AccessAttempt.objects.filter(wanted)
    ).update(expires_at=until)


class AuditedAxesHandler(AxesDatabaseHandler):
    """Axes' database handler that also writes each failed login to the audit chain."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        username = username_of(None, credentials)
        if request is not None and getattr(request, "axes_locked_out", False):
            _on_probation(username, request.axes_ip_address)
        data = {
            "username": username,
            "address": client_ip(request) if request is not None else "",
            "path": request.path_info[:200] if request is not None else "",
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        }
        with transaction.atomic():
            audit.record("login_failed", "account", username[:64], data=data)


def _wait_text(delta: dt.timedelta) -> str:
    minutes = math.ceil(delta.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After, in Vietnamese."""
    wait = cool_off(request)
    detail = (
        "Đăng nhập sai quá nhiều lần nên tạm bị khóa. "
        f"Vui lòng thử lại sau {_wait_text(wait)} hoặc liên hệ quản trị viên để mở khóa."
    )
    seconds = max(1, math.ceil(wait.total_seconds()))
    if "json" in request.headers.get("Accept", "") or request.path_info.startswith("/api/"):
        return refusal(request, 429, detail, "login_locked", retry_after=seconds, as_problem=True)
    response = render(
        request, "registration/lockout.html", {"wait_text": _wait_text(wait)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response
