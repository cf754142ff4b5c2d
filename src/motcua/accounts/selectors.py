"""Reads of accounts data for other apps (dossiers take the applicant from here)."""

from __future__ import annotations

from motcua.accounts.models import CitizenIdentity


def identity_of(user) -> CitizenIdentity | None:
    if user is None or not user.is_authenticated:
        return None
    return CitizenIdentity.objects.filter(user=user).first()
