"""Motcua's neutral status snapshot (motcua.dossiers.sync) as the portal's wire records.

The only place that knows both sides: a province whose portal version names or codes a field
differently changes it here (and the schema in motcua.dvcqg.schemas).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from motcua.dvcqg import schemas

CHANNEL = {"desk": 1, "online": 2, "post": 3}  # KenhThucHien
RETURN = {"desk": 1, "online": 2, "post": 3}  # HinhThuc
FEE_KIND = {"fee": 1, "charge": 2}  # LoaiPhiLePhi
# Fields a step carries or that only describe the step: a change only there needs no full record.
STEP_FIELDS = ("TrangThaiHoSo", "NgayHenTra", "NgayKetThucXuLy", "DonViXuLy", "GhiChu")


def when(value: str | None) -> str:
    """An ISO time of the snapshot as yyyyMMddHHmmss in Vietnam time ("" when none)."""
    return schemas.format_datetime(dt.datetime.fromisoformat(value)) if value else ""


def ho_so(snapshot: dict[str, Any]) -> dict[str, Any]:
    """HoSoMC: the dossier's full record (DongBoHoSoMC)."""
    d = snapshot["dossier"]
    record = {
        "MaHoSo": d["code"],
        "MaTTHC": d["procedure_code"],
        "TenTTHC": d["procedure_name"],
        "MaDonVi": d["agency_identifier"],
        "TenDonVi": d["agency_name"],
        "SoBienNhan": d["code"],
        "ChuHoSo": d["applicant_name"],
        "LoaiDoiTuong": 1,
        "MaDoiTuong": d["applicant_id_number"],
        "SoDienThoai": d["applicant_phone"],
        "Email": d["applicant_email"],
        "DiaChi": d["applicant_address"],
        "TrichYeuHoSo": d["subject"],
        "NgayNopHoSo": when(d["submitted_at"]),
        "NgayTiepNhan": when(d["received_at"]),
        "NgayHenTra": when(d["due_at"]),
        "TrangThaiHoSo": d["national_status"],
        "NgayKetThucXuLy": when(d["finished_at"]),
        "NgayTra": when(d["returned_at"]),
        "HinhThuc": RETURN.get(d["return_method"] or d["return_channel"], 1),
        "KenhThucHien": CHANNEL[d["channel"]],
        "DuocThanhToanTrucTuyen": int(bool(d["online_payment"])),
        "HoSoCoThanhPhanSoHoa": int(bool(d["digitised"])),
        "DanhSachLePhi": [
            {"TenPhiLePhi": f["name"], "Gia": f["amount"], "LoaiPhiLePhi": FEE_KIND[f["kind"]]}
            for f in d["fees"]
        ],
    }
    step = snapshot["step"]
    if step["unit_name"]:
        record["DonViXuLy"] = step["unit_name"]
    note = f"{step['label']}: {step['note']}" if step["note"] else step["label"]
    record["GhiChu"] = note[:2000]
    if d["field_code"]:
        record.update(MaLinhVuc=d["field_code"], TenLinhVuc=d["field_name"])
    if d["national_code"]:
        record["MaHoSoQuocGia"] = d["national_code"]
    if d["result_code"]:
        record["DanhSachGiayToKetQua"] = [{"TenGiayTo": d["result_code"]}]
    return record


def tien_do(snapshot: dict[str, Any]) -> dict[str, Any]:
    """TienDoHoSoMC: the step this message reports (CapNhatTienDoHoSoMC)."""
    d, step = snapshot["dossier"], snapshot["step"]
    record = {
        "MaHoSo": d["code"],
        "TrangThaiHoSo": step["national_status"],
        "ThoiDiemXuLy": when(step["at"]),
        "NguoiXuLy": step["actor_name"][:255],
        "PhongBanXuLy": step["unit_name"][:255],
        "NoiDungXuLy": (f"{step['label']}: {step['note']}" if step["note"] else step["label"])[
            :2000
        ],
        "NgayHenTra": when(d["due_at"]),
        "NgayKetThucXuLy": when(d["finished_at"]),
    }
    if d["received_at"]:
        record["NgayBatDau"] = when(d["received_at"])
    return record


def record_changed(record: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    """Whether the full record differs from the one last sent in more than a step carries."""
    if previous is None:
        return True
    keep = [k for k in set(record) | set(previous) if k not in STEP_FIELDS]
    return any(record.get(k) != previous.get(k) for k in keep)
