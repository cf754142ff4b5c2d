"""Outbox: messages to other systems, written with the change, delivered by the worker.

Each message carries a unique key that the receiving adapter uses as an idempotency key,
so a redelivery after a crash is recognised by the receiver and never acted on twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from motcua.core.models import OutboxMessage
from motcua.core.prepared import insert

log = logging.getLogger(__name__)
Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, Handler] = {}
MAX_ATTEMPTS = 12


def handler(topic: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _handlers[topic] = func
        return func

    return register


class Undeliverable(Exception):
    """Raised by a handler when sending again cannot help (the receiver refused the content):
    the message goes dead at once, shows in the admin and blocks its ordering key."""


def enqueue(
    topic: str, key: str, payload: dict[str, Any], *, ordering_key: str = ""
) -> OutboxMessage:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must run inside the transaction of the change")
    return insert(OutboxMessage(topic=topic, key=key, payload=payload, ordering_key=ordering_key))


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def deliver_pending(limit: int = 100, batch: int = 25) -> int:
    """Deliver up to `limit` due messages, `batch` at a time in one transaction (one lock
    query and one commit per batch, not per message); returns the count delivered. Rows are
    locked with SKIP LOCKED where supported, so workers can run side by side. A message whose
    ordering key has an earlier message still pending (retrying, or being sent by another
    worker: its row is locked but still pending) or dead is not taken, so a batch holds at
    most the first undelivered message of each key: one key's messages leave strictly in
    order and never two at once. On SQLite the single writer serialises the workers."""
    Status = OutboxMessage.Status
    earlier = OutboxMessage.objects.filter(
        ordering_key=OuterRef("ordering_key"),
        id__lt=OuterRef("id"),
        status__in=[Status.PENDING, Status.FAILED],
    )
    delivered = 0
    remaining = limit
    while remaining > 0:
        with transaction.atomic():
            qs = (
                OutboxMessage.objects.filter(
                    status=Status.PENDING, next_attempt_at__lte=timezone.now()
                )
                .filter(Q(ordering_key="") | ~Exists(earlier))
                .order_by("id")
            )
            messages = list(
                qs.select_for_update(skip_locked=True, of=("self",))[: min(batch, remaining)]
            )
            if not messages:
                break
            remaining -= len(messages)
            done = [m.pk for m in messages if _deliver(m)]
            delivered += len(done)
            # The delivered ones in one UPDATE (bulk_update's CASE per row costs more than
            # the HTTP call); the failed ones, few, row by row.
            OutboxMessage.objects.filter(pk__in=done).update(
                status=Status.DELIVERED,
                attempts=F("attempts") + 1,
                delivered_at=timezone.now(),
                last_error="",
            )
            for message in messages:
                if message.pk not in done:
                    message.save(
                        update_fields=["status", "attempts", "next_attempt_at", "last_error"]
                    )
    return delivered


def _deliver(message: OutboxMessage) -> int:
    func = _handlers.get(message.topic)
    message.attempts += 1
    try:
        if func is None:
            raise LookupError(f"no handler for topic {message.topic!r}")
        func(message)
    except Exception as exc:  # noqa: BLE001 - any failure means retry later
        log.warning("outbox %s failed: %s", message.key, exc)
        message.last_error = str(exc)[:2000]
        if message.attempts >= MAX_ATTEMPTS or isinstance(exc, Undeliverable):
            message.status = OutboxMessage.Status.FAILED
        else:
            message.next_attempt_at = timezone.now() + backoff(message.attempts)
        return 0
    message.status = OutboxMessage.Status.DELIVERED
    return 1
