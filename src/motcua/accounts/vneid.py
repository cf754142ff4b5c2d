"""The VNeID OpenID Connect client (Authlib): discovery from the issuer, authorization code
with PKCE (S256), state and nonce kept in the session, the ID token's signature checked
against the provider's JWKS and its iss, aud, exp, nonce and at_hash validated."""

from __future__ import annotations

import functools

from authlib.integrations.django_client import OAuth
from django.conf import settings

SCOPE = "openid profile email phone"


def enabled() -> bool:
    return bool(settings.MOTCUA_VNEID_ISSUER and settings.MOTCUA_VNEID_CLIENT_ID)


@functools.lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str, timeout: float):
    # One client per configuration: it caches the discovery document and the JWKS (and
    # fetches the JWKS again when a token names a key it does not know).
    return OAuth().register(
        "vneid",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": timeout,
        },
    )


def client():
    return _client(
        settings.MOTCUA_VNEID_ISSUER,
        settings.MOTCUA_VNEID_CLIENT_ID,
        settings.MOTCUA_VNEID_CLIENT_SECRET,
        settings.MOTCUA_VNEID_TIMEOUT_SECONDS,
    )


def claims_options() -> dict:
    # The issuer we were configured with, not only the one the discovery document names.
    return {"iss": {"essential": True, "values": [settings.MOTCUA_VNEID_ISSUER]}}
