"""Wire formats of the National Public Service Portal (DVCQG), as JSON Schema.

Names follow the public integration documents of the portal (services `DongBoHoSoMC`,
`CapNhatTienDoHoSoMC`, `TraCuuHoSo`, `LayDanhSachTTHC`; fields `MaHoSo`, `TrangThaiHoSo`,
`NgayHenTra`, ...). The portal publishes its formats by version and each province is handed
its own copy: edit the schemas here (or `register` a replacement at start-up) and both Motcua
and the simulator follow, because both validate through `validate` below.

Conventions of the portal kept here:
- date-times are strings `yyyyMMddHHmmss` in Vietnam time (Asia/Ho_Chi_Minh), dates `yyyyMMdd`;
- a request to a service is an envelope `{"service": ..., "data": [records]}`, the answer
  `{"error_code": "0", "message": ...}` (any other code is a failure);
- what Motcua sends is strict (unknown fields refused, so a misspelt field is caught in tests);
  what the portal sends is tolerant (new fields of a later version are ignored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jsonschema import Draft202012Validator, FormatChecker

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATETIME_FORMAT = "%Y%m%d%H%M%S"
DATE_FORMAT = "%Y%m%d"

# TrangThaiHoSo: the ten national statuses (docs/lifecycle.md maps Motcua's onto them).
TRANG_THAI_HO_SO: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
# KenhThucHien: how the dossier was filed.
KENH_THUC_HIEN: dict[int, str] = {
    1: "Trực tiếp",
    2: "Trực tuyến",
    3: "Qua dịch vụ bưu chính công ích",
}
# HinhThucNhanKetQua / HinhThuc: how the result is returned.
HINH_THUC_TRA: dict[int, str] = {
    1: "Trả trực tiếp",
    2: "Trả trực tuyến",
    3: "Trả qua dịch vụ bưu chính công ích",
}
# LoaiDoiTuong: who files.
LOAI_DOI_TUONG: dict[int, str] = {1: "Công dân", 2: "Doanh nghiệp", 3: "Tổ chức"}

SUCCESS = "0"


def format_datetime(value: dt.datetime) -> str:
    """A datetime as the portal writes it: yyyyMMddHHmmss in Vietnam time."""
    if value.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return value.astimezone(VIETNAM).strftime(DATETIME_FORMAT)


def parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, DATETIME_FORMAT).replace(tzinfo=VIETNAM)


def format_date(value: dt.date) -> str:
    return value.strftime(DATE_FORMAT)


def parse_date(value: str) -> dt.date:
    return dt.datetime.strptime(value, DATE_FORMAT).date()


_formats = FormatChecker()


@_formats.checks("dvcqg-datetime", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type keyword reports it
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        raise ValueError("not yyyyMMddHHmmss")
    parse_datetime(value)
    return True


@_formats.checks("dvcqg-date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise ValueError("not yyyyMMdd")
    parse_date(value)
    return True


# Building blocks ---------------------------------------------------------------------------

_TEXT = {"type": "string", "maxLength": 2000}
_CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^\S(.*\S)?$"}
_DATETIME = {"type": "string", "format": "dvcqg-datetime"}
_DATETIME_OR_EMPTY = {
    "anyOf": [{"type": "string", "format": "dvcqg-datetime"}, {"const": ""}, {"type": "null"}]
}
_DATE = {"type": "string", "format": "dvcqg-date"}
_FLAG = {"type": "integer", "enum": [0, 1]}  # the portal's yes/no: 1 = có, 0 = không
_STATUS = {"type": "integer", "minimum": 1, "maximum": 10}
_CHANNEL = {"type": "integer", "enum": sorted(KENH_THUC_HIEN)}
_RETURN = {"type": "integer", "enum": sorted(HINH_THUC_TRA)}
_ID_NUMBER = {"type": "string", "pattern": r"^[0-9]{9}$|^[0-9]{12}$"}  # CMND 9 / CCCD 12
_MONEY = {"type": "integer", "minimum": 0}


def _object(required: list[str], properties: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": not strict,
    }


def _attachment(*, strict: bool) -> dict[str, Any]:
    return _object(
        ["TepDinhKemId", "TenTepDinhKem"],
        {
            "TepDinhKemId": _CODE,
            "TenTepDinhKem": {"type": "string", "minLength": 1, "maxLength": 255},
            "MaThanhPhanHoSo": _CODE,
            "TenThanhPhanHoSo": _TEXT,
            "LoaiTep": {"type": "string", "maxLength": 255},  # media type
            "KichThuoc": {"type": "integer", "minimum": 0},  # bytes
            "MaBam": {"type": "string", "pattern": "^[0-9a-f]{64}$"},  # SHA-256, hex
            "DuongDanTaiTepTin": {"type": "string", "maxLength": 2000},  # where to fetch it
            "IsDeleted": {"type": "boolean"},
        },
        strict=strict,
    )


def _fee(*, strict: bool) -> dict[str, Any]:
    return _object(
        ["TenPhiLePhi", "Gia"],
        {
            "TenPhiLePhi": _TEXT,
            "MaPhiLePhi": _CODE,
            "HinhThucThu": {"type": "integer", "enum": [1, 2]},  # 1 trực tiếp, 2 trực tuyến
            "Gia": _MONEY,
            "LoaiPhiLePhi": {"type": "integer", "enum": [1, 2]},  # 1 phí, 2 lệ phí
        },
        strict=strict,
    )


_APPLICANT = _object(
    ["HoTen", "SoDinhDanh"],
    {
        "HoTen": {"type": "string", "minLength": 1, "maxLength": 255},
        "SoDinhDanh": _ID_NUMBER,
        "NgaySinh": _DATE,
        "SoDienThoai": {"type": "string", "maxLength": 20},
        "Email": {"type": "string", "maxLength": 254},
        "DiaChi": _TEXT,
    },
    strict=False,
)

# Motcua -> portal ----------------------------------------------------------------------------

# DongBoHoSoMC: a dossier's full record as the province holds it (created or updated).
HO_SO_MC = _object(
    [
        "MaHoSo",
        "MaTTHC",
        "MaDonVi",
        "ChuHoSo",
        "MaDoiTuong",
        "NgayTiepNhan",
        "NgayHenTra",
        "TrangThaiHoSo",
        "KenhThucHien",
        "DuocThanhToanTrucTuyen",
        "HoSoCoThanhPhanSoHoa",
    ],
    {
        "MaHoSo": _CODE,
        "MaHoSoQuocGia": _CODE,  # the portal's own code, for dossiers filed there
        "MaTTHC": _CODE,
        "TenTTHC": _TEXT,
        "MaLinhVuc": _CODE,
        "TenLinhVuc": _TEXT,
        "MaDonVi": _CODE,  # receiving unit's identifier (mã định danh điện tử)
        "TenDonVi": _TEXT,
        "SoBienNhan": {"type": "string", "maxLength": 64},
        "ChuHoSo": {"type": "string", "minLength": 1, "maxLength": 255},
        "LoaiDoiTuong": {"type": "integer", "enum": sorted(LOAI_DOI_TUONG)},
        "MaDoiTuong": _ID_NUMBER,
        "SoDienThoai": {"type": "string", "maxLength": 20},
        "Email": {"type": "string", "maxLength": 254},
        "DiaChi": _TEXT,
        "TrichYeuHoSo": _TEXT,
        "NgayNopHoSo": _DATETIME_OR_EMPTY,
        "NgayTiepNhan": _DATETIME_OR_EMPTY,
        "NgayHenTra": _DATETIME_OR_EMPTY,
        "TrangThaiHoSo": _STATUS,
        "NgayKetThucXuLy": _DATETIME_OR_EMPTY,
        "NgayTra": _DATETIME_OR_EMPTY,
        "HinhThuc": _RETURN,
        "KenhThucHien": _CHANNEL,
        "DuocThanhToanTrucTuyen": _FLAG,
        "HoSoCoThanhPhanSoHoa": _FLAG,
        "DonViXuLy": _TEXT,
        "GhiChu": _TEXT,
        "TaiLieuNop": {"type": "array", "maxItems": 200, "items": _attachment(strict=True)},
        "DanhSachLePhi": {"type": "array", "maxItems": 50, "items": _fee(strict=True)},
        "DanhSachGiayToKetQua": {
            "type": "array",
            "maxItems": 50,
            "items": _object(
                ["TenGiayTo"],
                {"TenGiayTo": _TEXT, "GiayToId": _CODE, "DuongDanTepTinKetQua": _TEXT},
                strict=True,
            ),
        },
    },
    strict=True,
)

# CapNhatTienDoHoSoMC: one step of processing (who, when, the status it leaves).
TIEN_DO_HO_SO_MC = _object(
    ["MaHoSo", "TrangThaiHoSo", "ThoiDiemXuLy"],
    {
        "MaHoSo": _CODE,
        "TrangThaiHoSo": _STATUS,
        "ThoiDiemXuLy": _DATETIME,
        "NguoiXuLy": {"type": "string", "maxLength": 255},
        "ChucDanh": {"type": "string", "maxLength": 255},
        "PhongBanXuLy": {"type": "string", "maxLength": 255},
        "NoiDungXuLy": _TEXT,
        "NgayBatDau": _DATETIME_OR_EMPTY,
        "NgayKetThucTheoQuyDinh": _DATETIME_OR_EMPTY,
        "NgayHenTra": _DATETIME_OR_EMPTY,
        "NgayKetThucXuLy": _DATETIME_OR_EMPTY,
    },
    strict=True,
)


def _envelope(service: str, record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return _object(
        ["service", "data"],
        {
            "service": {"const": service},
            "data": {"type": "array", "minItems": 1, "maxItems": 100, "items": record},
            **extra,
        },
        strict=True,
    )


DONG_BO_HO_SO_MC = _envelope(
    "DongBoHoSoMC",
    HO_SO_MC,
    # "True" when the dossier was synced before (the portal's own spelling, a string).
    isUpdating={"anyOf": [{"type": "boolean"}, {"enum": ["True", "False"]}]},
)
CAP_NHAT_TIEN_DO_HO_SO_MC = _envelope("CapNhatTienDoHoSoMC", TIEN_DO_HO_SO_MC)

# KenhDanhGia: where a rating given in the province was given.
KENH_DANH_GIA: dict[int, str] = {1: "Cổng dịch vụ công của tỉnh", 2: "Tại bộ phận một cửa"}

# A rating given in the province, for the portal's index (DongBoDanhGiaMC). MaDanhGiaMC is
# the province's id of the rating, PhienBan 1 when given and +1 per change: the portal keeps
# the highest version, so a repeated or late message changes nothing.
DANH_GIA_MC = _object(
    ["MaDanhGiaMC", "PhienBan", "MaHoSo", "KenhDanhGia", "ChiTietDanhGia", "NgayDanhGia"],
    {
        "MaDanhGiaMC": _CODE,
        "PhienBan": {"type": "integer", "minimum": 1},
        "MaHoSo": _CODE,  # the local code, as DongBoHoSoMC sent the dossier
        "MaHoSoQuocGia": _CODE,  # dossiers filed on the portal
        "KenhDanhGia": {"type": "integer", "enum": sorted(KENH_DANH_GIA)},
        "ChiTietDanhGia": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": _object(
                ["MaTieuChi", "Diem"],
                {"MaTieuChi": _CODE, "Diem": {"type": "integer", "minimum": 0, "maximum": 2}},
                strict=True,
            ),
        },
        "NoiDung": {"type": "string", "maxLength": 4000},
        "NgayDanhGia": _DATETIME,
        "NgayCapNhat": _DATETIME,
    },
    strict=True,
)
DONG_BO_DANH_GIA_MC = _envelope("DongBoDanhGiaMC", DANH_GIA_MC)

# The province's answer to a question, report or proposal the portal sent (LayHoiDap).
TRA_LOI_HOI_DAP = _object(
    ["MaCauHoi", "NoiDungTraLoi", "NgayTraLoi"],
    {
        "MaCauHoi": _CODE,
        "NoiDungTraLoi": {"type": "string", "minLength": 1, "maxLength": 4000},
        "NgayTraLoi": _DATETIME,
        "MaDonVi": _CODE,  # the answering agency's identifier
        "TenDonVi": _TEXT,
    },
    strict=True,
)
TRA_LOI_HOI_DAP_MC = _envelope("TraLoiHoiDapMC", TRA_LOI_HOI_DAP)

# Portal -> Motcua ----------------------------------------------------------------------------

# A dossier filed on the national portal, waiting for the province (the intake feed).
HO_SO_DVCQG = _object(
    ["MaHoSo", "SoThuTu", "MaTTHC", "MaDonVi", "NgayNopHoSo", "ChuHoSo", "TaiLieuNop"],
    {
        "MaHoSo": _CODE,  # the portal's code: the national ID of the dossier
        "SoThuTu": {"type": "integer", "minimum": 1},  # position in the feed (cursor)
        "MaTTHC": _CODE,
        "PhienBanTTHC": {"type": "integer", "minimum": 1},
        "TenTTHC": _TEXT,
        "MaDonVi": _CODE,
        "TenDonVi": _TEXT,
        "NgayNopHoSo": _DATETIME,
        "KenhThucHien": _CHANNEL,
        "LoaiDoiTuong": {"type": "integer", "enum": sorted(LOAI_DOI_TUONG)},
        "ChuHoSo": _APPLICANT,
        "TrichYeuHoSo": _TEXT,
        "HinhThucNhanKetQua": _RETURN,
        "DuocThanhToanTrucTuyen": _FLAG,
        "DaThanhToan": _FLAG,
        "TaiLieuNop": {"type": "array", "maxItems": 200, "items": _attachment(strict=False)},
        "DanhSachLePhi": {"type": "array", "items": _fee(strict=False)},
    },
    strict=False,
)

# A procedure of the national catalogue, one version.
THU_TUC = _object(
    ["MaTTHC", "TenTTHC", "PhienBan", "NgayHieuLuc"],
    {
        "MaTTHC": _CODE,
        "TenTTHC": {"type": "string", "minLength": 1, "maxLength": 1000},
        "PhienBan": {"type": "integer", "minimum": 1},
        "NgayHieuLuc": _DATE,
        "NgayHetHieuLuc": {"anyOf": [_DATE, {"type": "null"}]},
        "CapThucHien": {"type": "string", "enum": ["tinh", "xa"]},
        "MaLinhVuc": _CODE,
        "TenLinhVuc": _TEXT,
        "CoQuanThucHien": _TEXT,
        "ThoiHanGiaiQuyet": {"type": "number", "minimum": 0},  # working days
        "KenhThucHien": {"type": "array", "items": _CHANNEL},
        "PhiLePhi": {"type": "array", "items": _fee(strict=False)},
        "ThanhPhanHoSo": {
            "type": "array",
            "items": _object(
                ["MaThanhPhanHoSo", "TenThanhPhanHoSo"],
                {
                    "MaThanhPhanHoSo": _CODE,
                    "TenThanhPhanHoSo": _TEXT,
                    "SoLuong": {"type": "integer", "minimum": 0},
                    "BatBuoc": _FLAG,
                },
                strict=False,
            ),
        },
        "CanCuPhapLy": _TEXT,
        "KetQuaThucHien": _TEXT,
        # The decision that announced this version (quyết định công bố) and the online
        # service level (1 toàn trình, 2 một phần); kept with the stored copy.
        "QuyetDinhCongBo": _TEXT,
        "MucDoDVC": {"type": "integer", "enum": [1, 2]},
    },
    strict=False,
)

# A citizen's rating of how their dossier was handled (QĐ 766: mức độ hài lòng).
DANH_GIA = _object(
    ["MaDanhGia", "SoThuTu", "MaHoSo", "DiemDanhGia", "NgayDanhGia"],
    {
        "MaDanhGia": _CODE,
        "SoThuTu": {"type": "integer", "minimum": 1},
        "MaHoSo": _CODE,
        "DiemDanhGia": {"type": "integer", "minimum": 1, "maximum": 5},
        # Per criterion (motcua.feedback.models.RATING_CRITERIA): 0 không đạt, 1 đạt, 2 tốt.
        "ChiTietDanhGia": {
            "type": "array",
            "maxItems": 50,
            "items": _object(
                ["MaTieuChi", "Diem"],
                {"MaTieuChi": _CODE, "Diem": {"type": "integer", "minimum": 0, "maximum": 2}},
                strict=False,
            ),
        },
        "NoiDung": _TEXT,
        "NgayDanhGia": _DATETIME,
    },
    strict=False,
)

# LoaiPhanAnh: what a citizen's message is.
LOAI_PHAN_ANH: dict[int, str] = {1: "Phản ánh", 2: "Kiến nghị", 3: "Hỏi đáp"}

# A citizen's question, report or proposal (hỏi đáp, phản ánh, kiến nghị), about a dossier
# (MaHoSo) or not.
HOI_DAP = _object(
    ["MaCauHoi", "SoThuTu", "NoiDung", "NgayHoi"],
    {
        "MaCauHoi": _CODE,
        "SoThuTu": {"type": "integer", "minimum": 1},
        "MaHoSo": _CODE,
        "LoaiPhanAnh": {"type": "integer", "enum": sorted(LOAI_PHAN_ANH)},  # absent: 3
        "NguoiHoi": {"type": "string", "maxLength": 255},
        "SoDienThoai": {"type": "string", "maxLength": 20},
        "Email": {"type": "string", "maxLength": 254},
        "NoiDung": {"type": "string", "minLength": 1, "maxLength": 4000},
        "NgayHoi": _DATETIME,
    },
    strict=False,
)

# Daily reconciliation (đối soát) -------------------------------------------------------------

# What the province and the portal must agree on for each dossier, in this order. A dossier
# belongs to the day it was filed (NgayNopHoSo, Vietnam date). The per-day digest (MaBam of
# LayTomTatDoiSoat) is the MD5 of the day's lines, one per dossier in MaHoSo order (code
# point order), joined by "\n"; a line is these fields joined by "|" ("" for none). Motcua
# computes the same in SQL (motcua.dvcqg.reconcile), tested equal to `doi_soat_digest`.
DOI_SOAT_FIELDS = (
    "MaHoSo",
    "TrangThaiHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
)
DOI_SOAT_SEPARATOR = "|"


def doi_soat_day(record: dict[str, Any]) -> str:
    """The day (yyyyMMdd) a dossier's record belongs to: the date of NgayNopHoSo."""
    value = record.get("NgayNopHoSo")
    return value[:8] if isinstance(value, str) and len(value) >= 8 else ""


