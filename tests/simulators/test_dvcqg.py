"""The simulated national portal over real HTTP: authentication, the dossier feed and its
attachments, the sync receivers (validation, idempotency, order), lookup, catalogue,
ratings and questions."""

import hashlib

import pytest

from motcua.dvcqg import schemas
from tests.simulators.conftest import DVCQG_CLIENT, dossier_record, received


@pytest.mark.parametrize(
    "auth",
    [("motcua", "wrong"), ("someone", DVCQG_CLIENT[1]), None],
    ids=["bad-secret", "bad-id", "none"],
)
def test_bad_client_credentials_get_401(http, auth):
    answer = http.post("/dvcqg/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_client"}


def test_credentials_in_the_form_work_and_are_not_recorded(http):
    client_id, secret = DVCQG_CLIENT
    answer = http.post(
        "/dvcqg/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    (entry,) = received(http, endpoint="token")
    assert entry["body"]["client_secret"] == "***"
    assert secret not in str(entry)


@pytest.mark.parametrize("token", [None, "made-up"])
def test_services_refuse_a_missing_or_unknown_token(http, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = http.get("/dvcqg/api/LayDanhSachHoSo", headers=headers)
    assert answer.status_code == 401
    assert "Bearer" in answer.headers["WWW-Authenticate"]


def test_expired_token_is_refused(simulator, http):
    http.post("/_control/dvcqg/settings", json={"token_ttl": 0})
    token = http.post("/dvcqg/oauth/token", auth=DVCQG_CLIENT).json()["access_token"]
    answer = http.get("/dvcqg/api/LayHoiDap", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_feed_lists_seeded_dossiers_by_cursor_and_serves_their_attachments(dvcqg):
    first = dvcqg.get("/dvcqg/api/LayDanhSachHoSo", params={"so_luong": 2}).json()
    assert first["error_code"] == "0" and first["con_nua"] is True
    assert len(first["data"]) == 2
    rest = dvcqg.get("/dvcqg/api/LayDanhSachHoSo", params={"sau": first["sau"]}).json()
    assert rest["con_nua"] is False
    dossiers = first["data"] + rest["data"]
    assert [d["SoThuTu"] for d in dossiers] == sorted(d["SoThuTu"] for d in dossiers)
    assert len({d["MaHoSo"] for d in dossiers}) == 3
    for dossier in dossiers:
        assert schemas.validate("HoSoDVCQG", dossier) == []
        assert dossier["TaiLieuNop"]
        for item in dossier["TaiLieuNop"]:
            blob = dvcqg.get(item["DuongDanTaiTepTin"])
            assert blob.status_code == 200
            assert blob.headers["content-type"] == item["LoaiTep"]
            assert len(blob.content) == item["KichThuoc"]
            assert hashlib.sha256(blob.content).hexdigest() == item["MaBam"]
    one = dvcqg.get("/dvcqg/api/LayHoSo", params={"MaHoSo": dossiers[0]["MaHoSo"]}).json()
    assert one["data"] == dossiers[0]


def test_unknown_dossier_and_attachment_are_404(dvcqg):
    assert dvcqg.get("/dvcqg/api/LayHoSo", params={"MaHoSo": "nope"}).status_code == 404
    answer = dvcqg.get("/dvcqg/api/LayTepDinhKem", params={"MaHoSo": "x", "TepDinhKemId": "T1"})
    assert answer.status_code == 404


def test_a_dossier_filed_through_control_appears_with_its_bytes(dvcqg):
    created = dvcqg.post(
        "/_control/dvcqg/dossiers",
        json={
            "MaTTHC": "1.000894",
            "MaDonVi": "002.10.00.H37",
            "TaiLieuNop": [
                {"TenTepDinhKem": "tờ khai.txt", "NoiDung": "xin chào", "LoaiTep": "text/plain"}
            ],
        },
    )
    assert created.status_code == 201, created.text
    code = created.json()["MaHoSo"]
    page = dvcqg.get("/dvcqg/api/LayDanhSachHoSo", params={"MaDonVi": "002.10.00.H37"}).json()
    assert [d["MaHoSo"] for d in page["data"]] == [code]
    item = page["data"][0]["TaiLieuNop"][0]
    blob = dvcqg.get(item["DuongDanTaiTepTin"])
    assert blob.content == "xin chào".encode()
    assert "t%E1%BB%9D%20khai.txt" in blob.headers["content-disposition"]


def test_control_refuses_an_invalid_dossier_unless_raw(dvcqg):
    bad = {"ChuHoSo": {"HoTen": "A", "SoDinhDanh": "12ab"}}
    assert dvcqg.post("/_control/dvcqg/dossiers", json=bad).status_code == 400
    planted = dvcqg.post("/_control/dvcqg/dossiers", json={**bad, "raw": True})
    assert planted.status_code == 201
    page = dvcqg.get("/dvcqg/api/LayDanhSachHoSo").json()["data"]
    assert schemas.validate("HoSoDVCQG", page[-1])  # the planted record is served as is


def test_acknowledged_dossiers_leave_the_feed(dvcqg):
    codes = [d["MaHoSo"] for d in dvcqg.get("/dvcqg/api/LayDanhSachHoSo").json()["data"]]
    answer = dvcqg.post("/dvcqg/api/XacNhanHoSo", json={"MaHoSo": codes[0], "MaHoSoTinh": "L-1"})
    assert answer.json()["error_code"] == "0"
    left = [d["MaHoSo"] for d in dvcqg.get("/dvcqg/api/LayDanhSachHoSo").json()["data"]]
    assert left == codes[1:]
    every = dvcqg.get("/dvcqg/api/LayDanhSachHoSo", params={"tat_ca": "1"}).json()["data"]
    assert [d["MaHoSo"] for d in every] == codes


def test_sync_receivers_validate_record_and_keep_the_order(dvcqg):
    code = "000.00.01.H37-251201-0001"
    first = {"service": "DongBoHoSoMC", "isUpdating": "False", "data": [dossier_record(code, 1)]}
    sent = [("DongBoHoSoMC", first)] + [
        (
            "CapNhatTienDoHoSoMC",
            {
                "service": "CapNhatTienDoHoSoMC",
                "data": [
                    {
                        "MaHoSo": code,
                        "TrangThaiHoSo": status,
                        "ThoiDiemXuLy": f"2025120109{i:02d}00",
                        "NguoiXuLy": "Cán bộ một cửa",
                    }
                ],
            },
        )
        for i, status in enumerate([2, 4, 4, 9, 10])
    ]
    for service, body in sent:
        answer = dvcqg.post(f"/dvcqg/api/{service}", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["error_code"] == "0"
    state = dvcqg.get(f"/_control/dvcqg/synced/{code}").json()
    assert state["statuses"] == [1, 2, 4, 9, 10]
    assert state["steps"] == 6
    entries = received(dvcqg, dossier=code)
    assert [e["endpoint"] for e in entries] == ["dvcqg.DongBoHoSoMC"] + 5 * [
        "dvcqg.CapNhatTienDoHoSoMC"
    ]
    assert all(e["valid"] is True and e["errors"] == [] for e in entries)
    assert entries[0]["headers"]["authorization"] == "Bearer ***"
    looked_up = dvcqg.get("/dvcqg/api/TraCuuHoSo", params={"MaHoSo": code}).json()["data"]
    assert looked_up["TrangThaiHoSo"] == 10
    assert [h["TrangThaiHoSo"] for h in looked_up["LichSuXuLy"]] == [1, 2, 4, 4, 9, 10]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"TrangThaiHoSo": 11}, "data[0].TrangThaiHoSo"),
        ({"NgayHenTra": "2025-12-02"}, "data[0].NgayHenTra"),
        ({"NgayHenTra": "20251345000000"}, "data[0].NgayHenTra"),
        ({"KenhThucHien": "2"}, "data[0].KenhThucHien"),
        ({"DuocThanhToanTrucTuyen": True}, "data[0].DuocThanhToanTrucTuyen"),
        ({"MaDoiTuong": "０01090000001"}, "data[0].MaDoiTuong"),  # full-width digit
        ({"TrangThaiHosO": 2}, "data[0]"),  # misspelt field
    ],
)
def test_an_invalid_record_is_refused_and_recorded_with_its_errors(dvcqg, change, expected):
    record = dossier_record("HS-1") | change
    answer = dvcqg.post(
        "/dvcqg/api/DongBoHoSoMC", json={"service": "DongBoHoSoMC", "data": [record]}
    )
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "-1"
    (entry,) = received(dvcqg, endpoint="DongBoHoSoMC", valid="false")
    assert entry["dossiers"] == ["HS-1"]
    assert any(e.startswith(expected) for e in entry["errors"]), entry["errors"]
    assert dvcqg.get("/_control/dvcqg/synced/HS-1").status_code == 404  # nothing applied


