"""Zalo-style channel adapter (a notification service by template, like Zalo ZNS): client,
and the checking of its event webhooks.

Send: POST <MOTCUA_NOTIFY_ZALO_URL>/message/template, header `access_token`, body
schemas.ZALO_REQUEST (the notice text in template_data.noi_dung); the answer is HTTP 200
with `error` 0 on success, a negative `error` otherwise (schemas.ZALO_ANSWER).
Events: POST schemas.ZALO_EVENT to /api/v1/notify/zalo/events/ with
`X-ZEvent-Timestamp` and `X-ZEvent-Signature: mac=<hex SHA-256 of app id + raw body +
timestamp + secret>` (the OA platform's scheme).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from motcua.notify import schemas
from motcua.notify.channels import Refused, Unavailable, msisdn, post_json
from motcua.notify.models import Notice

SIGNATURE_HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"
# Errors that say the content or the recipient is wrong: retrying cannot help.
REFUSING_ERRORS = {-108, -118, -124, -131, -133, -139}


def sign(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def verify(app_id: str, body: bytes, timestamp: str, given: str, secret: str) -> bool:
    expected = sign(app_id, body, timestamp, secret)
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


class ZaloChannel:
    def __init__(self, base_url: str, access_token: str, template_id: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.template_id = template_id
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> ZaloChannel | None:
        if not settings.MOTCUA_NOTIFY_ZALO_URL:
            return None
        return cls(
            settings.MOTCUA_NOTIFY_ZALO_URL,
            settings.MOTCUA_NOTIFY_ZALO_ACCESS_TOKEN,
            settings.MOTCUA_NOTIFY_ZALO_TEMPLATE_ID,
            settings.MOTCUA_NOTIFY_TIMEOUT,
        )

    def request(self, notice: Notice) -> dict:
        phone = msisdn(notice.recipient)
        if phone is None:
            raise Refused(f"số điện thoại không hợp lệ: {notice.recipient}")
        return {
            "phone": phone,
            "template_id": self.template_id,
            "template_data": {"ma_ho_so": notice.dossier_code, "noi_dung": notice.body},
            "tracking_id": notice.key,
        }

    def send(self, notice: Notice) -> str:
        body = self.request(notice)
        errors = schemas.validate(schemas.ZALO_REQUEST, body)
        if errors:
            raise Refused("; ".join(errors))
        response = post_json(
            self.base_url,
            "/message/template",
            body,
            {"access_token": self.access_token},
            self.timeout,
        )
        try:
            answer = response.json()
        except ValueError as exc:
            raise Unavailable("Zalo answered non-JSON") from exc
        errors = schemas.validate(schemas.ZALO_ANSWER, answer)
        if errors:
            raise Unavailable(f"Zalo answer: {'; '.join(errors)}")
        if answer["error"] != 0:
            reason = f"Zalo error {answer['error']}: {answer['message']}"
            raise (Refused if answer["error"] in REFUSING_ERRORS else Unavailable)(reason)
        msg_id = (answer.get("data") or {}).get("msg_id")
        if not isinstance(msg_id, str) or not msg_id:
            raise Unavailable("Zalo answer without data.msg_id")
        return msg_id