def doi_soat_line(record: dict[str, Any]) -> str:
    return DOI_SOAT_SEPARATOR.join(
        "" if record.get(name) is None else str(record[name]) for name in DOI_SOAT_FIELDS
    )


def doi_soat_digest(lines_in_code_order: Any) -> str:
    """MD5 (hex) of the lines joined by "\n"; the caller orders them by MaHoSo."""
    digest = hashlib.md5(usedforsecurity=False)
    for i, line in enumerate(lines_in_code_order):
        digest.update(("\n" if i else "").encode() + line.encode())
    return digest.hexdigest()


# LayTomTatDoiSoat?tu_ngay=yyyyMMdd&den_ngay=yyyyMMdd: one item per day with dossiers.
TOM_TAT_DOI_SOAT = _object(
    ["Ngay", "SoLuong", "MaBam"],
    {
        "Ngay": _DATE,
        "SoLuong": {"type": "integer", "minimum": 0},
        "MaBam": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    },
    strict=False,
)
# LayDanhSachDoiSoat?ngay=yyyyMMdd&sau=<MaHoSo>&so_luong=N: the day's dossiers, in MaHoSo order.
HO_SO_DOI_SOAT = _object(
    ["MaHoSo", "TrangThaiHoSo"],
    {
        "MaHoSo": _CODE,
        "TrangThaiHoSo": _STATUS,
        "NgayNopHoSo": _DATETIME_OR_EMPTY,
        "NgayTiepNhan": _DATETIME_OR_EMPTY,
        "NgayHenTra": _DATETIME_OR_EMPTY,
        "NgayKetThucXuLy": _DATETIME_OR_EMPTY,
        "NgayTra": _DATETIME_OR_EMPTY,
    },
    strict=False,
)

