"""API token authentication that also loads the caller's officer record.

Every API call asks policy.officer_of(user) at least once (visibility, audit of reads,
allowed actions); fetching the officer in the token's query saves one round trip per
request (a user without an officer record gets a cached "none", not a second query).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from motcua.core.prepared import Prepared

# Every API call with a token starts here: compiled once (core.prepared).
TOKEN = Prepared(
    "core.token",
    lambda key: Token.objects.select_related("user", "user__officer").filter(key=key).order_by(),
    key=str,
)


# Where remembered_token keeps the token read before the view (an upload's login check).
_REMEMBERED = "_motcua_token"


def remembered_token(request, key: str) -> Token | None:
    """The token with `key` (user and officer loaded), read once per request: the upload
    body check before the view and the API's authentication share the read."""
    if len(key) > 40:  # longer than any key: DRF's authenticate() refuses it as malformed
        return None
    held = getattr(request, _REMEMBERED, None)
    if held is not None and held[0] == key:
        return held[1]
    token = TOKEN.first(key=key)
    setattr(request, _REMEMBERED, (key, token))
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        self._request = request  # per request: DRF builds the authenticators for each one
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        request = getattr(self, "_request", None)
        token = TOKEN.first(key=key) if request is None else remembered_token(request, key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
