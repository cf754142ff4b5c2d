"""Reads of accounts data for other apps (dossiers take the applicant from here)."""

from __future__ import annotations

from motcua.accounts.models import CitizenIdentity
from motcua.core.prepared import Prepared, first_row

# Read by every online submission: compiled once (core.prepared).
_IDENTITY = Prepared(
    "accounts.identity_of",
    lambda user: first_row(CitizenIdentity.objects.filter(user_id=user)),
    user=int,
)


def identity_of(user) -> CitizenIdentity | None:
    if user is None or not user.is_authenticated:
        return None
    return _IDENTITY.first(user=user.pk)
