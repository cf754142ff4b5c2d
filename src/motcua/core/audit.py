"""Hash-chained audit log: append inside the caller's transaction, verify on demand."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from motcua.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    # What the JSON column will give back, so that verification rehashes the same bytes.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _canonical(entry: AuditEntry) -> str:
    body = {
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "province": entry.province_code,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode()).hexdigest()


# PostgreSQL: lock the head, insert the entry hashed from the head's last hash, move the
# head, in one statement (one round trip and no ORM compilation instead of three). The
# hash is SHA-256(prev_hash || canonical JSON) as _digest computes it: the canonical JSON
# does not depend on the previous hash, so Python sends it and the database prepends the
# locked head's hash. Under READ COMMITTED a writer waiting on the lock reads the head as
# the previous writer committed it, so the chain stays one line.
_APPEND_TEMPLATE = """
WITH head AS (
    SELECT last_hash FROM core_audithead WHERE id = 1 FOR UPDATE
), entry AS (
    INSERT INTO core_auditentry
        (at, actor, action, object_type, object_id, data, province_code, prev_hash, hash)
    SELECT %s, %s, %s, %s, %s, %s::jsonb, %s, head.last_hash,
           encode(sha256(convert_to(head.last_hash || %s, 'UTF8')), 'hex')
    FROM head
    RETURNING id, prev_hash, hash
){also}
UPDATE core_audithead SET last_hash = entry.hash, count = core_audithead.count + 1
FROM entry WHERE core_audithead.id = 1
RETURNING entry.id, entry.prev_hash, entry.hash
"""
_APPEND_SQL = _APPEND_TEMPLATE.format(also="")
# (the caller's statement) -> the append with it as one more WITH clause
_APPEND_WITH: dict[str, str] = {}


def _append_postgresql(
    connection, entry: AuditEntry, data_json: str, also: tuple[str, list] | None = None
) -> bool:
    sql, params = (
        _APPEND_SQL,
        [
            entry.at,
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            data_json,
            entry.province_code,
            _canonical(entry),
        ],
    )
    if also is not None:
        also_sql, also_params = also
        sql = _APPEND_WITH.get(also_sql)
        if sql is None:
            sql = _APPEND_WITH[also_sql] = _APPEND_TEMPLATE.format(
                also=f", also AS (\n{also_sql}\n)"
            )
        params += also_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # no head row (a wiped database): the ORM path creates it
        return False
    entry.id, entry.prev_hash, entry.hash = row
    entry._state.adding = False
    entry._state.db = connection.alias
    return True


def _actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor
    return getattr(actor, "username", "") or ""


def record(
    action: str,
    object_type: str,
    object_id: Any,
    *,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    entry = AuditEntry(
        at=timezone.now(),
        actor=_actor_name(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=_normalise(data or {}),
        province_code=settings.MOTCUA_PROVINCE_CODE,
    )
    if connection.vendor == "postgresql":
        data_json = json.dumps(entry.data, ensure_ascii=False)
        if _append_postgresql(connection, entry, data_json):
            return entry
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # Only after a whole-database wipe (the migration creates the row).
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    entry.prev_hash = head.last_hash
    entry.hash = _digest(head.last_hash, entry)
    entry.save(force_insert=True)
    AuditHead.objects.filter(pk=1).update(last_hash=entry.hash, count=head.count + 1)
    return entry


def record_read(
    actor: Any,
    object_type: str,
    object_id: Any,
    fields: list[str],
    *,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """An officer looked at personal data (Luật Bảo vệ dữ liệu cá nhân): log who saw what.
    `data` adds context (where it was seen). Inside the caller's transaction it takes no
    savepoint: a read that cannot be logged must fail with the caller's work."""
    with transaction.atomic(savepoint=False):
        return record(
            "read", object_type, object_id, actor=actor, data={"fields": fields, **(data or {})}
        )


def record_list_read(
    actor: Any, object_type: str, page: str, ids: list[str], fields: list[str]
) -> AuditEntry:
    """A list page showed personal data of several objects: one entry per page view,
    naming every object shown (`page` says which list, e.g. "desk.queue")."""
    return record_read(actor, object_type, f"list:{page}"[:64], fields, data={"ids": ids})


def record_read_with(
    actor: Any,
    object_type: str,
    object_id: Any,
    fields: list[str],
    also: tuple[str, list],
    *,
    data: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """record_read and the caller's own rows in ONE statement (PostgreSQL): `also` is
    (a data-modifying statement, its parameters), run as one more WITH clause of the
    append, where it may read `head` (the locked head row: `... FROM head` writes
    nothing when there is none). One statement is atomic by itself: outside a
    transaction no BEGIN and COMMIT are needed, inside one it is part of it.

    None when that cannot be done (another database, or no head row: nothing was
    written); the caller then writes its rows and calls record_read in a transaction."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return None
    entry = AuditEntry(
        at=timezone.now(),
        actor=_actor_name(actor),
        action="read",
        object_type=object_type,
        object_id=str(object_id),
        data=_normalise({"fields": fields, **(data or {})}),
        province_code=settings.MOTCUA_PROVINCE_CODE,
    )
    data_json = json.dumps(entry.data, ensure_ascii=False)
    return entry if _append_postgresql(connection, entry, data_json, also) else None


@dataclass
class Verification:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    # For each id asked for in `checkpoints`: (entries up to and including it, its hash).
    seen: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(batch: int = 5000, checkpoints: Collection[int] = ()) -> Verification:
    """Recompute the whole chain; report the first entry whose hash does not follow.

    `checkpoints`: entry ids whose position and hash the caller wants (the anchors)."""
    wanted = set(checkpoints)
    seen: dict[int, tuple[int, str]] = {}
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            if entry.prev_hash != prev:
                return Verification(
                    checked, entry.id, "prev_hash does not match previous entry", seen
                )
            if _digest(prev, entry) != entry.hash:
                return Verification(checked, entry.id, "content does not match its hash", seen)
            prev = entry.hash
            checked += 1
            last_id = entry.id
            if entry.id in wanted:
                seen[entry.id] = (checked, entry.hash)
    head = AuditHead.objects.get(pk=1)
    if head.last_hash != prev or head.count != checked:
        return Verification(checked, last_id or 0, "entries missing at the end of the chain", seen)
    return Verification(checked, seen=seen)
