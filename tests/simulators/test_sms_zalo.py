"""The simulated SMS gateway and Zalo-style channel: authentication, wire schemas,
idempotent sends, signed receipts, and the misbehaviour tests ask for."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

SMS_KEY = {"Authorization": "Bearer motcua-sms-key"}
ZALO_TOKEN = {"access_token": "motcua-zalo-token"}


def sms(ref="n-1", to="84912345678", text="Ho so da duoc tiep nhan", **extra):
    return {"ref": ref, "from": "MOTCUA", "to": to, "text": text, "encoding": "gsm7", **extra}


def zns(tracking="z-1", phone="84912345678"):
    return {"phone": phone, "template_id": "motcua-1", "tracking_id": tracking,
            "template_data": {"noi_dung": "Hồ sơ đã được tiếp nhận"}}  # fmt: skip


def test_sms_send_and_signed_receipt(http):
    answer = http.post("/sms/messages", json=sms(), headers={**SMS_KEY, "Idempotency-Key": "n-1"})
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "accepted" and body["segments"] == 1
    (receipt,) = http.get("/_control/sms/receipts").json()["items"]
    raw = receipt["body"].encode()
    expected = hmac.new(b"motcua-sms-receipt-secret", raw, hashlib.sha256).hexdigest()
    assert receipt["headers"]["X-Sms-Signature"] == f"sha256={expected}"
    data = json.loads(raw)
    assert data["message_id"] == body["message_id"] and data["ref"] == "n-1"
    assert data["status"] == "delivered"


def test_sms_same_key_is_one_message(http):
    first = http.post("/sms/messages", json=sms(), headers={**SMS_KEY, "Idempotency-Key": "k"})
    again = http.post("/sms/messages", json=sms(), headers={**SMS_KEY, "Idempotency-Key": "k"})
    assert first.json() == again.json()
    assert http.get("/_control/sms/messages").json()["count"] == 1
    assert http.get("/_control/sms/receipts").json()["count"] == 1


def test_sms_refuses_bad_key_and_bad_bodies(http):
    assert http.post("/sms/messages", json=sms()).status_code == 401
    bad = http.post("/sms/messages", json=sms(to="0243823"), headers=SMS_KEY)
    assert bad.status_code == 400 and bad.json()["errors"] == ["to: invalid value"]
    long = sms(text="x" * 1601)
    assert http.post("/sms/messages", json=long, headers=SMS_KEY).status_code == 400
    assert http.get("/_control/sms/messages").json()["count"] == 0


def test_sms_segments_and_unreachable_numbers(http):
    answer = http.post("/sms/messages", json=sms(text="ồ" * 71, encoding="ucs2"), headers=SMS_KEY)
    assert answer.json()["segments"] == 2
    http.post("/sms/messages", json=sms(ref="n-2", to="84912340000"), headers=SMS_KEY)
    receipts = [json.loads(r["body"]) for r in http.get("/_control/sms/receipts").json()["items"]]
    assert [r["status"] for r in receipts] == ["delivered", "failed"]
    assert receipts[1]["error"] == "unreachable"


def test_sms_duplicate_receipts_on_request(http):
    http.post("/_control/faults", json={"endpoint": "sms.send", "duplicate_rate": 1.0})
    http.post("/sms/messages", json=sms(), headers=SMS_KEY)
    items = http.get("/_control/sms/receipts").json()["items"]
    assert len(items) == 2 and items[0]["body"] == items[1]["body"]


def test_sms_down_and_5xx(http):
    http.post("/_control/faults", json={"endpoint": "sms.send", "error_rate": 1.0, "times": 1})
    assert http.post("/sms/messages", json=sms(), headers=SMS_KEY).status_code == 503
    assert http.get("/_control/sms/messages").json()["count"] == 0
    assert http.post("/sms/messages", json=sms(), headers=SMS_KEY).status_code == 202


def test_zalo_send_and_signed_event(http):
    answer = http.post("/zalo/message/template", json=zns(), headers=ZALO_TOKEN)
    assert answer.status_code == 200 and answer.json()["error"] == 0
    msg_id = answer.json()["data"]["msg_id"]
    (event,) = http.get("/_control/zalo/events").json()["items"]
    stamp = event["headers"]["X-ZEvent-Timestamp"]
    mac = hashlib.sha256(
        b"motcua-app" + event["body"].encode() + stamp.encode() + b"motcua-zalo-secret"
    ).hexdigest()
    assert event["headers"]["X-ZEvent-Signature"] == f"mac={mac}"
    data = json.loads(event["body"])
    assert data["event_name"] == "user_received_message"
    assert data["message"] == {"msg_id": msg_id, "tracking_id": "z-1"}
    again = http.post("/zalo/message/template", json=zns(), headers=ZALO_TOKEN)
    assert again.json()["data"]["msg_id"] == msg_id


def test_zalo_errors_in_the_body(http):
    assert http.post("/zalo/message/template", json=zns()).json()["error"] == -124
    bad = http.post("/zalo/message/template", json=zns(phone="12"), headers=ZALO_TOKEN)
    assert bad.status_code == 200 and bad.json()["error"] == -108
    http.post("/zalo/message/template", json=zns("z-2", "84912340000"), headers=ZALO_TOKEN)
    (event,) = http.get("/_control/zalo/events").json()["items"]
    assert json.loads(event["body"])["event_name"] == "message_failed"


@pytest.fixture
def hook():
    """A tiny HTTP server standing for the app's webhook."""
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    server.shutdown()


def test_receipts_are_posted_to_the_callback(http, hook):
    import time

    url, got = hook
    http.post("/_control/sms/settings", json={"callback_url": url})
    http.post("/sms/messages", json=sms(), headers=SMS_KEY)
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.02)
    (headers, body) = got[0]
    assert headers["X-Sms-Signature"].startswith("sha256=")
    assert json.loads(body)["ref"] == "n-1"
    http.post("/_control/reset")
    assert http.get("/_control/sms/messages").json()["count"] == 0
