"""PayGov-style payment platform adapter: signed checkout redirect, signed notifications
(IPN), signed order queries, cancellation and the day's transaction list.

Settings (from the environment): MOTCUA_PAYGOV_URL (base, e.g. the simulator's
http://127.0.0.1:8900/payment), MOTCUA_PAYGOV_MERCHANT_CODE, MOTCUA_PAYGOV_SECRET (HMAC
key shared with the platform), MOTCUA_PAYGOV_TIMEOUT. Wire formats: paygov_schemas.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from django.utils.dateparse import parse_datetime

from motcua.payments import paygov_schemas as wire
from motcua.payments.platform import (
    CANCELLED,
    FAILED,
    PAID,
    PENDING,
    UNKNOWN,
    BadSignature,
    CheckoutRequest,
    Malformed,
    NotConfigured,
    OrderState,
    PlatformError,
)

STATES = {
    wire.STATUS_SUCCESS: PAID,
    wire.STATUS_FAILED: FAILED,
    wire.STATUS_PENDING: PENDING,
    wire.STATUS_CANCELLED: CANCELLED,
}


def _state(data: dict[str, Any]) -> OrderState:
    receipt = data.get("receipt") or {}
    paid_at = parse_datetime(data["paid_at"]) if data.get("paid_at") else None
    return OrderState(
        order_id=data["order_id"],
        status=STATES[data["status"]],
        amount_vnd=data.get("amount"),
        transaction_id=data.get("transaction_id") or "",
        paid_at=paid_at,
        receipt_number=receipt.get("number", ""),
        receipt_url=receipt.get("url", ""),
        raw=data,
    )


class PayGovPlatform:
    name = "paygov"

    def __init__(self) -> None:
        base = settings.MOTCUA_PAYGOV_URL.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise NotConfigured("MOTCUA_PAYGOV_URL must be an http(s) URL")
        if not settings.MOTCUA_PAYGOV_SECRET or not settings.MOTCUA_PAYGOV_MERCHANT_CODE:
            raise NotConfigured("MOTCUA_PAYGOV_MERCHANT_CODE and MOTCUA_PAYGOV_SECRET are needed")
        self.base_url = base
        self.merchant = settings.MOTCUA_PAYGOV_MERCHANT_CODE
        self.secret = settings.MOTCUA_PAYGOV_SECRET
        self._path_prefix = urlsplit(base).path
        self._http = httpx.Client(
            base_url=base,
            timeout=settings.MOTCUA_PAYGOV_TIMEOUT,
            limits=httpx.Limits(max_keepalive_connections=4),
        )

    # the citizen's browser ---------------------------------------------------------------

    def checkout_url(self, request: CheckoutRequest) -> str:
        params: dict[str, Any] = {
            "merchant_code": self.merchant,
            "order_id": request.order_id,
            "amount": request.amount_vnd,
            "description": request.description,
            "return_url": request.return_url,
            "ipn_url": request.notify_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        params["signature"] = wire.sign_checkout(params, self.secret)
        return f"{self.base_url}/checkout?{urlencode(params)}"

    # notifications -----------------------------------------------------------------------

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> OrderState:
        given = headers.get(wire.SIGNATURE_HEADER.lower(), "")
        if not wire.verify(given, wire.sign_body(body, self.secret)):
            raise BadSignature("signature does not verify")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Malformed("not JSON") from exc
        problems = wire.errors(wire.NOTIFICATION, data)
        if problems:
            raise Malformed("; ".join(problems[:5]))
        if data["merchant_code"] != self.merchant:
            raise Malformed("notification for another merchant")
        return _state(data)

    # calls to the platform ---------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **kw) -> Any:
        raw = json.dumps(body).encode() if body is not None else b""
        stamp = str(int(time.time()))
        headers = {
            wire.MERCHANT_HEADER: self.merchant,
            wire.TIMESTAMP_HEADER: stamp,
            wire.SIGNATURE_HEADER: wire.sign_call(
                method, self._path_prefix + path, stamp, raw, self.secret
            ),
            **kw.pop("headers", {}),
        }
        if raw:
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, path, content=raw, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise PlatformError(f"PayGov unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise PlatformError(f"PayGov answered {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise PlatformError("PayGov answered something that is not JSON") from exc

    def query(self, order_id: str) -> OrderState:
        data = self._call("GET", f"/api/v1/orders/{order_id}")
        if data is None:
            return OrderState(order_id=order_id, status=UNKNOWN)
        problems = wire.errors(wire.ORDER, data)
        if problems or data.get("order_id") != order_id:
            raise PlatformError(f"PayGov order answer malformed: {problems[:3]}")
        return _state(data)

    def cancel(self, order_id: str, idempotency_key: str) -> OrderState | None:
        data = self._call(
            "POST",
            f"/api/v1/orders/{order_id}/cancel",
            {"order_id": order_id},
            headers={wire.IDEMPOTENCY_HEADER: idempotency_key},
        )
        # None: the citizen never opened the order, so the platform has nothing to cancel.
        if data is None:
            return None
        if wire.errors(wire.ORDER, data):
            raise PlatformError("PayGov cancel answer malformed")
        return _state(data)  # SUCCESS: paid before the cancellation reached the platform

    def transactions(self, day: dt.date) -> list[OrderState]:
        data = self._call("GET", "/api/v1/transactions", params={"date": day.isoformat()})
        if data is None or wire.errors(wire.TRANSACTIONS, data):
            raise PlatformError("PayGov transaction list malformed")
        return [_state(item) for item in data["items"]]
