"""What Motcua needs from a postal operator, whatever its wire format.

A province plugs in its contracted operator by writing one module with a PostalOperator
subclass (see motcua.postal.buudien) and naming it in MOTCUA_POSTAL_OPERATOR: a short name
from OPERATORS, or the dotted path of the class. The dossier code never sees the operator:
it goes through motcua.postal.services, and orders leave through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

OPERATORS = {"buudien": "motcua.postal.buudien.BuuDienOperator"}


class OperatorError(Exception):
    """A call to the operator failed. `refused`: the operator said the content is wrong
    (sending again cannot help); otherwise it was down, slow or unreachable."""

    def __init__(self, message: str, *, status: int = 0, refused: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.refused = refused


class NotConfigured(OperatorError):
    pass


class BadSignature(Exception):
    """A webhook call whose signature does not match the shared secret."""


class BadPayload(Exception):
    """A webhook body the operator's schema does not accept; the message says why."""


@dataclass(frozen=True)
class Party:
    name: str
    address: str  # street, hamlet...
    commune_code: str
    commune_name: str
    province_code: str
    province_name: str
    phone: str = ""


@dataclass(frozen=True)
class Quote:
    fee_vnd: int
    service: str
    days: str = ""  # the operator's delivery time, as it words it


@dataclass(frozen=True)
class OrderRequest:
    reference: str  # ours; also the idempotency key
    sender: Party
    recipient: Party
    content: str
    weight_grams: int = 200


@dataclass(frozen=True)
class CreatedOrder:
    tracking_number: str
    fee_vnd: int


@dataclass(frozen=True)
class Event:
    """An event in Motcua's words: kind is one of PostalEvent.Kind."""

    event_id: str
    tracking_number: str
    kind: str
    occurred_at: dt.datetime
    reference: str = ""
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class PostalOperator(Protocol):
    """What an operator's adapter provides (motcua.postal.buudien is one)."""

    name: str
    title: str

    def quote(self, sender_province: str, recipient: Party, weight_grams: int = 200) -> Quote:
        """The fee of a parcel to the recipient's commune."""
        ...

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        """Idempotent on order.reference: the same reference twice is one order."""
        ...

    def track(self, tracking_number: str) -> list[Event]:
        """The parcel's events so far, oldest first."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """Check the signature (BadSignature), then the body (BadPayload)."""
        ...


def get_operator() -> PostalOperator:
    name = settings.MOTCUA_POSTAL_OPERATOR
    path = OPERATORS.get(name, name)
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise NotConfigured(f"MOTCUA_POSTAL_OPERATOR={name!r}: {exc}") from exc
    return cls.from_settings() if hasattr(cls, "from_settings") else cls()
