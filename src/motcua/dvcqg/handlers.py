"""Outbox handler of "dvcqg.status": one dossier's step sent to the national portal.

The first message of a dossier, and any whose full record differs from the one sent before
(beyond what a step carries), is sent as DongBoHoSoMC (the record, with its status and the
step's unit and note); any other step as CapNhatTienDoHoSoMC.
Both are checked against the wire schemas first: a record the portal would refuse is dead at
once (retrying cannot help) and blocks the dossier's later messages until an administrator
sends it again. Each call carries the message key as Idempotency-Key, so a
redelivery after a lost answer changes nothing at the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers.sync import TOPIC
from motcua.dvcqg import mapping, schemas
from motcua.dvcqg.client import DvcqgClient, DvcqgError

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


def _send(client: DvcqgClient, service: str, record: dict[str, Any], key: str, **extra) -> None:
    body = {"service": service, **extra, "data": [record]}
    errors = schemas.validate(service, body)
    if errors:
        raise outbox.Undeliverable(f"{service}: {'; '.join(errors[:5])}")
    try:
        client.call(service, body, idempotency_key=key)
    except DvcqgError as exc:
        if exc.status in REFUSED:
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
