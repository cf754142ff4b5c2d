"""The public postal operator (Bưu điện, VNPost-style) as a province sees it.

Province -> operator: quote, create order (idempotent on MaDonHang), tracking query, all
with `X-Api-Key`, checked against motcua.postal.buudien's schemas. Operator -> province:
events (picked up, in transit, delivered, returned to sender) POSTed, signed, to the
webhook URL set in MOTCUA_SIM_POSTAL_WEBHOOK_URL or by POST /_control/postal/settings.

Control (not recorded, never faulted):
- POST /_control/postal/orders/{MaVanDon}/events {"status": "DA_PHAT"|"delivered"...,
  "note", "at", "push" (default true), "times" (send it that many times: duplicates)}
- POST /_control/postal/orders/{MaVanDon}/push {"reverse": true, "duplicate": true}: send
  every event of the order again (out of order, twice)
- POST /_control/postal/unknown {"status": ...}: an event for an order nobody created
- POST /_control/postal/settings {"webhook_url", "webhook_secret", "api_key", "down"}:
  down=true answers every operator call 503 (the generic /_control/faults works as well)
- GET /_control/postal/orders: what the operator holds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from motcua.postal import buudien
from motcua.simulators.base import System, register
from motcua.simulators.http import HttpError, Request, Response, Route, json_response

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = {v: k for k, v in buudien.STATUSES.items()}  # "delivered" -> "DA_PHAT"
NOTES = {
    "DA_LAY_HANG": "Bưu tá đã nhận bưu gửi tại bộ phận một cửa",
    "DANG_VAN_CHUYEN": "Bưu gửi đang trên đường vận chuyển",
    "DA_PHAT": "Đã phát thành công, người nhận đã ký nhận",
    "CHUYEN_HOAN": "Không liên lạc được người nhận sau 3 lần phát",
}


def _now() -> dt.datetime:
    return dt.datetime.now(VIETNAM).replace(microsecond=0)


def fee_for(sender_province: str, recipient_province: str, grams: int) -> int:
    """Tariff of the simulated operator: within the province 22,000 đ, elsewhere 32,000 đ,
    plus 5,000 đ for each started 500 g above the first 500 g."""
    base = 22000 if sender_province == recipient_province else 32000
    return base + 5000 * max(0, (grams - 1) // 500)


@register
class PostalOperator(System):
    name = "postal"
    title = "Bưu điện (dịch vụ bưu chính công ích)"
    SETTINGS = {
        "api_key": ("MOTCUA_SIM_POSTAL_API_KEY", "motcua-postal-key"),
        "webhook_secret": ("MOTCUA_SIM_POSTAL_WEBHOOK_SECRET", "motcua-postal-webhook-secret"),
        "webhook_url": ("MOTCUA_SIM_POSTAL_WEBHOOK_URL", ""),
    }

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[str, dict[str, Any]] = {}  # by MaVanDon
        self.by_reference: dict[str, str] = {}  # MaDonHang -> MaVanDon
        self.numbers = itertools.count(1)
        self.down = False
        self.pushed: list[dict[str, Any]] = []

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/postal/api/v1/quote", self.quote, "postal.quote"),
            Route("POST", "/postal/api/v1/orders", self.create_order, "postal.order"),
            Route("GET", "/postal/api/v1/orders/{tracking}/events", self.track, "postal.track"),
        ]

    def control_routes(self) -> list[Route]:
        return [
            Route("GET", "/_control/postal/orders", self.c_orders, "postal.c"),
            Route("POST", "/_control/postal/orders/{tracking}/events", self.c_emit, "postal.c"),
            Route("POST", "/_control/postal/orders/{tracking}/push", self.c_push, "postal.c"),
            Route("POST", "/_control/postal/unknown", self.c_unknown, "postal.c"),
            Route("POST", "/_control/postal/settings", self.c_settings, "postal.c"),
        ]

    def state(self) -> dict[str, Any]:
        return {"orders": len(self.orders), "down": self.down, "pushed": len(self.pushed)}

    # operator API ----------------------------------------------------------------------------

    def _check(self, request: Request) -> None:
        if self.down:
            raise HttpError(503, {"code": "UNAVAILABLE", "message": "Hệ thống bưu điện tạm ngừng"})
        if request.headers.get("x-api-key", "") != self.settings["api_key"]:
            request.errors = ["X-Api-Key missing or wrong"]
            raise HttpError(401, {"code": "UNAUTHORIZED", "message": "Sai khóa truy cập"})

    def quote(self, request: Request) -> Response:
        self._check(request)
        q = request.query
        try:
            grams = int(q.get("KhoiLuong") or 200)
        except ValueError as exc:
            raise HttpError(400, {"code": "INVALID", "message": "KhoiLuong"}) from exc
        if not q.get("MaTinhNhan") or not q.get("MaXaNhan"):
            request.errors = ["MaTinhNhan and MaXaNhan are required"]
            raise HttpError(400, {"code": "INVALID", "message": "Thiếu địa chỉ nhận"})
        return json_response(
            {
                "CuocPhi": fee_for(q.get("MaTinhGui", ""), q["MaTinhNhan"], grams),
                "DichVu": buudien.SERVICE,
                "ThoiGianDuKien": "1–2 ngày"
                if q.get("MaTinhGui") == q["MaTinhNhan"]
                else "2–3 ngày",
            }
        )

    def create_order(self, request: Request) -> Response:
        self._check(request)
        body = request.json()
        errors = buudien.validate("DonHang", body)
        request.errors = errors
        if errors:
            raise HttpError(422, {"code": "INVALID", "message": "; ".join(errors[:5])})
        reference = body["MaDonHang"]
        with self.lock:
            tracking = self.by_reference.get(reference)
            if tracking is not None:  # the same order again: the same answer
                return json_response(self._created(self.orders[tracking]), 200)
            tracking = f"EB{37_000_000 + next(self.numbers):09d}VN"
            order = {
                "MaVanDon": tracking,
                "MaDonHang": reference,
                "CuocPhi": fee_for(
                    body["NguoiGui"]["MaTinh"], body["NguoiNhan"]["MaTinh"], body["KhoiLuong"]
                ),
                "DonHang": body,
                "SuKien": [],
                "TaoLuc": _now().isoformat(),
            }
            self.orders[tracking] = order
            self.by_reference[reference] = tracking
        return json_response(self._created(order), 201)

    @staticmethod
    def _created(order: dict[str, Any]) -> dict[str, Any]:
        return {
            "MaVanDon": order["MaVanDon"],
            "MaDonHang": order["MaDonHang"],
            "CuocPhi": order["CuocPhi"],
            "TrangThai": "DA_TAO",
        }

    def track(self, request: Request, tracking: str) -> Response:
        self._check(request)
        order = self.orders.get(tracking)
        if order is None:
            raise HttpError(404, {"code": "NOT_FOUND", "message": "Không có bưu gửi này"})
        return json_response({"MaVanDon": tracking, "SuKien": list(order["SuKien"])})

    # control ---------------------------------------------------------------------------------

    def c_orders(self, request: Request) -> Response:
        return json_response({"orders": list(self.orders.values()), "pushed": self.pushed})

    def _event(self, tracking: str, reference: str, body: dict[str, Any]) -> dict[str, Any]:
        status = str(body.get("status", ""))
        status = KINDS.get(status, status)
        if status not in buudien.STATUSES:
            raise HttpError(400, {"error": f"status: one of {sorted(buudien.STATUSES)}"})
        event = {
            "MaSuKien": str(body.get("event_id") or uuid.uuid4()),
            "MaVanDon": tracking,
            "TrangThai": status,
            "ThoiGian": str(body.get("at") or _now().isoformat()),
            "GhiChu": str(body.get("note") or NOTES[status]),
        }
        if reference:
            event["MaDonHang"] = reference
        return event

    def c_emit(self, request: Request, tracking: str) -> Response:
        body = request.json() or {}
        order = self.orders.get(tracking)
        if order is None:
            raise HttpError(404, {"error": f"no order {tracking}"})
        event = self._event(tracking, order["MaDonHang"], body)
        with self.lock:
            order["SuKien"].append(event)
        times = int(body.get("times", 1))
        sent = [self._push(event) for _ in range(times)] if body.get("push", True) else []
        return json_response({"event": event, "sent": sent})

    def c_push(self, request: Request, tracking: str) -> Response:
        body = request.json() or {}
        order = self.orders.get(tracking)
        if order is None:
            raise HttpError(404, {"error": f"no order {tracking}"})
        events = list(order["SuKien"])
        if body.get("reverse"):
            events.reverse()
        if body.get("duplicate"):
            events = [e for e in events for _ in (0, 1)]
        return json_response({"sent": [self._push(e) for e in events]})

    def c_unknown(self, request: Request) -> Response:
        body = request.json() or {}
        tracking = str(body.get("tracking") or f"EB{next(self.numbers) + 99_000_000:09d}VN")
        event = self._event(tracking, "", body)
        return json_response({"event": event, "sent": [self._push(event)]})

    def c_settings(self, request: Request) -> Response:
        body = request.json() or {}
        if not isinstance(body, dict):
            raise HttpError(400, {"error": "expected an object"})
        for key in ("webhook_url", "webhook_secret", "api_key"):
            if key in body:
                self.settings[key] = str(body[key])
        if "down" in body:
            self.down = bool(body["down"])
        return json_response({**self.settings, "webhook_secret": "***", "down": self.down})

    def _push(self, event: dict[str, Any]) -> dict[str, Any]:
        """Sign and POST one event to the webhook; what was sent and what came back (a
        test without a reachable webhook sends `body` and `signature` itself)."""
        raw = json.dumps(event, ensure_ascii=False).encode()
        signature = buudien.sign(raw, self.settings["webhook_secret"])
        sent: dict[str, Any] = {"body": raw.decode(), "signature": signature, "status": None}
        url = self.settings.get("webhook_url")
        if url:
            try:
                answer = httpx.post(
                    url,
                    content=raw,
                    headers={
                        "Content-Type": "application/json",
                        buudien.SIGNATURE_HEADER: signature,
                    },
                    timeout=10,
                )
                sent["status"] = answer.status_code
            except httpx.HTTPError as exc:
                sent["status"] = 0
                sent["error"] = f"{type(exc).__name__}: {exc}"
        self.pushed.append({"event": event["MaSuKien"], "status": sent["status"]})
        return sent
