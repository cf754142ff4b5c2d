"""API token authentication that also loads the caller's officer record.

Every API call asks policy.officer_of(user) at least once (visibility, audit of reads,
allowed actions); fetching the officer in the token's query saves one round trip per
request (a user without an officer record gets a cached "none", not a second query).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__officer").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
