"""The dossier API's payment actions, run by this app (registered in apps.ready):
`request_payment` asks for what the procedure's fee rows say (an amount sent by the client
must equal it), `confirm_payment` records a counter payment with its receipt, through the
same services as the desk pages."""

from __future__ import annotations

from typing import Any

from motcua.core.problems import DomainError
from motcua.core.text import vnd
from motcua.dossiers.models import Dossier
from motcua.payments import fees, services


def request_payment(dossier: Dossier, user, values: dict[str, Any], files) -> Dossier:
    asked = values.get("amount_vnd")
    if asked is not None:
        due = fees.amount_due(dossier)
        if asked != due:
            raise DomainError(
                f"Số tiền {vnd(asked)} đồng không khớp với phí, lệ phí của thủ tục đối với "
                f"hồ sơ này ({vnd(due)} đồng).",
                code="amount_mismatch",
            )
    payment = services.request_payment(dossier, user, note=values.get("note", ""))
    return Dossier.objects.get(pk=payment.dossier_id)


def confirm_payment(dossier: Dossier, user, values: dict[str, Any], files) -> Dossier:
    payment = services.record_counter_payment(
        dossier,
        user,
        values["method"],
        values["receipt_number"],
        note=values.get("note", ""),
    )
    return Dossier.objects.get(pk=payment.dossier_id)


def register() -> None:
    from motcua.dossiers import api as dossier_api

    dossier_api.PAYMENT_RUNNERS.update(
        request_payment=request_payment, confirm_payment=confirm_payment
    )
