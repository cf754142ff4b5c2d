"""Wire schemas of the SMS gateway and the Zalo-style channel, checked on both sides (the
adapters before sending and on receipts, the simulator on what it receives).

A schema maps a field to (types, required, check). `validate` returns the problems in
English with the field path, for logs and the simulator; the webhooks answer in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

Spec = dict[str, tuple[tuple[type, ...], bool, Callable[[Any], bool] | None]]

MSISDN = re.compile(r"84[35789][0-9]{8}")
TIMESTAMP = re.compile(r"1[0-9]{12}")  # milliseconds since 1970, 2001..2286
RECEIPT_STATUSES = ("delivered", "failed", "expired")


def _iso(value: Any) -> bool:
    """An ISO 8601 time with its offset, in a sane range (no overflow when stored)."""
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and 2000 <= when.year <= 2100


def _short(limit: int) -> Callable[[Any], bool]:
    return lambda v: 0 < len(v) <= limit


SMS_REQUEST: Spec = {
    "ref": ((str,), True, _short(160)),
    "from": ((str,), True, _short(11)),  # brandname: at most 11 characters
    "to": ((str,), True, lambda v: bool(MSISDN.fullmatch(v))),
    "text": ((str,), True, _short(1600)),
    "encoding": ((str,), True, lambda v: v in ("gsm7", "ucs2")),
}
SMS_ANSWER: Spec = {
    "message_id": ((str,), True, _short(100)),
    "status": ((str,), True, lambda v: v == "accepted"),
    "segments": ((int,), True, lambda v: v >= 1),
}
SMS_RECEIPT: Spec = {
    "receipt_id": ((str,), True, _short(100)),
    "message_id": ((str,), True, _short(100)),
    "ref": ((str,), False, _short(160)),
    "status": ((str,), True, lambda v: v in RECEIPT_STATUSES),
    "at": ((str,), True, _iso),
    "error": ((str,), False, None),
}
ZALO_REQUEST: Spec = {
    "phone": ((str,), True, lambda v: bool(MSISDN.fullmatch(v))),
    "template_id": ((str,), True, _short(64)),
    "template_data": ((dict,), True, lambda v: all(isinstance(x, str) for x in v.values())),
    "tracking_id": ((str,), True, _short(160)),
}
ZALO_ANSWER: Spec = {
    "error": ((int,), True, None),
    "message": ((str,), True, None),
    "data": ((dict,), False, None),
}
ZALO_EVENT: Spec = {
    "event_name": ((str,), True, lambda v: v in ("user_received_message", "message_failed")),
    "app_id": ((str,), True, None),
    "timestamp": ((str,), True, lambda v: bool(TIMESTAMP.fullmatch(v))),
    "event_id": ((str,), True, _short(100)),
    "message": ((dict,), True, lambda v: isinstance(v.get("msg_id"), str)),
}


def validate(spec: Spec, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["$: expected an object"]
    errors = []
    for name, (types, required, check) in spec.items():
        if name not in body or body[name] is None:
            if required:
                errors.append(f"{name}: required")
            continue
        value = body[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            errors.append(f"{name}: expected {'/'.join(t.__name__ for t in types)}")
        elif check is not None and not check(value):
            errors.append(f"{name}: invalid value")
    return errors
