"""SMS gateway adapter (a brandname gateway with a JSON API, as Vietnamese carriers' and
aggregators' are): client, and the signing of its delivery receipts.

Send: POST <MOTCUA_NOTIFY_SMS_URL>/messages, `Authorization: Bearer <API key>`,
`Idempotency-Key: <notice key>`, body schemas.SMS_REQUEST; answer 202 schemas.SMS_ANSWER.
Receipts: the gateway POSTs schemas.SMS_RECEIPT to /api/v1/notify/sms/receipts/ signed
`X-Sms-Signature: sha256=<hex HMAC-SHA256 of the raw body with the receipt secret>`.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from motcua.notify import schemas, text
from motcua.notify.channels import Refused, Unavailable, msisdn, post_json
from motcua.notify.models import Notice

SIGNATURE_HEADER = "X-Sms-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), sign(body, secret).encode())


class SmsGateway:
    def __init__(self, base_url: str, api_key: str, sender: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> SmsGateway | None:
        if not settings.MOTCUA_NOTIFY_SMS_URL:
            return None
        return cls(
            settings.MOTCUA_NOTIFY_SMS_URL,
            settings.MOTCUA_NOTIFY_SMS_API_KEY,
            settings.MOTCUA_NOTIFY_SMS_SENDER,
            settings.MOTCUA_NOTIFY_TIMEOUT,
        )

    def request(self, notice: Notice) -> dict:
        to = msisdn(notice.recipient)
        if to is None:
            raise Refused(f"số điện thoại không hợp lệ: {notice.recipient}")
        return {
            "ref": notice.key,
            "from": self.sender,
            "to": to,
            "text": notice.body,
            "encoding": "gsm7" if text.is_gsm7(notice.body) else "ucs2",
        }

    def send(self, notice: Notice) -> str:
        body = self.request(notice)
        errors = schemas.validate(schemas.SMS_REQUEST, body)
        if errors:
            raise Refused("; ".join(errors))
        response = post_json(
            self.base_url,
            "/messages",
            body,
            {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": notice.key},
            self.timeout,
        )
        try:
            answer = response.json()
        except ValueError as exc:
            raise Unavailable(f"SMS gateway answered non-JSON ({response.status_code})") from exc
        errors = schemas.validate(schemas.SMS_ANSWER, answer)
        if errors:
            raise Unavailable(f"SMS gateway answer: {'; '.join(errors)}")
        return answer["message_id"]
