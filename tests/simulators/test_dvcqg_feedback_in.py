"""The simulated portal's receivers of what the province sends about feedback, over HTTP:
ratings given in the province (DongBoDanhGiaMC) and answers to the portal's questions
(TraLoiHoiDapMC): validated whole, idempotent, versions merged, clashes refused."""

from tests.simulators.conftest import dossier_record


def rating(code, version=1, rating_id="37-DG-1", **extra):
    return {
        "MaDanhGiaMC": rating_id,
        "PhienBan": version,
        "MaHoSo": code,
        "KenhDanhGia": 1,
        "ChiTietDanhGia": [{"MaTieuChi": "1", "Diem": 2}, {"MaTieuChi": "6", "Diem": version % 3}],
        "NgayDanhGia": "20251203090000",
        **extra,
    }


def send(dvcqg, service, record, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return dvcqg.post(
        f"/dvcqg/api/{service}", json={"service": service, "data": [record]}, headers=headers
    )


def held(http):
    return http.get("/_control/dvcqg/province-ratings").json()["items"]


def synced(dvcqg, code):
    answer = send(dvcqg, "DongBoHoSoMC", dossier_record(code, status=10))
    assert answer.status_code == 200, answer.text


def test_a_bad_rating_is_refused_whole(dvcqg, http):
    synced(dvcqg, "H37-A")
    answer = send(dvcqg, "DongBoDanhGiaMC", rating("H37-A", KenhDanhGia=7, Thua="x"))
    assert answer.status_code == 400
    errors = " ".join(answer.json()["errors"])
    assert "KenhDanhGia" in errors and "Thua" in errors
    assert held(http) == []


def test_a_rating_of_an_unknown_dossier_is_404(dvcqg, http):
    answer = send(dvcqg, "DongBoDanhGiaMC", rating("H37-KHONG-CO"))
    assert answer.status_code == 404 and answer.json()["MaHoSo"] == ["H37-KHONG-CO"]


def test_versions_repeats_and_clashes(dvcqg, http):
    synced(dvcqg, "H37-B")
    assert send(dvcqg, "DongBoDanhGiaMC", rating("H37-B", 2), key="k2").json()["trung_lap"] == 0
    # The same key again: the first answer, nothing applied.
    assert send(dvcqg, "DongBoDanhGiaMC", rating("H37-B", 3), key="k2").json()["trung_lap"] == 0
    assert held(http)[0]["PhienBan"] == 2
    # An older version under a new key: merged.
    assert send(dvcqg, "DongBoDanhGiaMC", rating("H37-B", 1), key="k1").json()["trung_lap"] == 1
    (item,) = held(http)
    assert item["PhienBan"] == 2 and item["received"] == 1
    # Another rating id for the same dossier: refused.
    other = send(dvcqg, "DongBoDanhGiaMC", rating("H37-B", rating_id="37-DG-9"))
    assert other.status_code == 409
    # Never offered back as a portal rating.
    listed = dvcqg.get("/dvcqg/api/LayDanhGia", params={"sau": 0}).json()["data"]
    assert all("MaDanhGiaMC" not in r for r in listed)


def test_answers_to_questions(dvcqg, http):
    question = http.get("/_control/dvcqg/questions").json()["items"][0]["MaCauHoi"]
    answer = {"MaCauHoi": question, "NoiDungTraLoi": "Cần bổ sung bản vẽ.",
              "NgayTraLoi": "20251203100000", "MaDonVi": "000.00.01.H37"}  # fmt: skip
    assert send(dvcqg, "TraLoiHoiDapMC", answer).json()["trung_lap"] == 0
    assert send(dvcqg, "TraLoiHoiDapMC", answer).json()["trung_lap"] == 1
    changed = send(dvcqg, "TraLoiHoiDapMC", {**answer, "NoiDungTraLoi": "Khác."})
    assert changed.status_code == 409
    unknown = send(dvcqg, "TraLoiHoiDapMC", {**answer, "MaCauHoi": "CH-KHONG-CO"})
    assert unknown.status_code == 404
    empty = send(dvcqg, "TraLoiHoiDapMC", {**answer, "NoiDungTraLoi": ""})
    assert empty.status_code == 400
    (stored,) = [
        q
        for q in http.get("/_control/dvcqg/questions").json()["items"]
        if q["MaCauHoi"] == question
    ]
    assert stored["TraLoi"]["NoiDungTraLoi"] == "Cần bổ sung bản vẽ."
