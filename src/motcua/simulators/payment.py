"""A PayGov-style payment platform: the citizen's checkout page, signed notifications
(IPN) to the merchant, order queries, cancellation, the day's transactions and electronic
receipts (biên lai điện tử). Wire formats and signatures: motcua.payments.paygov_schemas.

Misbehaviour on request (control routes): notifications dropped, held back and sent late
(optionally in reverse order), sent twice, with a wrong amount, or forged (signed with
another key); the platform down (every route answers 503). The generic fault rules
(/_control/faults, points "payment.<what>") work as for the other systems.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from motcua.payments import paygov_schemas as wire
from motcua.simulators.base import System, register
from motcua.simulators.http import (
    HttpError,
    Request,
    Response,
    Route,
    html_response,
    json_response,
)

VIETNAM = dt.timezone(dt.timedelta(hours=7))
IPN_MODES = ("normal", "drop", "late", "duplicate")
PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto;color:#1a1a1a}}
.box{{border:1px solid #888;border-radius:6px;padding:1rem 1.5rem}}
button{{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}}
.pay{{background:#0b5394;color:#fff;border:0}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _now() -> dt.datetime:
    return dt.datetime.now(VIETNAM).replace(microsecond=0)


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


@register
class Payment(System):
    name = "payment"
    title = "Nền tảng thanh toán (PayGov, giả lập)"
    SETTINGS = {
        "merchant_code": ("MOTCUA_SIM_PAYMENT_MERCHANT_CODE", "MOTCUA37"),
        "secret": ("MOTCUA_SIM_PAYMENT_SECRET", "motcua-paygov-secret"),
        # Where notifications go; empty: the ipn_url each order carries.
        "callback_url": ("MOTCUA_SIM_PAYMENT_CALLBACK_URL", ""),
    }

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[str, dict[str, Any]] = {}
        self.receipts: dict[str, str] = {}  # receipt number -> order id
        self.mode: dict[str, Any] = {"ipn": "normal", "amount_delta": 0, "down": False}
        self.held: list[dict[str, Any]] = []  # late notifications, waiting for release
        self.sent: list[dict[str, Any]] = []  # every notification sent: target, status

    def state(self) -> dict[str, Any]:
        return {
            "orders": len(self.orders),
            "paid": sum(o["status"] == wire.STATUS_SUCCESS for o in self.orders.values()),
            "mode": dict(self.mode),
            "held": len(self.held),
            "sent": len(self.sent),
        }

    def routes(self) -> list[Route]:
        api = "/payment/api/v1"
        return [
            Route("GET", "/payment/checkout", self.checkout_page, "payment.checkout"),
            Route("POST", "/payment/checkout", self.checkout_submit, "payment.checkout"),
            Route("GET", f"{api}/orders/{{order_id}}", self.query, "payment.query"),
            Route("POST", f"{api}/orders/{{order_id}}/cancel", self.cancel, "payment.cancel"),
            Route("GET", f"{api}/transactions", self.transactions, "payment.transactions"),
            Route("GET", "/payment/bien-lai/{number}", self.receipt, "payment.receipt"),
        ]

    def control_routes(self) -> list[Route]:
        c = "/_control/payment"
        return [
            Route("GET", f"{c}/orders", self.c_orders, "payment.c"),
            Route("POST", f"{c}/mode", self.c_mode, "payment.c"),
            Route("POST", f"{c}/orders/{{order_id}}/pay", self.c_pay, "payment.c"),
            Route("POST", f"{c}/orders/{{order_id}}/notify", self.c_notify, "payment.c"),
            Route("POST", f"{c}/release", self.c_release, "payment.c"),
            Route("GET", f"{c}/sent", self.c_sent, "payment.c"),
        ]

    # helpers ----------------------------------------------------------------------------------

    def _up(self) -> None:
        if self.mode["down"]:
            raise HttpError(503, {"error": "platform down (simulated)"})

    def _order_json(self, order: dict[str, Any]) -> dict[str, Any]:
        receipt = None
        if order.get("receipt_number"):
            receipt = {
                "number": order["receipt_number"],
                "url": f"{self.url}/bien-lai/{order['receipt_number']}",
            }
        return {
            "order_id": order["order_id"],
            "status": order["status"],
            "amount": order.get("paid_amount", order["amount"]),
            "transaction_id": order.get("transaction_id"),
            "paid_at": order.get("paid_at"),
            "receipt": receipt,
        }

    def _check_call(self, request: Request) -> None:
        """The merchant's API calls: merchant, timestamp, signature over method, path,
        timestamp and body."""
        merchant = request.headers.get(wire.MERCHANT_HEADER.lower(), "")
        stamp = request.headers.get(wire.TIMESTAMP_HEADER.lower(), "")
        given = request.headers.get(wire.SIGNATURE_HEADER.lower(), "")
        expected = wire.sign_call(
            request.method, request.path, stamp, request.body, self.settings["secret"]
        )
        if merchant != self.settings["merchant_code"] or not wire.verify(given, expected):
            request.errors = ["bad merchant or signature"]
            raise HttpError(401, {"error": "invalid signature"})
        try:
            if abs(time.time() - int(stamp)) > 300:
                raise HttpError(401, {"error": "stale timestamp"})
        except ValueError as exc:
            raise HttpError(401, {"error": "bad timestamp"}) from exc

    def _pay(self, order: dict[str, Any], amount: int | None = None) -> None:
        if order["status"] == wire.STATUS_SUCCESS:
            return
        number = f"BL{_now():%y%m%d}{secrets.token_hex(4).upper()}"
        order.update(
            status=wire.STATUS_SUCCESS,
            transaction_id=f"PG{secrets.token_hex(8).upper()}",
            paid_at=_now().isoformat(),
            paid_amount=order["amount"] + self.mode["amount_delta"] if amount is None else amount,
            receipt_number=number,
        )
        self.receipts[number] = order["order_id"]

    def notification(self, order: dict[str, Any], kind: str = "normal") -> dict[str, Any]:
        """The notification for an order's present state: url, body and headers (kind:
        normal, forged, wrong_amount, failed)."""
        data = {
            "merchant_code": self.settings["merchant_code"],
            **self._order_json(order),
            "currency": "VND",
            "sent_at": _now().isoformat(),
        }
        data["transaction_id"] = data["transaction_id"] or ""
        if kind == "wrong_amount":
            data["amount"] = max(0, data["amount"] - 1000)
        if kind == "failed":
            data.update(status=wire.STATUS_FAILED, receipt=None, paid_at=None)
        body = json.dumps(data, ensure_ascii=False).encode()
        secret = "forged-" + secrets.token_hex(4) if kind == "forged" else self.settings["secret"]
        return {
            "url": self.settings["callback_url"] or order.get("ipn_url", ""),
            "body": body.decode(),
            "headers": {
                "Content-Type": "application/json",
                wire.SIGNATURE_HEADER: wire.sign_body(body, secret),
            },
        }

    def send(self, note: dict[str, Any]) -> int:
        """POST a notification; the answer's status (0: not delivered)."""
        status = 0
        if note["url"].startswith(("http://", "https://")):
            try:
                status = httpx.post(
                    note["url"], content=note["body"].encode(), headers=note["headers"], timeout=10
                ).status_code
            except httpx.HTTPError:
                status = 0
        with self.lock:
            self.sent.append({"url": note["url"], "status": status, "body": note["body"]})
        return status

    def dispatch(self, order: dict[str, Any]) -> list[int]:
        """Notify the merchant as the current IPN mode says."""
        mode = self.mode["ipn"]
        note = self.notification(order)
        if mode == "drop":
            return []
        if mode == "late":
            with self.lock:
                self.held.append(note)
            return []
        statuses = [self.send(note)]
        if mode == "duplicate":
            statuses.append(self.send(note))
        return statuses

    # the citizen's checkout -----------------------------------------------------------------------

    def _checkout_order(self, params: dict[str, str]) -> dict[str, Any]:
        missing = [f for f in [*wire.CHECKOUT_FIELDS, "signature"] if not params.get(f)]
        if missing:
            raise HttpError(400, {"error": f"missing {', '.join(missing)}"})
        expected = wire.sign_checkout(params, self.settings["secret"])
        if not wire.verify(params["signature"], expected):
            raise HttpError(400, {"error": "invalid signature"})
        if params["merchant_code"] != self.settings["merchant_code"]:
            raise HttpError(400, {"error": "unknown merchant"})
        try:
            amount, expires = int(params["amount"]), int(params["expires_at"])
        except ValueError as exc:
            raise HttpError(400, {"error": "amount and expires_at are integers"}) from exc
        with self.lock:
            order = self.orders.get(params["order_id"])
            if order is None:
                order = self.orders[params["order_id"]] = {
                    "order_id": params["order_id"],
                    "amount": amount,
                    "description": params["description"],
                    "return_url": params["return_url"],
                    "ipn_url": params["ipn_url"],
                    "expires_at": expires,
                    "status": wire.STATUS_PENDING,
                    "created": _now().isoformat(),
                }
        if order["amount"] != amount:
            raise HttpError(400, {"error": "order exists with another amount"})
        return order

    def checkout_page(self, request: Request) -> Response:
        self._up()
        try:
            order = self._checkout_order(request.query)
        except HttpError as exc:
            return html_response(
                PAGE.format(
                    title="Không thể thanh toán",
                    body="<p>Yêu cầu thanh toán không hợp lệ "
                    f"({html.escape(str(exc.payload))}).</p>",
                ),
                exc.status,
            )
        e = html.escape
        if order["status"] != wire.STATUS_PENDING:
            body = f"<p>Đơn hàng {e(order['order_id'])} đã được xử lý.</p>"
            return html_response(PAGE.format(title="Đơn hàng đã xử lý", body=body))
        expired = time.time() > order["expires_at"]
        body = f"""<div class="box"><p>Đơn vị thụ hưởng: <strong>{
            e(self.settings["merchant_code"])
        }</strong></p>
<p>Mã đơn hàng: <strong id="order-id">{e(order["order_id"])}</strong></p>
<p>Nội dung: {e(order["description"])}</p>
<p>Số tiền: <strong id="amount">{_vnd(order["amount"])}</strong></p></div>
{
            "<p>Đơn hàng đã hết hạn thanh toán.</p>"
            if expired
            else f'''
<form method="post"><input type="hidden" name="order_id" value="{e(order['order_id'])}">
<p><label>Ngân hàng / ví: <select name="bank"><option>Ngân hàng giả lập</option>
<option>Ví điện tử giả lập</option></select></label></p>
<button class="pay" name="action" value="pay">Thanh toán</button>
<button name="action" value="cancel">Hủy giao dịch</button></form>'''
        }"""
        return html_response(PAGE.format(title="Cổng thanh toán PayGov (giả lập)", body=body))

    def checkout_submit(self, request: Request) -> Response:
        self._up()
        form = request.form()
        with self.lock:
            order = self.orders.get(form.get("order_id", ""))
        if order is None:
            raise HttpError(404, {"error": "unknown order"})
        if order["status"] == wire.STATUS_PENDING:
            if form.get("action") == "pay" and time.time() <= order["expires_at"]:
                with self.lock:
                    self._pay(order)
            else:
                order["status"] = wire.STATUS_FAILED
            # Before the browser returns, as real platforms do: the merchant usually knows
            # the outcome when the citizen lands on the return page.
            self.dispatch(order)
        params = {"order_id": order["order_id"], "status": order["status"]}
        params["signature"] = wire.sign_checkout(params, self.settings["secret"])
        sep = "&" if "?" in order["return_url"] else "?"
        return Response(302, b"", {"Location": f"{order['return_url']}{sep}{urlencode(params)}"})

    # the merchant's API --------------------------------------------------------------------------

    def _order(self, order_id: str) -> dict[str, Any]:
        with self.lock:
            order = self.orders.get(order_id)
        if order is None:
            raise HttpError(404, {"error": "unknown order"})
        return order

    def query(self, request: Request, order_id: str) -> Response:
        self._up()
        self._check_call(request)
        return json_response(self._order_json(self._order(order_id)))

    def cancel(self, request: Request, order_id: str) -> Response:
        self._up()
        self._check_call(request)
        order = self._order(order_id)
        with self.lock:
            if order["status"] == wire.STATUS_PENDING:
                order["status"] = wire.STATUS_CANCELLED
        return json_response(self._order_json(order))

    def transactions(self, request: Request) -> Response:
        self._up()
        self._check_call(request)
        day = request.query.get("date", "")
        try:
            dt.date.fromisoformat(day)
        except ValueError as exc:
            raise HttpError(400, {"error": "date=YYYY-MM-DD"}) from exc
        with self.lock:
            items = [
                self._order_json(o)
                for o in self.orders.values()
                if o["status"] == wire.STATUS_SUCCESS and o["paid_at"][:10] == day
            ]
        return json_response({"date": day, "items": items})

    def receipt(self, request: Request, number: str) -> Response:
        self._up()
        with self.lock:
            order = self.orders.get(self.receipts.get(number, ""))
        if order is None:
            raise HttpError(404, {"error": "unknown receipt"})
        e = html.escape
        body = f"""<div class="box"><p>Số biên lai: <strong>{e(number)}</strong></p>
<p>Đơn vị thu: {e(self.settings["merchant_code"])}</p>
<p>Nội dung: {e(order["description"])}</p>
<p>Số tiền: {_vnd(order["paid_amount"])}</p><p>Thời điểm: {e(order["paid_at"])}</p></div>"""
        return html_response(PAGE.format(title="Biên lai điện tử (giả lập)", body=body))

    # control ------------------------------------------------------------------------------

    def c_orders(self, request: Request) -> Response:
        with self.lock:
            return json_response({"orders": list(self.orders.values())})

    def c_mode(self, request: Request) -> Response:
        body = request.json() or {}
        if not isinstance(body, dict):
            raise HttpError(400, {"error": "expected an object"})
        if "ipn" in body and body["ipn"] not in IPN_MODES:
            raise HttpError(400, {"error": f"ipn is one of {', '.join(IPN_MODES)}"})
        if "amount_delta" in body and not isinstance(body["amount_delta"], int):
            raise HttpError(400, {"error": "amount_delta is an integer"})
        for key in ("ipn", "amount_delta", "down"):
            if key in body:
                self.mode[key] = body[key] if key != "down" else bool(body[key])
        return json_response(self.mode)

    def c_pay(self, request: Request, order_id: str) -> Response:
        """Pay an order without the browser (tests, benchmarks). An order not opened yet is
        created from the body: amount, ipn_url."""
        body = request.json() or {}
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                if not isinstance(body.get("amount"), int):
                    raise HttpError(404, {"error": "unknown order (give amount to create it)"})
                order = self.orders[order_id] = {
                    "order_id": order_id,
                    "amount": body["amount"],
                    "description": body.get("description", ""),
                    "return_url": "",
                    "ipn_url": body.get("ipn_url", ""),
                    "expires_at": int(time.time()) + 3600,
                    "status": wire.STATUS_PENDING,
                    "created": _now().isoformat(),
                }
            self._pay(order, body.get("paid_amount"))
        statuses = self.dispatch(order) if body.get("notify", True) else []
        return json_response({"order": self._order_json(order), "sent": statuses})

    def c_notify(self, request: Request, order_id: str) -> Response:
        """Send (or with deliver=false only build) a notification for an order: kind
        normal, forged, wrong_amount or failed; times: how many copies."""
        body = request.json() or {}
        kind = body.get("kind", "normal")
        if kind not in ("normal", "forged", "wrong_amount", "failed"):
            raise HttpError(400, {"error": "kind: normal, forged, wrong_amount, failed"})
        note = self.notification(self._order(order_id), kind)
        if body.get("deliver", True) is False:
            return json_response(note)
        times = int(body.get("times", 1))
        return json_response({"sent": [self.send(note) for _ in range(max(1, times))]})

    def c_release(self, request: Request) -> Response:
        """Send the held (late) notifications now; reverse=true sends the newest first."""
        body = request.json() or {}
        with self.lock:
            held, self.held = self.held, []
        if body.get("reverse"):
            held.reverse()
        return json_response({"sent": [self.send(n) for n in held]})

    def c_sent(self, request: Request) -> Response:
        with self.lock:
            return json_response({"sent": list(self.sent)})
