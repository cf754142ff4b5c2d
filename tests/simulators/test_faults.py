"""Misbehaviour on request, over real HTTP: latency, 5xx (all, a share, after doing the
work), timeouts, dropped connections, duplicated, reordered and malformed feed records,
rules limited to N requests, and reset."""

import time

import httpx
import pytest

from motcua.dvcqg import schemas
from tests.simulators.conftest import dossier_record, received

FEED = "/dvcqg/api/LayDanhSachHoSo"


def set_fault(http, **rule):
    answer = http.post("/_control/faults", json=rule)
    assert answer.status_code == 200, answer.text
    return answer.json()


def fill_feed(http, count):
    for _ in range(count):
        assert http.post("/_control/dvcqg/dossiers", json={}).status_code == 201


def test_latency_is_added_to_the_chosen_endpoint_only(dvcqg):
    set_fault(dvcqg, endpoint="dvcqg.LayHoiDap", latency_ms=300)
    started = time.perf_counter()
    assert dvcqg.get("/dvcqg/api/LayHoiDap").status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    dvcqg.get("/dvcqg/api/LayDanhGia")
    assert time.perf_counter() - started < 0.2
    assert received(dvcqg, endpoint="LayHoiDap")[0]["fault"] == "latency"


def test_errors_for_the_next_n_requests_then_normal_service(dvcqg):
    set_fault(dvcqg, endpoint="dvcqg", error_rate=1, error_status=502, times=2)
    assert [dvcqg.get(FEED).status_code for _ in range(3)] == [502, 502, 200]
    assert dvcqg.get("/_control/faults").json() == {}  # the rule used itself up
    assert [e["fault"] for e in received(dvcqg, endpoint="LayDanhSachHoSo")] == [
        "error",
        "error",
        None,
    ]


def test_a_share_of_answers_fail(dvcqg):
    set_fault(dvcqg, endpoint="dvcqg.LayDanhGia", error_rate=0.5)
    codes = [dvcqg.get("/dvcqg/api/LayDanhGia").status_code for _ in range(60)]
    assert set(codes) == {200, 503}
    assert 15 <= codes.count(503) <= 45


def test_a_failed_sync_is_not_applied_but_a_lost_reply_is(dvcqg):
    body = {"service": "DongBoHoSoMC", "data": [dossier_record("HS-F", 2)]}
    set_fault(dvcqg, endpoint="dvcqg.DongBoHoSoMC", error_rate=1, times=1)
    assert dvcqg.post("/dvcqg/api/DongBoHoSoMC", json=body).status_code == 503
    assert dvcqg.get("/_control/dvcqg/synced/HS-F").status_code == 404
    set_fault(dvcqg, endpoint="dvcqg.DongBoHoSoMC", error_after_rate=1, times=1)
    assert dvcqg.post("/dvcqg/api/DongBoHoSoMC", json=body).status_code == 503
    assert dvcqg.get("/_control/dvcqg/synced/HS-F").json()["statuses"] == [2]
    entries = received(dvcqg, dossier="HS-F")
    assert [(e["fault"], e["status"]) for e in entries] == [("error", 503), ("error_after", 503)]


def test_timeout_holds_the_connection_until_reset(simulator, dvcqg):
    set_fault(dvcqg, endpoint="dvcqg.TraCuuHoSo", timeout_rate=1, hold_seconds=30)
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        dvcqg.get("/dvcqg/api/TraCuuHoSo", params={"MaHoSo": "x"}, timeout=0.3)
    assert time.perf_counter() - started < 2
    (entry,) = received(dvcqg, endpoint="TraCuuHoSo")
    assert entry["fault"] == "timeout" and entry["status"] is None
    released = time.perf_counter()
    dvcqg.delete("/_control/faults")  # lets the held thread go at once
    assert dvcqg.get("/dvcqg/api/TraCuuHoSo", params={"MaHoSo": "x"}).status_code == 404
    assert time.perf_counter() - released < 1


