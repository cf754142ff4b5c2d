"""Changes to a user's second factor: one transaction each, written to the audit chain."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.core import audit

DEVICE_NAME = "Ứng dụng xác thực"


def start_totp_enrolment(user) -> TOTPDevice:
    """The user's pending (unconfirmed) device, created with a fresh key when there is none.
    Reused on reload so the QR code scanned a minute ago stays valid."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return device


def confirm_totp_enrolment(user, device: TOTPDevice) -> None:
    """The user proved they hold the key: the device counts from now on."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
        audit.record("totp_enrolled", "auth.User", user.pk, actor=user, data={"device": device.pk})


def remove_totp(user) -> None:
    """A citizen turns the second factor off (officers may not: the views refuse it)."""
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        audit.record("totp_removed", "auth.User", user.pk, actor=user, data={"devices": deleted})


def record_failed_code(user, step: str) -> None:
    """A wrong code after a right password: someone may hold the password."""
    with transaction.atomic():
        audit.record("totp_failed", "auth.User", user.pk, actor=user, data={"step": step})
