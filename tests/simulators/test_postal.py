"""The postal operator stand-in over HTTP: quote, orders (idempotent on MaDonHang, checked
against the wire schema), tracking, signed events pushed to a webhook (duplicated, out of
order, for unknown orders), and down mode."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from motcua.postal import buudien
from tests.simulators.conftest import received

KEY = {"X-Api-Key": "motcua-postal-key"}
SECRET = "motcua-postal-webhook-secret"


def order_body(reference="000.00.01.H37-261201-0001-BC1", **extra):
    return {
        "MaKhachHang": "H37",
        "MaDonHang": reference,
        "DichVu": buudien.SERVICE,
        "NguoiGui": {"HoTen": "Sở thử nghiệm", "DiaChi": "Số 1 Lê Lợi", "MaTinh": "37"},
        "NguoiNhan": {
            "HoTen": "Nguyễn Văn Dân",
            "DiaChi": "Số 12 đường Trần Hưng Đạo",
            "MaXa": "14308",
            "MaTinh": "37",
        },
        "KhoiLuong": 200,
        **extra,
    }


@pytest.fixture
def webhook():
    """A real HTTP server standing for Motcua's webhook: records what it is sent."""
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", calls
    server.shutdown()


def test_quote_depends_on_the_provinces_and_the_weight(http):
    params = {"MaTinhGui": "37", "MaTinhNhan": "37", "MaXaNhan": "14308", "KhoiLuong": 200}
    same = http.get("/postal/api/v1/quote", params=params, headers=KEY).json()
    assert same["CuocPhi"] == 22000 and not buudien.validate("BaoGia", same)
    other = http.get(
        "/postal/api/v1/quote", params={**params, "MaTinhNhan": "01"}, headers=KEY
    ).json()
    assert other["CuocPhi"] == 32000
    heavy = http.get(
        "/postal/api/v1/quote", params={**params, "KhoiLuong": 1200}, headers=KEY
    ).json()
    assert heavy["CuocPhi"] == 22000 + 2 * 5000
    assert http.get("/postal/api/v1/quote", params=params).status_code == 401


def test_an_order_is_created_once_per_reference(http):
    first = http.post("/postal/api/v1/orders", json=order_body(), headers=KEY)
    assert first.status_code == 201, first.text
    again = http.post("/postal/api/v1/orders", json=order_body(), headers=KEY)
    assert again.status_code == 200
    assert again.json()["MaVanDon"] == first.json()["MaVanDon"]
    assert first.json()["CuocPhi"] == 22000
    other = http.post("/postal/api/v1/orders", json=order_body("X-BC2"), headers=KEY)
    assert other.json()["MaVanDon"] != first.json()["MaVanDon"]


def test_an_order_breaking_the_schema_is_refused_and_recorded_as_invalid(http):
    body = order_body()
    del body["NguoiNhan"]["MaXa"]
    answer = http.post("/postal/api/v1/orders", json=body, headers=KEY)
    assert answer.status_code == 422
    assert "MaXa" in answer.json()["message"]
    [record] = received(http, endpoint="postal.order")
    assert record["valid"] is False


def test_events_are_signed_pushed_and_tracked(http, webhook):
    url, calls = webhook
    http.post("/_control/postal/settings", json={"webhook_url": url})
    tracking = http.post("/postal/api/v1/orders", json=order_body(), headers=KEY).json()["MaVanDon"]
    answer = http.post(f"/_control/postal/orders/{tracking}/events", json={"status": "picked_up"})
    assert answer.status_code == 200, answer.text
    [sent] = answer.json()["sent"]
    assert sent["status"] == 200
    headers, body = calls[0]
    assert headers[buudien.SIGNATURE_HEADER] == buudien.sign(body, SECRET)
    event = json.loads(body)
    assert event["TrangThai"] == "DA_LAY_HANG" and event["MaVanDon"] == tracking
    assert not buudien.validate("SuKien", event)
    http.post(f"/_control/postal/orders/{tracking}/events", json={"status": "DA_PHAT"})
    track = http.get(f"/postal/api/v1/orders/{tracking}/events", headers=KEY).json()
    assert [e["TrangThai"] for e in track["SuKien"]] == ["DA_LAY_HANG", "DA_PHAT"]


def test_duplicates_reorder_and_unknown_orders_on_request(http, webhook):
    url, calls = webhook
    http.post("/_control/postal/settings", json={"webhook_url": url})
    tracking = http.post("/postal/api/v1/orders", json=order_body(), headers=KEY).json()["MaVanDon"]
    http.post(f"/_control/postal/orders/{tracking}/events", json={"status": "picked_up"})
    http.post(
        f"/_control/postal/orders/{tracking}/events", json={"status": "delivered", "times": 2}
    )
    assert len(calls) == 3
    assert calls[1][1] == calls[2][1]  # the same event twice
    calls.clear()
    http.post(f"/_control/postal/orders/{tracking}/push", json={"reverse": True})
    assert [json.loads(b)["TrangThai"] for _, b in calls] == ["DA_PHAT", "DA_LAY_HANG"]
    unknown = http.post("/_control/postal/unknown", json={"status": "returned"}).json()
    assert unknown["event"]["MaVanDon"] != tracking
    assert unknown["event"]["TrangThai"] == "CHUYEN_HOAN"


def test_without_a_webhook_the_signed_event_is_returned_to_the_caller(http):
    tracking = http.post("/postal/api/v1/orders", json=order_body(), headers=KEY).json()["MaVanDon"]
    [sent] = http.post(
        f"/_control/postal/orders/{tracking}/events", json={"status": "delivered"}
    ).json()["sent"]
    assert sent["status"] is None
    assert sent["signature"] == buudien.sign(sent["body"].encode(), SECRET)
    assert http.post("/_control/postal/orders/EB0/events", json={}).status_code == 404
    bad = http.post(f"/_control/postal/orders/{tracking}/events", json={"status": "lost"})
    assert bad.status_code == 400


def test_down_mode_and_faults(http):
    http.post("/_control/postal/settings", json={"down": True})
    assert http.post("/postal/api/v1/orders", json=order_body(), headers=KEY).status_code == 503
    http.post("/_control/postal/settings", json={"down": False})
    http.post("/_control/faults", json={"endpoint": "postal.order", "error_rate": 1, "times": 1})
    assert http.post("/postal/api/v1/orders", json=order_body(), headers=KEY).status_code == 503
    assert http.post("/postal/api/v1/orders", json=order_body(), headers=KEY).status_code == 201
