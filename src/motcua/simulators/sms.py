"""An SMS brandname gateway: takes messages (schemas.SMS_REQUEST, bearer API key,
Idempotency-Key), answers 202 with a message id, and reports delivery with signed receipts
(schemas.SMS_RECEIPT, `X-Sms-Signature: sha256=<HMAC of the body>`).

Receipts are POSTed to the callback URL when one is set (setting `callback_url`), else kept
for GET /_control/sms/receipts, from which a test posts them itself. Numbers ending in 0000
are unreachable (a "failed" receipt). Fault rules on "sms.send" apply as everywhere; their
duplicate_rate, reorder and malformed_rate shape the receipts (sent twice, out of order,
broken).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from typing import Any

import httpx

from motcua.notify import schemas
from motcua.simulators.base import System, register
from motcua.simulators.http import HttpError, Request, Response, Route, json_response

log = logging.getLogger(__name__)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class ReceiptPoster:
    """Signed receipts of one system: kept in order, and POSTed to the callback URL (one
    background thread, so an answer never waits for the app's webhook)."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.lock = threading.Lock()
        self.all: list[dict[str, Any]] = []

    def add(self, signed: list[dict[str, Any]]) -> None:
        with self.lock:
            self.all.extend(signed)
        url = self.system.settings.get("callback_url") or ""
        if url:
            threading.Thread(target=self._post, args=(url, signed), daemon=True).start()

    def _post(self, url: str, signed: list[dict[str, Any]]) -> None:
        for item in signed:
            try:
                answer = httpx.post(url, content=item["body"], headers=item["headers"], timeout=10)
                item["delivered"] = answer.status_code
            except httpx.HTTPError as exc:
                item["delivered"] = f"error: {exc}"
                log.warning("receipt to %s failed: %s", url, exc)

    def list(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.all)


@register
class Sms(System):
    name = "sms"
    title = "Cổng gửi tin nhắn SMS thương hiệu (giả lập)"
    SETTINGS = {
        "api_key": ("MOTCUA_SIM_SMS_API_KEY", "motcua-sms-key"),
        "receipt_secret": ("MOTCUA_SIM_SMS_RECEIPT_SECRET", "motcua-sms-receipt-secret"),
        "callback_url": ("MOTCUA_SIM_SMS_CALLBACK_URL", ""),
    }

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.messages: dict[str, dict[str, Any]] = {}  # message id -> message
        self.by_key: dict[str, str] = {}  # Idempotency-Key -> message id
        self.receipts = ReceiptPoster(self)
        self.seq = 0

    def state(self) -> dict[str, Any]:
        return {"messages": len(self.messages), "receipts": len(self.receipts.all)}

    def routes(self) -> list[Route]:
        return [Route("POST", "/sms/messages", self.send, "sms.send")]

    def control_routes(self) -> list[Route]:
        c = "/_control/sms"
        return [
            Route("GET", f"{c}/messages", self.c_messages, "sms.c"),
            Route("GET", f"{c}/receipts", self.c_receipts, "sms.c"),
            Route("POST", f"{c}/settings", self.c_settings, "sms.c"),
        ]

    def send(self, request: Request) -> Response:
        if not hmac.compare_digest(
            (request.bearer() or "").encode(), str(self.settings["api_key"]).encode()
        ):
            request.errors = ["authorization: bad API key"]
            raise HttpError(401, {"error": "unauthorized", "message": "Sai khóa API"})
        body = request.json()
        request.errors = schemas.validate(schemas.SMS_REQUEST, body)
        if request.errors:
            raise HttpError(400, {"error": "invalid_request", "errors": request.errors})
        key = request.headers.get("idempotency-key") or body["ref"]
        with self.lock:
            known = self.by_key.get(key)
            if known is not None:
                request.notes["replay"] = True
                message = self.messages[known]
                return json_response(self._answer(message), 202)
            self.seq += 1
            message = dict(body, message_id=f"SMS{self.seq:08d}", received_at=_now())
            message["segments"] = _segments(body["text"], body["encoding"])
            self.messages[message["message_id"]] = message
            self.by_key[key] = message["message_id"]
        self._report(request, message)
        return json_response(self._answer(message), 202)

    @staticmethod
    def _answer(message: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": message["message_id"],
            "status": "accepted",
            "segments": message["segments"],
        }

    def _report(self, request: Request, message: dict[str, Any]) -> None:
        failed = message["to"].endswith("0000")
        receipt = {
            "receipt_id": f"R{message['message_id']}",
            "message_id": message["message_id"],
            "ref": message["ref"],
            "status": "failed" if failed else "delivered",
            "at": _now(),
        }
        if failed:
            receipt["error"] = "unreachable"
        items = self.sim.faults.shape(request.notes.get("fault_rule"), [receipt], self.break_record)
        secret = str(self.settings["receipt_secret"])
        signed = []
        for item in items:
            raw = json.dumps(item, ensure_ascii=False).encode()
            digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            signed.append(
                {
                    "body": raw.decode(),
                    "headers": {
                        "Content-Type": "application/json",
                        "X-Sms-Signature": f"sha256={digest}",
                    },
                }
            )
        self.receipts.add(signed)

    def c_messages(self, request: Request) -> Response:
        with self.lock:
            items = list(self.messages.values())
        return json_response({"count": len(items), "items": items})

    def c_receipts(self, request: Request) -> Response:
        items = self.receipts.list()
        return json_response({"count": len(items), "items": items})

    def c_settings(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not set(body) <= set(self.SETTINGS):
            raise HttpError(400, {"error": f"settings: {', '.join(self.SETTINGS)}"})
        self.settings.update(body)
        return json_response({k: v for k, v in self.settings.items() if "secret" not in k})


def _segments(text: str, encoding: str) -> int:
    single, part = (160, 153) if encoding == "gsm7" else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)
