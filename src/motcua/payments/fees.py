"""What a dossier owes: the procedure's fee rows whose condition holds for the dossier."""

from __future__ import annotations

from typing import Any

from motcua.dossiers.models import Dossier
from motcua.payments import conditions
from motcua.payments.models import FeeItem


def facts(dossier: Dossier) -> dict[str, Any]:
    """What a fee condition may look at: the applicant's choices recorded on the dossier.
    `form` is reserved for the e-form's answers (procedures with an e-form)."""
    return {
        "channel": dossier.channel,
        "return_channel": dossier.return_channel,
        "procedure": dossier.procedure.code,
        "level": dossier.procedure.level,
        "agency": dossier.agency.identifier if dossier.agency_id else "",
        "form": {},
    }


def fee_lines(dossier: Dossier) -> list[dict[str, Any]]:
    """The fee and charge lines due, in the procedure's order."""
    items = list(FeeItem.objects.filter(procedure_id=dossier.procedure_id, is_active=True))
    if not items:
        # Procedures not yet given fee rows: the catalogue's two amounts.
        procedure = dossier.procedure
        legacy = [("Phí", procedure.fee_vnd, "fee"), ("Lệ phí", procedure.charge_vnd, "charge")]
        return [{"name": n, "kind": k, "amount_vnd": a} for n, a, k in legacy if a]
    known = facts(dossier)
    return [
        {"name": i.name, "kind": i.kind, "amount_vnd": i.amount_vnd}
        for i in items
        if conditions.matches(i.condition, known)
    ]


def amount_due(dossier: Dossier) -> int:
    return sum(line["amount_vnd"] for line in fee_lines(dossier))
