"""The simulated payment platform over HTTP: the signed checkout, the citizen's page,
signed notifications to a receiver, signed queries, cancellation, the day's transactions,
receipts, and the misbehaviour control routes."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from motcua.payments import paygov_schemas as wire

SECRET = "motcua-paygov-secret"
MERCHANT = "MOTCUA37"


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - stdlib name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append((dict(self.headers), body))
        self.send_response(self.server.answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.got, server.answer = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}/notify"
    yield server
    server.shutdown()


def checkout_params(order_id="TT1", amount=150_000, ipn_url="", **extra):
    params = {
        "merchant_code": MERCHANT,
        "order_id": order_id,
        "amount": amount,
        "description": "Nộp lệ phí hồ sơ",
        "return_url": "http://127.0.0.1:1/ve/",
        "ipn_url": ipn_url or "http://127.0.0.1:9/",
        "expires_at": int(time.time()) + 600,
        **extra,
    }
    params["signature"] = wire.sign_checkout(params, SECRET)
    return params


def signed_get(http, path, **params):
    stamp = str(int(time.time()))
    headers = {
        wire.MERCHANT_HEADER: MERCHANT,
        wire.TIMESTAMP_HEADER: stamp,
        wire.SIGNATURE_HEADER: wire.sign_call("GET", path, stamp, b"", SECRET),
    }
    return http.get(path, params=params, headers=headers)


def test_checkout_pay_notify_query_receipt(http, receiver):
    page = http.get(f"/payment/checkout?{urlencode(checkout_params(ipn_url=receiver.url))}")
    assert page.status_code == 200 and "150.000 đồng" in page.text
    back = http.post("/payment/checkout", data={"order_id": "TT1", "action": "pay"})
    assert back.status_code == 302
    ret = parse_qs(urlsplit(back.headers["location"]).query)
    assert ret["status"] == ["SUCCESS"]
    assert ret["signature"][0] == wire.sign_checkout(
        {"order_id": "TT1", "status": "SUCCESS"}, SECRET
    )
    # The notification reached the merchant before the browser came back, signed.
    [(headers, body)] = receiver.got
    assert headers[wire.SIGNATURE_HEADER] == wire.sign_body(body, SECRET)
    note = json.loads(body)
    assert wire.errors(wire.NOTIFICATION, note) == []
    assert (note["order_id"], note["amount"], note["status"]) == ("TT1", 150_000, "SUCCESS")
    order = signed_get(http, "/payment/api/v1/orders/TT1").json()
    assert order["receipt"]["number"] == note["receipt"]["number"]
    receipt = http.get(urlsplit(order["receipt"]["url"]).path)
    assert receipt.status_code == 200 and "Biên lai điện tử" in receipt.text
    day = note["paid_at"][:10]
    items = signed_get(http, "/payment/api/v1/transactions", date=day).json()["items"]
    assert [i["order_id"] for i in items] == ["TT1"]


def test_bad_checkout_signature_and_unsigned_queries_are_refused(http):
    params = checkout_params()
    params["amount"] = 1
    assert http.get(f"/payment/checkout?{urlencode(params)}").status_code == 400
    assert http.get("/payment/api/v1/orders/TT1").status_code == 401
    assert signed_get(http, "/payment/api/v1/orders/NOPE").status_code == 404


def test_misbehaviour_on_request(http, receiver):
    http.get(f"/payment/checkout?{urlencode(checkout_params('TT2', ipn_url=receiver.url))}")
    http.post("/_control/payment/mode", json={"ipn": "late"})
    http.post("/payment/checkout", data={"order_id": "TT2", "action": "pay"})
    assert receiver.got == []  # held back
    http.post("/_control/payment/mode", json={"ipn": "duplicate"})
    http.post("/_control/payment/orders/TT3/pay", json={"amount": 10, "ipn_url": receiver.url})
    assert len(receiver.got) == 2 and receiver.got[0][1] == receiver.got[1][1]
    assert http.post("/_control/payment/release").json()["sent"] == [200]
    assert len(receiver.got) == 3
    forged = http.post("/_control/payment/orders/TT2/notify", json={"kind": "forged"})
    assert forged.json()["sent"] == [200]
    headers, body = receiver.got[-1]
    assert headers[wire.SIGNATURE_HEADER] != wire.sign_body(body, SECRET)
    wrong = http.post(
        "/_control/payment/orders/TT2/notify", json={"kind": "wrong_amount", "deliver": False}
    ).json()
    assert json.loads(wrong["body"])["amount"] == 150_000 - 1000
    http.post("/_control/payment/mode", json={"down": True})
    assert signed_get(http, "/payment/api/v1/orders/TT2").status_code == 503
    assert http.post("/_control/payment/mode", json={"ipn": "sometimes"}).status_code == 400
    http.post("/_control/reset")
    assert signed_get(http, "/payment/api/v1/orders/TT2").status_code == 404
