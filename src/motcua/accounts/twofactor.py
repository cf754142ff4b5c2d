"""Who must present a second factor, and whether this session has.

Officers (an Officer row) and staff must use TOTP when MOTCUA_REQUIRE_2FA is on; anyone
who enrolled a device (citizens may) is asked for it at every login. Accounts depend only
on core: the officer row is reached through the user's reverse relation.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django_otp.plugins.otp_totp.models import TOTPDevice

# Session keys.
PENDING = "motcua_2fa_pending"  # logged in by password, device enrolled, code not yet given
LAST_SEEN = "motcua_last_seen"  # officers: epoch seconds of the last request (idle timeout)


def is_officer_or_staff(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    try:
        user.officer  # noqa: B018 - reverse one-to-one; cached on the user for the request
    except ObjectDoesNotExist:
        return False
    return True


def must_use_second_factor(user) -> bool:
    return bool(settings.MOTCUA_REQUIRE_2FA) and is_officer_or_staff(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_verified(request) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def needs_verification(request) -> bool:
    """The session is logged in but may not act yet: it must give (or enrol) a code."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return False
    return must_use_second_factor(user) or bool(request.session.get(PENDING))


def on_login(sender, request, user, **kwargs) -> None:
    """Every way in (our login page, the admin's) marks the session before it is used."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN] = int(time.time())
    if confirmed_device(user) is not None:
        request.session[PENDING] = True
