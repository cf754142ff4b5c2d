"""The payment platform as an interface, so a province plugs in its contracted provider
(PayGov, a bank's gateway) without touching the dossier or payment code.

MOTCUA_PAYMENT_PLATFORM names the adapter: "paygov" (motcua.payments.paygov) or a dotted
path to a class implementing PaymentPlatform. Empty: online payment is off (the desk can
still record counter payments).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

ADAPTERS = {"paygov": "motcua.payments.paygov.PayGovPlatform"}


class PlatformError(Exception):
    """The platform could not be reached or refused the call (retry later)."""


class NotConfigured(RuntimeError):
    pass


class BadSignature(Exception):
    """A notification whose signature does not verify: forged or corrupted."""


class Malformed(Exception):
    """A notification that verifies but cannot be read."""


# Order states as the adapters report them, whatever the wire says.
PAID = "paid"
FAILED = "failed"
PENDING = "pending"
CANCELLED = "cancelled"
UNKNOWN = "unknown"  # the platform has no such order (never opened by the citizen)


@dataclass
class OrderState:
    """What the platform says about one order (a notification or a query answer)."""

    order_id: str
    status: str  # PAID, FAILED, PENDING, CANCELLED, UNKNOWN
    amount_vnd: int | None = None
    transaction_id: str = ""
    paid_at: dt.datetime | None = None
    receipt_number: str = ""
    receipt_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckoutRequest:
    order_id: str
    amount_vnd: int
    description: str
    return_url: str
    notify_url: str
    expires_at: dt.datetime


class PaymentPlatform(Protocol):
    name: str

    def checkout_url(self, request: CheckoutRequest) -> str:
        """Where to send the citizen's browser to pay this order (signed)."""

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> OrderState:
        """Verify and read a server-to-server notification; raises BadSignature or
        Malformed."""

    def query(self, order_id: str) -> OrderState:
        """Ask the platform for an order's state; raises PlatformError."""

    def cancel(self, order_id: str, idempotency_key: str) -> OrderState | None:
        """Cancel an unpaid order (called from the outbox); raises PlatformError. Returns
        the order's state (PAID if it was paid first), None if the platform never saw it."""

    def transactions(self, day: dt.date) -> list[OrderState]:
        """The platform's successful transactions of a day (its settlement list)."""


_cache: dict[tuple, PaymentPlatform] = {}


def get_platform() -> PaymentPlatform:
    name = settings.MOTCUA_PAYMENT_PLATFORM
    if not name:
        raise NotConfigured("MOTCUA_PAYMENT_PLATFORM is empty: online payment is off")
    key = (
        name,
        settings.MOTCUA_PAYGOV_URL,
        settings.MOTCUA_PAYGOV_MERCHANT_CODE,
        settings.MOTCUA_PAYGOV_SECRET,
        settings.MOTCUA_PAYGOV_TIMEOUT,
    )
    platform = _cache.get(key)
    if platform is None:
        platform = _cache[key] = import_string(ADAPTERS.get(name, name))()
    return platform


def enabled() -> bool:
    return bool(settings.MOTCUA_PAYMENT_PLATFORM)
