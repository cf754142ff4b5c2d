"""Which steps the applicant is told about, and the message that asks for the notice.

Called once per event from services._record, inside the transaction of the change: one
outbox message "notify.dossier" per step that matters to the applicant. The notify app
(its outbox handler) chooses the channels, fills the templates and sends; the dossier code
knows nothing of e-mail, SMS or Zalo.
"""

from __future__ import annotations

from typing import Any

from motcua.core import outbox
from motcua.dossiers.models import Dossier, Event

TOPIC = "notify.dossier"

# Event action -> notice kind (motcua.notify.models.Kind). Steps not listed are internal.
NOTICE_KINDS = {
    "receive": "received",
    "request_supplement": "supplement",
    "refuse": "refused",
    "request_payment": "payment",
    "finish": "result_ready",
    "return_result": "returned",
    "apologise": "apology",
    "stop": "stopped",
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def enqueue(dossier: Dossier, event: Event) -> None:
    kind = NOTICE_KINDS.get(event.action)
    if kind is None:
        return
    outbox.enqueue(
        TOPIC,
        key=f"notify:{dossier.code}:{event.pk}",
        payload={
            "kind": kind,
            "event_id": event.pk,
            "action": event.action,
            "at": _iso(event.at),
            "note": event.note,
            "data": event.data,
            "dossier": {
                "code": dossier.code,
                "procedure_name": dossier.procedure.name,
                "agency_name": dossier.agency.name,
                "applicant_id": dossier.applicant_id,
                "applicant_name": dossier.applicant_name,
                "applicant_id_number": dossier.applicant_id_number,
                "phone": dossier.applicant_phone,
                "email": dossier.applicant_email,
                "due_at": _iso(dossier.due_at),
                "result_code": dossier.result_code,
                "return_method": dossier.return_method,
            },
        },
    )