def test_dropped_connections_get_no_answer(dvcqg):
    set_fault(dvcqg, endpoint="dvcqg.LayDanhGia", drop_rate=1, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        dvcqg.get("/dvcqg/api/LayDanhGia")
    assert dvcqg.get("/dvcqg/api/LayDanhGia").status_code == 200


def test_duplicates_repeat_records_and_redeliver_the_previous_page(dvcqg):
    fill_feed(dvcqg, 5)
    first = dvcqg.get(FEED, params={"so_luong": 4}).json()
    set_fault(dvcqg, endpoint="dvcqg.LayDanhSachHoSo", duplicate_rate=1)
    page = dvcqg.get(FEED, params={"sau": first["sau"]}).json()
    codes = [d["MaHoSo"] for d in page["data"]]
    assert len(codes) == 2 * 4 + 1  # 4 new ones twice, and the last of the first page
    assert codes[0] == first["data"][-1]["MaHoSo"]
    assert all(codes.count(c) == 2 for c in set(codes[1:]))
    assert page["sau"] == max(d["SoThuTu"] for d in page["data"])


def test_reorder_shuffles_a_page_but_keeps_every_record(dvcqg):
    fill_feed(dvcqg, 12)
    plain = [d["MaHoSo"] for d in dvcqg.get(FEED).json()["data"]]
    set_fault(dvcqg, endpoint="dvcqg.LayDanhSachHoSo", reorder=True)
    shuffled = [d["MaHoSo"] for d in dvcqg.get(FEED).json()["data"]]
    assert shuffled != plain
    assert sorted(shuffled) == sorted(plain)


def test_malformed_records_break_the_schema(dvcqg):
    fill_feed(dvcqg, 5)
    set_fault(dvcqg, endpoint="dvcqg", malformed_rate=1)
    page = dvcqg.get(FEED).json()["data"]
    assert len(page) == 8
    assert all(schemas.validate("HoSoDVCQG", d) for d in page)
    catalogue = dvcqg.get("/dvcqg/api/LayDanhSachTTHC").json()["data"]
    assert all(schemas.validate("ThuTuc", p) for p in catalogue)
    dvcqg.delete("/_control/faults")
    assert all(schemas.validate("HoSoDVCQG", d) == [] for d in dvcqg.get(FEED).json()["data"])


def test_the_most_specific_rule_applies_and_can_be_removed(dvcqg):
    set_fault(dvcqg, endpoint="*", error_rate=1)
    set_fault(dvcqg, endpoint="dvcqg.LayDanhGia", latency_ms=1)
    assert dvcqg.get("/dvcqg/api/LayDanhGia").status_code == 200
    assert dvcqg.get("/vneid/jwks").status_code == 503
    assert dvcqg.get("/_control/faults").status_code == 200  # control is never faulted
    assert dvcqg.delete("/_control/faults/*").status_code == 200
    assert dvcqg.get("/vneid/jwks").status_code == 200
    assert dvcqg.delete("/_control/faults/*").status_code == 404


@pytest.mark.parametrize(
    "rule",
    [
        {"endpoint": "dvcqg.nope"},
        {"error_rate": 2},
        {"error_status": 404},
        {"latency": 5},
        {"times": 0},
    ],
)
def test_bad_rules_are_refused(http, rule):
    assert http.post("/_control/faults", json=rule).status_code == 400
    assert http.get("/_control/faults").json() == {}


def test_received_is_filtered_and_cleared(dvcqg):
    dvcqg.get("/dvcqg/api/LayHoSo", params={"MaHoSo": "A"})
    dvcqg.get("/dvcqg/api/LayHoSo", params={"MaHoSo": "B"})
    dvcqg.get("/vneid/jwks")
    everything = received(dvcqg)
    assert [e["endpoint"] for e in everything] == [
        "dvcqg.token",
        "dvcqg.LayHoSo",
        "dvcqg.LayHoSo",
        "vneid.jwks",
    ]
    assert [e["dossiers"] for e in received(dvcqg, dossier="B")] == [["B"]]
    assert len(received(dvcqg, system="vneid")) == 1
    assert len(received(dvcqg, since=everything[1]["id"])) == 2
    assert dvcqg.delete("/_control/received").json() == {"cleared": 4}
    assert received(dvcqg) == []


def test_reset_clears_faults_and_records(dvcqg):
    set_fault(dvcqg, error_rate=1)
    dvcqg.get(FEED)
    dvcqg.post("/_control/reset")
    assert dvcqg.get("/_control/faults").json() == {}
    assert received(dvcqg) == []
    assert dvcqg.get("/health").json() == {"status": "ok"}
