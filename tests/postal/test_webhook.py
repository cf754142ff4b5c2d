"""The operator's webhook: authenticated by its HMAC signature over the raw body, bad
input answered with problem documents in Vietnamese, nothing lost, never a 500."""

from __future__ import annotations

import json

import pytest

from motcua.postal import buudien
from motcua.postal.models import PostalEvent
from tests.postal.conftest import SECRET

URL = "/api/v1/postal/events/"


def _event(**extra):
    return {
        "MaSuKien": "evt-1",
        "MaVanDon": "EB000000001VN",
        "TrangThai": "DA_PHAT",
        "ThoiGian": "2026-12-01T10:00:00+07:00",
        **extra,
    }


def _post(client, body: bytes, secret=SECRET, signature=None):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={buudien.SIGNATURE_HEADER: signature or buudien.sign(body, secret)},
    )


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert code is None or body["code"] == code
    assert body["status"] == status
    return body


@pytest.fixture
def secret(settings, db):
    settings.MOTCUA_POSTAL_OPERATOR = "buudien"
    settings.MOTCUA_POSTAL_WEBHOOK_SECRET = SECRET


def test_off_without_a_secret(client, settings, db):
    settings.MOTCUA_POSTAL_WEBHOOK_SECRET = ""
    _problem(_post(client, json.dumps(_event()).encode()), 404, "webhook_disabled")


def test_a_forged_or_unsigned_call_is_refused_and_nothing_recorded(client, secret):
    body = json.dumps(_event()).encode()
    problem = _problem(_post(client, body, secret="not-the-secret"), 401, "bad_signature")
    assert problem["detail"] == "Chữ ký của yêu cầu không hợp lệ."
    _problem(client.post(URL, data=body, content_type="application/json"), 401, "bad_signature")
    _problem(_post(client, body, signature="sha256=\udcff"), 401, "bad_signature")
    assert not PostalEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "không phải JSON"),
        (json.dumps(_event(TrangThai="MAT_HANG")).encode(), "không đúng định dạng"),
        (json.dumps({"MaVanDon": "EB1"}).encode(), "không đúng định dạng"),
        (json.dumps(_event(ThoiGian="01/12/2026 10:00")).encode(), "Thời gian"),
        (json.dumps(_event(ThoiGian="2026-12-01T10:00:00")).encode(), "Thời gian"),
        (json.dumps({"SuKien": []}).encode(), "Không có sự kiện"),
        (json.dumps([1, 2]).encode(), "không đúng định dạng"),
    ],
)
def test_bad_input_is_a_problem_document_in_vietnamese(client, secret, body, words):
    problem = _problem(_post(client, body), 400, "invalid_event")
    assert words in problem["detail"]
    assert not PostalEvent.objects.exists()


def test_unknown_order_is_recorded_and_answered_422_every_time(client, secret):
    body = json.dumps(_event()).encode()
    problem = _problem(_post(client, body), 422, "unknown_order")
    assert problem["su_kien"] == [
        {"ma_su_kien": "evt-1", "ma_van_don": "EB000000001VN", "ket_qua": "unmatched"}
    ]
    _problem(_post(client, body), 422, "unknown_order")
    event = PostalEvent.objects.get()
    assert (event.outcome, event.times_received) == ("unmatched", 2)
    assert event.raw["MaSuKien"] == "evt-1"


def test_a_batch_of_events_is_taken_whole(client, secret):
    body = json.dumps(
        {"SuKien": [_event(), _event(MaSuKien="evt-2", TrangThai="DA_LAY_HANG")]}
    ).encode()
    _problem(_post(client, body), 422, "unknown_order")
    assert PostalEvent.objects.count() == 2


def test_only_post(client, secret):
    response = client.get(URL)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
