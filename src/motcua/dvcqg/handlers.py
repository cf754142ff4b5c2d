"""Outbox handlers of the national portal: "dvcqg.status" (one dossier's step),
"dvcqg.rating" (a rating given in the province, or its change) and "dvcqg.feedback_answer"
(the answer to a question the portal sent).

"dvcqg.status":
The first message of a dossier, and any whose full record differs from the one sent before
(beyond what a step carries), is sent as DongBoHoSoMC (the record, with its status and the
step's unit and note); any other step as CapNhatTienDoHoSoMC.
Both are checked against the wire schemas first: a record the portal would refuse is dead at
once (retrying cannot help) and blocks the dossier's later messages until an administrator
sends it again. Each call carries the message key as Idempotency-Key, so a
redelivery after a lost answer changes nothing at the portal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers.sync import TOPIC
from motcua.dvcqg import mapping, schemas
from motcua.dvcqg.client import DvcqgClient, DvcqgError
from motcua.feedback.outgoing import PORTAL_ANSWER_TOPIC, PORTAL_RATING_TOPIC

# Answers that say the content is wrong, not that the portal is unwell.
REFUSED = {400, 413, 422}

# Called as hook(message) once the portal has accepted a dossier's message, inside the
# transaction that marks it delivered (serviceindex counts the dossiers synced).
DELIVERED_HOOKS: list[Callable[[OutboxMessage], None]] = []


def _previous(message: OutboxMessage) -> dict[str, Any] | None:
    """The full record as the last delivered message of the dossier had it."""
    if not message.ordering_key:
        return None
    before = (
        OutboxMessage.objects.filter(
            ordering_key=message.ordering_key,
            id__lt=message.id,
            status=OutboxMessage.Status.DELIVERED,
        )
        .order_by("-id")
        .values_list("payload", flat=True)
        .first()
    )
    if not before or "dossier" not in before:
        return None
    return mapping.ho_so(before)


def _send(
    client: DvcqgClient,
    service: str,
    record: dict[str, Any],
    key: str,
    refused: set[int] = REFUSED,
    **extra,
) -> dict[str, Any]:
    body = {"service": service, **extra, "data": [record]}
    errors = schemas.validate(service, body)
    if errors:
        raise outbox.Undeliverable(f"{service}: {'; '.join(errors[:5])}")
    try:
        return client.call(service, body, idempotency_key=key)
    except DvcqgError as exc:
        if exc.status in refused:
            raise outbox.Undeliverable(str(exc)) from exc
        raise


@outbox.handler(TOPIC)
def push_status(message: OutboxMessage) -> None:
    snapshot = message.payload
    if "dossier" not in snapshot:
        raise outbox.Undeliverable("message without a dossier snapshot (older format)")
    client = DvcqgClient.from_settings()
    record = mapping.ho_so(snapshot)
    previous = _previous(message)
    # One call per step: the full record when it changed (it carries the status as well),
    # else the step alone. Sending both would put the step after a final status twice.
    # A resend by the daily reconciliation ("full") is always the full record.
    if snapshot.get("full") or mapping.record_changed(record, previous):
        _send(client, "DongBoHoSoMC", record, message.key, isUpdating=previous is not None)
    else:
        _send(client, "CapNhatTienDoHoSoMC", mapping.tien_do(snapshot), message.key)
    for hook in DELIVERED_HOOKS:
        hook(message)


# --- ratings and answers -------------------------------------------------------------------

KENH_DANH_GIA = {"online": 1, "counter": 2}


def _when(value: str | None) -> str:
    return schemas.format_datetime(dt.datetime.fromisoformat(value)) if value else ""


def danh_gia(payload: dict[str, Any]) -> dict[str, Any]:
    """A rating given in the province as the portal's DanhGiaMC record."""
    record = {
        "MaDanhGiaMC": f"{settings.MOTCUA_PROVINCE_CODE}-DG-{payload['rating_id']}",
        "PhienBan": payload["revision"],
        "MaHoSo": payload["dossier_code"],
        "KenhDanhGia": KENH_DANH_GIA.get(payload.get("source"), 0),
        "ChiTietDanhGia": [
            {"MaTieuChi": code, "Diem": score}
            for code, score in sorted(payload["scores"].items(), key=lambda kv: (len(kv[0]), kv[0]))
        ],
        "NoiDung": payload.get("comment") or "",
        "NgayDanhGia": _when(payload.get("given_at")),
    }
    if payload.get("national_code"):
        record["MaHoSoQuocGia"] = payload["national_code"]
    if payload.get("changed_at"):
        record["NgayCapNhat"] = _when(payload["changed_at"])
    return record


@outbox.handler(PORTAL_RATING_TOPIC)
def push_rating(message: OutboxMessage) -> None:
    """404 (the portal does not hold the dossier yet: its status messages are still on
    their way) is retried; 409 (another rating for the dossier) is dead at once."""
    record = danh_gia(message.payload)
    _send(DvcqgClient.from_settings(), "DongBoDanhGiaMC", record, message.key, REFUSED | {409})


@outbox.handler(PORTAL_ANSWER_TOPIC)
def push_answer(message: OutboxMessage) -> None:
    """The portal does not know the question (404) or holds another answer (409): sending
    again cannot help, the message is dead and shows in the admin."""
    payload = message.payload
    record = {
        "MaCauHoi": payload["question_id"],
        "NoiDungTraLoi": payload["answer"],
        "NgayTraLoi": _when(payload["answered_at"]),
    }
    if payload.get("agency_identifier"):
        record["MaDonVi"] = payload["agency_identifier"]
        record["TenDonVi"] = payload.get("agency_name", "")
    _send(DvcqgClient.from_settings(), "TraLoiHoiDapMC", record, message.key, REFUSED | {404, 409})
