"""Outbox handlers: "notify.dossier" (a dossier step -> notices, one per channel),
"notify.feedback" (an answer to a citizen's question, report or proposal -> notices) and
"notify.send" (one notice -> its provider). Two steps, so one channel's outage delays only
that channel's notices, each retried on its own."""

from __future__ import annotations

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.notify import services

DOSSIER_TOPIC = "notify.dossier"  # written by motcua.dossiers.notices
FEEDBACK_TOPIC = "notify.feedback"  # written by motcua.feedback.outgoing


@outbox.handler(DOSSIER_TOPIC)
def fan_out(message: OutboxMessage) -> None:
    payload = message.payload
    if not isinstance(payload, dict) or "dossier" not in payload or "kind" not in payload:
        raise outbox.Undeliverable("notify.dossier message without kind or dossier")
    services.fan_out(message.key, payload)


@outbox.handler(FEEDBACK_TOPIC)
def fan_out_feedback(message: OutboxMessage) -> None:
    payload = message.payload
    if not isinstance(payload, dict) or "feedback" not in payload or "kind" not in payload:
        raise outbox.Undeliverable("notify.feedback message without kind or feedback")
    services.fan_out_feedback(message.key, payload)


@outbox.handler(services.SEND_TOPIC)
def send(message: OutboxMessage) -> None:
    notice_id = message.payload.get("notice") if isinstance(message.payload, dict) else None
    if not isinstance(notice_id, int):
        raise outbox.Undeliverable("notify.send message without a notice id")
    services.send(notice_id)
