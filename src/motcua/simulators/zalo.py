"""A Zalo-style notification channel (like Zalo ZNS): takes template messages
(schemas.ZALO_REQUEST, header `access_token`), answers HTTP 200 with `error` 0 and a
msg_id (or a negative error: -124 bad token, -108 bad phone), and reports delivery with
signed events (schemas.ZALO_EVENT; `X-ZEvent-Signature: mac=<SHA-256 of app id + body +
timestamp + secret>`, `X-ZEvent-Timestamp`).

Events go to the callback URL when set, else wait at GET /_control/zalo/events. Phones
ending in 0000 have no Zalo account (a "message_failed" event). Fault rules on "zalo.send"
apply; their duplicate_rate, reorder and malformed_rate shape the events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any

from motcua.notify import schemas
from motcua.simulators.base import System, register
from motcua.simulators.http import HttpError, Request, Response, Route, json_response
from motcua.simulators.sms import ReceiptPoster


@register
class Zalo(System):
    name = "zalo"
    title = "Kênh thông báo kiểu Zalo ZNS (giả lập)"
    SETTINGS = {
        "access_token": ("MOTCUA_SIM_ZALO_ACCESS_TOKEN", "motcua-zalo-token"),
        "app_id": ("MOTCUA_SIM_ZALO_APP_ID", "motcua-app"),
        "secret": ("MOTCUA_SIM_ZALO_SECRET", "motcua-zalo-secret"),
        "callback_url": ("MOTCUA_SIM_ZALO_CALLBACK_URL", ""),
    }

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.messages: dict[str, dict[str, Any]] = {}
        self.by_tracking: dict[str, str] = {}
        self.receipts = ReceiptPoster(self)
        self.seq = 0

    def state(self) -> dict[str, Any]:
        return {"messages": len(self.messages), "events": len(self.receipts.all)}

    def routes(self) -> list[Route]:
        return [Route("POST", "/zalo/message/template", self.send, "zalo.send")]

    def control_routes(self) -> list[Route]:
        c = "/_control/zalo"
        return [
            Route("GET", f"{c}/messages", self.c_messages, "zalo.c"),
            Route("GET", f"{c}/events", self.c_events, "zalo.c"),
            Route("POST", f"{c}/settings", self.c_settings, "zalo.c"),
        ]

    def send(self, request: Request) -> Response:
        token = request.headers.get("access_token", "")
        if not hmac.compare_digest(token.encode(), str(self.settings["access_token"]).encode()):
            request.errors = ["access_token: invalid"]
            return json_response({"error": -124, "message": "Access token is invalid"})
        body = request.json()
        request.errors = schemas.validate(schemas.ZALO_REQUEST, body)
        if request.errors:
            return json_response({"error": -108, "message": "; ".join(request.errors)})
        with self.lock:
            known = self.by_tracking.get(body["tracking_id"])
            if known is not None:  # the same tracking id again: the same message
                request.notes["replay"] = True
                return json_response(self._answer(self.messages[known]))
            self.seq += 1
            message = dict(body, msg_id=f"zns{self.seq:010d}", sent_time=_millis())
            self.messages[message["msg_id"]] = message
            self.by_tracking[body["tracking_id"]] = message["msg_id"]
        self._report(request, message)
        return json_response(self._answer(message))

    @staticmethod
    def _answer(message: dict[str, Any]) -> dict[str, Any]:
        return {
            "error": 0,
            "message": "Success",
            "data": {"msg_id": message["msg_id"], "sent_time": message["sent_time"]},
        }

    def _report(self, request: Request, message: dict[str, Any]) -> None:
        failed = message["phone"].endswith("0000")
        stamp = _millis()
        event = {
            "event_name": "message_failed" if failed else "user_received_message",
            "app_id": str(self.settings["app_id"]),
            "timestamp": stamp,
            "event_id": f"ev-{message['msg_id']}",
            "message": {"msg_id": message["msg_id"], "tracking_id": message["tracking_id"]},
        }
        if failed:
            event["message"]["error"] = "user has no Zalo account"
        items = self.sim.faults.shape(request.notes.get("fault_rule"), [event], self.break_record)
        signed = []
        for item in items:
            raw = json.dumps(item, ensure_ascii=False).encode()
            mac = hashlib.sha256(
                str(self.settings["app_id"]).encode()
                + raw
                + stamp.encode()
                + str(self.settings["secret"]).encode()
            ).hexdigest()
            signed.append(
                {
                    "body": raw.decode(),
                    "headers": {
                        "Content-Type": "application/json",
                        "X-ZEvent-Signature": f"mac={mac}",
                        "X-ZEvent-Timestamp": stamp,
                    },
                }
            )
        self.receipts.add(signed)

    def c_messages(self, request: Request) -> Response:
        with self.lock:
            items = list(self.messages.values())
        return json_response({"count": len(items), "items": items})

    def c_events(self, request: Request) -> Response:
        items = self.receipts.list()
        return json_response({"count": len(items), "items": items})

    def c_settings(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not set(body) <= set(self.SETTINGS):
            raise HttpError(400, {"error": f"settings: {', '.join(self.SETTINGS)}"})
        self.settings.update(body)
        return json_response({k: v for k, v in self.settings.items() if "secret" not in k})


def _millis() -> str:
    return str(int(time.time() * 1000))