def test_not_json_is_refused_and_recorded(dvcqg):
    answer = dvcqg.post(
        "/dvcqg/api/DongBoHoSoMC", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    (entry,) = received(dvcqg, endpoint="DongBoHoSoMC")
    assert entry["valid"] is False and entry["body"] == "{oops"


def test_progress_for_a_dossier_never_synced_is_refused(dvcqg):
    body = {
        "service": "CapNhatTienDoHoSoMC",
        "data": [{"MaHoSo": "HS-9", "TrangThaiHoSo": 2, "ThoiDiemXuLy": "20251201090000"}],
    }
    answer = dvcqg.post("/dvcqg/api/CapNhatTienDoHoSoMC", json=body)
    assert answer.status_code == 404
    assert answer.json()["MaHoSo"] == ["HS-9"]


def test_a_repeated_idempotency_key_changes_nothing(dvcqg):
    body = {"service": "DongBoHoSoMC", "data": [dossier_record("HS-2", 1)]}
    headers = {"Idempotency-Key": "dvcqg:HS-2:1"}
    first = dvcqg.post("/dvcqg/api/DongBoHoSoMC", json=body, headers=headers)
    again = dvcqg.post("/dvcqg/api/DongBoHoSoMC", json=body, headers=headers)
    assert first.json() == again.json()
    assert dvcqg.get("/_control/dvcqg/synced/HS-2").json()["steps"] == 1
    entries = received(dvcqg, dossier="HS-2")
    assert [e.get("replay", False) for e in entries] == [False, True]


def test_steps_out_of_order_or_after_the_end_are_flagged(dvcqg):
    dvcqg.post(
        "/dvcqg/api/DongBoHoSoMC",
        json={"service": "DongBoHoSoMC", "data": [dossier_record("HS-3", 2)]},
    )

    def step(status, moment):
        body = {
            "service": "CapNhatTienDoHoSoMC",
            "data": [{"MaHoSo": "HS-3", "TrangThaiHoSo": status, "ThoiDiemXuLy": moment}],
        }
        return dvcqg.post("/dvcqg/api/CapNhatTienDoHoSoMC", json=body)

    step(10, "20251201100000")
    step(9, "20251201090000")
    entries = received(dvcqg, endpoint="CapNhatTienDoHoSoMC")
    assert "warnings" not in entries[0]
    assert len(entries[1]["warnings"]) == 2  # after a final status, and earlier in time
    assert dvcqg.get("/_control/dvcqg/synced/HS-3").json()["statuses"] == [2, 10, 9]


def test_catalogue_has_versions_with_effective_dates(dvcqg):
    rows = dvcqg.get("/dvcqg/api/LayDanhSachTTHC", params={"MaTTHC": "1.001193"}).json()["data"]
    assert [(r["PhienBan"], r["NgayHieuLuc"], r["NgayHetHieuLuc"]) for r in rows] == [
        (1, "20210701", "20250701"),
        (2, "20250701", None),
    ]
    assert all(schemas.validate("ThuTuc", r) == [] for r in rows)
    in_2024 = dvcqg.get("/dvcqg/api/LayDanhSachTTHC", params={"hieu_luc": "20240101"}).json()
    assert {r["PhienBan"] for r in in_2024["data"]} == {1}
    added = dvcqg.post(
        "/_control/dvcqg/procedures",
        json={"MaTTHC": "1.001193", "NgayHieuLuc": "20260101", "ThoiHanGiaiQuyet": 1},
    ).json()
    assert added["PhienBan"] == 3 and added["TenTTHC"] == "Đăng ký khai sinh"
    latest = dvcqg.get("/dvcqg/api/LayThuTuc", params={"MaTTHC": "1.001193"}).json()["data"]
    assert latest["PhienBan"] == 3
    old = dvcqg.get("/dvcqg/api/LayThuTuc", params={"MaTTHC": "1.001193", "PhienBan": "2"})
    assert old.json()["data"]["NgayHetHieuLuc"] == "20260101"


def test_ratings_and_questions_come_by_cursor(dvcqg):
    ratings = dvcqg.get("/dvcqg/api/LayDanhGia").json()
    assert len(ratings["data"]) == 1
    assert schemas.validate("DanhGia", ratings["data"][0]) == []
    dvcqg.post(
        "/_control/dvcqg/ratings", json={"MaHoSo": "HS-1", "DiemDanhGia": 2, "NoiDung": "Chậm"}
    )
    newer = dvcqg.get("/dvcqg/api/LayDanhGia", params={"sau": ratings["sau"]}).json()["data"]
    assert [(r["MaHoSo"], r["DiemDanhGia"]) for r in newer] == [("HS-1", 2)]
    questions = dvcqg.get("/dvcqg/api/LayHoiDap").json()["data"]
    assert len(questions) == 1 and schemas.validate("HoiDap", questions[0]) == []


def test_reset_reseeds_and_forgets(dvcqg):
    dvcqg.post(
        "/dvcqg/api/DongBoHoSoMC",
        json={"service": "DongBoHoSoMC", "data": [dossier_record("HS-4")]},
    )
    dvcqg.post("/_control/dvcqg/dossiers", json={})
    dvcqg.post("/_control/faults", json={"latency_ms": 1})
    assert dvcqg.post("/_control/reset").json() == {"reset": True}
    overview = dvcqg.get("/_control").json()
    assert overview["faults"] == {} and overview["received"] == 0
    assert overview["systems"]["dvcqg"]["state"]["synced"] == 0
    assert overview["systems"]["dvcqg"]["state"]["feed"] == 3
