"""Wire formats of the PayGov-style platform (the simulator checks the same schemas).

Every signature is HMAC-SHA256 with the merchant's secret (MOTCUA_PAYGOV_SECRET), hex:
- checkout: the query string's parameters except `signature`, sorted by name, joined as
  name=value with "&" (values not URL-encoded), signed; sent as `signature`;
- notification (IPN): the raw JSON body, in header X-PayGov-Signature: sha256=<hex>;
- calls to the platform's API: "<METHOD>\\n<path>\\n<X-PayGov-Timestamp>\\n<body>" in
  X-PayGov-Signature, with X-PayGov-Merchant naming the merchant.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from jsonschema import Draft202012Validator

SIGNATURE_HEADER = "X-PayGov-Signature"
MERCHANT_HEADER = "X-PayGov-Merchant"
TIMESTAMP_HEADER = "X-PayGov-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"

STATUS_SUCCESS = "SUCCESS"
STATUS_FAILED = "FAILED"
STATUS_PENDING = "PENDING"
STATUS_CANCELLED = "CANCELLED"
STATUSES = [STATUS_SUCCESS, STATUS_FAILED, STATUS_PENDING, STATUS_CANCELLED]

CHECKOUT_FIELDS = [
    "merchant_code",
    "order_id",
    "amount",
    "description",
    "return_url",
    "ipn_url",
    "expires_at",
]

_receipt = {
    "type": "object",
    "required": ["number", "url"],
    "properties": {
        "number": {"type": "string", "minLength": 1, "maxLength": 64},
        "url": {"type": "string", "minLength": 1, "maxLength": 500},
    },
}

NOTIFICATION = {
    "type": "object",
    "required": ["merchant_code", "order_id", "amount", "status", "transaction_id"],
    "properties": {
        "merchant_code": {"type": "string", "minLength": 1, "maxLength": 40},
        "order_id": {"type": "string", "minLength": 1, "maxLength": 40},
        "transaction_id": {"type": "string", "maxLength": 64},
        "amount": {"type": "integer", "minimum": 0},
        "currency": {"const": "VND"},
        "status": {"enum": STATUSES},
        "paid_at": {"type": ["string", "null"], "format": "date-time"},
        "receipt": {"oneOf": [_receipt, {"type": "null"}]},
        "sent_at": {"type": "string"},
    },
}

ORDER = {
    "type": "object",
    "required": ["order_id", "status"],
    "properties": {
        "order_id": {"type": "string"},
        "status": {"enum": STATUSES},
        "amount": {"type": "integer", "minimum": 0},
        "transaction_id": {"type": ["string", "null"]},
        "paid_at": {"type": ["string", "null"]},
        "receipt": {"oneOf": [_receipt, {"type": "null"}]},
    },
}

TRANSACTIONS = {
    "type": "object",
    "required": ["date", "items"],
    "properties": {"date": {"type": "string"}, "items": {"type": "array", "items": ORDER}},
}


def errors(schema: dict[str, Any], data: Any) -> list[str]:
    validator = Draft202012Validator(schema)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '$'}: {e.message}"
        for e in validator.iter_errors(data)
    ]


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def canonical(params: dict[str, Any]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")


def sign_checkout(params: dict[str, Any], secret: str) -> str:
    return hmac_hex(secret, canonical(params).encode())


def sign_body(body: bytes, secret: str) -> str:
    """The X-PayGov-Signature value of a notification body."""
    return "sha256=" + hmac_hex(secret, body)


def sign_call(method: str, path: str, timestamp: str, body: bytes, secret: str) -> str:
    message = f"{method.upper()}\n{path}\n{timestamp}\n".encode() + body
    return "sha256=" + hmac_hex(secret, message)


def verify(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())
