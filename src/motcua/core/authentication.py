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


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str):
        token = TOKEN.first(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
