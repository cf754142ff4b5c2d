"""What a dossier's status message to the national portal carries: a neutral snapshot.

Built inside the transaction of each transition (services._record) and stored in the outbox
message, so the message says what the dossier was at that step even when it is delivered
later. Plain names, plain values (ISO times): the DVCQG app maps them onto the portal's wire
records (motcua.dvcqg.handlers) and registers the outbox handler for "dvcqg.status".
"""

from __future__ import annotations

from typing import Any

from motcua.core.prepared import Prepared
from motcua.dossiers.models import EVENT_LABELS, Attachment, Dossier, Event

TOPIC = "dvcqg.status"


# Asked at every step (the "digitised" flag): compiled once (core.prepared).
_ANY_FILE = Prepared(
    "dossiers.any_file",
    lambda dossier: Attachment.objects.filter(dossier_id=dossier).order_by().values_list("pk")[:1],
    dossier=int,
)


def has_files(dossier: Dossier) -> bool:
    """dossier.attachments.exists()"""
    cache = getattr(dossier, "_prefetched_objects_cache", {})
    if "attachments" in cache:
        return bool(cache["attachments"])
    return bool(_ANY_FILE.all(dossier=dossier.pk))


def ordering_key(dossier: Dossier) -> str:
    """One dossier's status messages are delivered in order, one at a time."""
    return ordering_key_for(dossier.code)


def ordering_key_for(code: str) -> str:
    return f"dvcqg:{code}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def snapshot(dossier: Dossier, event: Event) -> dict[str, Any]:
    procedure = dossier.procedure
    return {
        "version": 2,
        # the legacy flat keys (code, status, at...) stay for readers of older messages
        "code": dossier.code,
        "status": event.national_status,
        "action": event.action,
        "at": _iso(event.at),
        "due_at": _iso(dossier.due_at),
        "note": event.note,
        "dossier": {
            "code": dossier.code,
            "national_code": getattr(dossier, "national_id", None) or "",  # filed on the portal
            "procedure_code": procedure.code,
            "procedure_name": procedure.name,
            "field_code": procedure.field.code if procedure.field_id else "",
            "field_name": procedure.field.name if procedure.field_id else "",
            "agency_identifier": dossier.agency.identifier,
            "agency_name": dossier.agency.name,
            "applicant_name": dossier.applicant_name,
            "applicant_id_number": dossier.applicant_id_number,
            "applicant_phone": dossier.applicant_phone,
            "applicant_email": dossier.applicant_email,
            "applicant_address": dossier.applicant_address,
            "subject": dossier.subject,
            "channel": dossier.channel,
            "return_channel": dossier.return_channel,
            "return_method": dossier.return_method,
            "submitted_at": _iso(dossier.submitted_at),
            "received_at": _iso(dossier.received_at),
            "due_at": _iso(dossier.due_at),
            "finished_at": _iso(dossier.finished_at),
            "returned_at": _iso(dossier.returned_at),
            "result_code": dossier.result_code,
            "national_status": event.national_status,
            "online_payment": procedure.online_level == procedure.OnlineLevel.FULL
            and (procedure.fee_vnd + procedure.charge_vnd) > 0,
            "fees": [
                {"name": name, "amount": amount, "kind": kind}
                for name, amount, kind in (
                    ("Phí", procedure.fee_vnd, "fee"),
                    ("Lệ phí", procedure.charge_vnd, "charge"),
                )
                if amount
            ],
            "digitised": has_files(dossier),
        },
        "step": {
            "action": event.action,
            "label": EVENT_LABELS.get(event.action, event.action),
            "national_status": event.national_status,
            "at": _iso(event.at),
            "actor_name": event.actor_name,
            "unit_name": event.agency.name if event.agency_id else "",
            "note": event.note,
        },
    }
