"""Read paths for the pages: a dossier's payments and what its applicant can do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from motcua.dossiers.models import Dossier, Status
from motcua.payments import platform
from motcua.payments.models import Payment


def payments_of(dossier: Dossier) -> list[Payment]:
    return list(Payment.objects.filter(dossier=dossier).order_by("id"))


@dataclass
class ApplicantView:
    """The payment part of the applicant's dossier page."""

    due: dict[str, Any] | None  # the open request: amount and lines
    payments: list[Payment]
    can_pay: bool
    online: bool  # online payment is connected

    @property
    def paid(self) -> list[Payment]:
        return [p for p in self.payments if p.status == Payment.Status.PAID]


def for_applicant(dossier: Dossier) -> ApplicantView | None:
    payments = payments_of(dossier)
    due = None
    if dossier.status == Status.PAYMENT:
        event = dossier.events.filter(action="request_payment").order_by("-id").first()
        if event is not None:
            due = {"amount_vnd": event.data.get("amount_vnd", 0), "lines": event.data.get("lines")}
    if due is None and not payments:
        return None
    online = platform.enabled()
    return ApplicantView(due, payments, can_pay=due is not None and online, online=online)