# The portal's answer to every service call.
KET_QUA = _object(
    ["error_code"],
    {"error_code": {"type": "string"}, "message": {"type": "string"}},
    strict=False,
)

# Every schema by name; the names are those of the services and records of the documents.
SCHEMAS: dict[str, dict[str, Any]] = {
    "DongBoHoSoMC": DONG_BO_HO_SO_MC,
    "CapNhatTienDoHoSoMC": CAP_NHAT_TIEN_DO_HO_SO_MC,
    "DongBoDanhGiaMC": DONG_BO_DANH_GIA_MC,
    "TraLoiHoiDapMC": TRA_LOI_HOI_DAP_MC,
    "HoSoMC": HO_SO_MC,
    "TienDoHoSoMC": TIEN_DO_HO_SO_MC,
    "HoSoDVCQG": HO_SO_DVCQG,
    "ThuTuc": THU_TUC,
    "DanhGia": DANH_GIA,
    "HoiDap": HOI_DAP,
    "KetQua": KET_QUA,
    "TomTatDoiSoat": TOM_TAT_DOI_SOAT,
    "HoSoDoiSoat": HO_SO_DOI_SOAT,
}


def register(name: str, schema: dict[str, Any]) -> None:
    """Replace or add a schema (a province whose portal version differs calls this at start)."""
    Draft202012Validator.check_schema(schema)
    SCHEMAS[name] = schema
    _validator.cache_clear()


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name], format_checker=_formats)


def validate(name: str, instance: Any) -> list[str]:
    """Every way `instance` breaks schema `name`, as "path: message" lines (empty = valid)."""
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{_path(e.absolute_path)}: {e.message}" for e in errors]


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"
