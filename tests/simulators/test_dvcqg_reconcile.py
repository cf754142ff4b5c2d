"""The simulated portal's reconciliation services (LayTomTatDoiSoat, LayDanhSachDoiSoat) and
its citizen pages (/dvcqg/cong)."""

from __future__ import annotations

from motcua.dvcqg import schemas
from tests.simulators.conftest import dossier_record


def sync(dvcqg, code, filed, status=2, **extra):
    body = {"service": "DongBoHoSoMC", "data": [dossier_record(code, status, NgayNopHoSo=filed,
                                                                **extra)]}  # fmt: skip
    answer = dvcqg.post("/dvcqg/api/DongBoHoSoMC", json=body)
    assert answer.status_code == 200, answer.text


def test_digests_per_day_follow_the_schema_definition(dvcqg):
    sync(dvcqg, "B-2", "20251201090000")
    sync(dvcqg, "A-1", "20251201233000", status=4)
    sync(dvcqg, "C-3", "20251202080000")
    sync(dvcqg, "D-4", "20251205080000")
    answer = dvcqg.get(
        "/dvcqg/api/LayTomTatDoiSoat", params={"tu_ngay": "20251201", "den_ngay": "20251202"}
    ).json()
    assert answer["error_code"] == "0"
    days = {d["Ngay"]: d for d in answer["data"]}
    assert sorted(days) == ["20251201", "20251202"]
    assert all(not schemas.validate("TomTatDoiSoat", d) for d in answer["data"])
    lines = [
        "A-1|4|20251201083000|20251202083000||",
        "B-2|2|20251201083000|20251202083000||",
    ]
    assert days["20251201"] == {
        "Ngay": "20251201",
        "SoLuong": 2,
        "MaBam": schemas.doi_soat_digest(lines),
    }
    # a dossier re-synced with another filing date moves to that day
    sync(dvcqg, "B-2", "20251202100000")
    answer = dvcqg.get(
        "/dvcqg/api/LayTomTatDoiSoat", params={"tu_ngay": "20251201", "den_ngay": "20251202"}
    ).json()
    assert [d["SoLuong"] for d in answer["data"]] == [1, 2]


def test_day_list_is_paged_in_code_order(dvcqg):
    for code in ("C", "A", "B"):
        sync(dvcqg, code, "20251201090000")
    seen, after = [], ""
    for _ in range(5):
        answer = dvcqg.get(
            "/dvcqg/api/LayDanhSachDoiSoat",
            params={"ngay": "20251201", "sau": after, "so_luong": 2},
        ).json()
        seen += [r["MaHoSo"] for r in answer["data"]]
        assert all(not schemas.validate("HoSoDoiSoat", r) for r in answer["data"])
        after = answer["sau"]
        if not answer["con_nua"]:
            break
    assert seen == ["A", "B", "C"]


def test_bad_days_are_refused_in_vietnamese(dvcqg):
    answer = dvcqg.get("/dvcqg/api/LayTomTatDoiSoat", params={"tu_ngay": "2025-12-01"})
    assert answer.status_code == 400 and "yyyyMMdd" in answer.json()["message"]
    answer = dvcqg.get("/dvcqg/api/LayDanhSachDoiSoat", params={"ngay": "20251345"})
    assert answer.status_code == 400


def test_reconciliation_services_need_a_token(http):
    answer = http.get(
        "/dvcqg/api/LayTomTatDoiSoat", params={"tu_ngay": "20251201", "den_ngay": "20251201"}
    )
    assert answer.status_code == 401


def test_citizen_pages_need_a_vneid_login(http):
    page = http.get("/dvcqg/cong")
    assert page.status_code == 200 and "Đăng nhập bằng VNeID" in page.text
    filed = http.post("/dvcqg/cong/nop-ho-so", data={"MaTTHC": "1.001193"})
    assert filed.status_code == 302 and filed.headers["location"].endswith("/dvcqg/cong")
    assert http.get("/dvcqg/cong/ho-so/G22-000001").status_code == 404
    login = http.get("/dvcqg/cong/dang-nhap")
    assert login.status_code == 302 and "/vneid/authorize?" in login.headers["location"]
    assert "code_challenge_method=S256" in login.headers["location"]
    done = http.get("/dvcqg/cong/dang-nhap/xong", params={"code": "x", "state": "unknown"})
    assert done.status_code == 400 and "không hợp lệ" in done.text
