"""The National Public Service Portal (DVCQG) as a province sees it.

Portal -> province: the feed of dossiers filed on the portal (with their attachments), the
procedure catalogue, citizens' ratings and questions. Province -> portal: `DongBoHoSoMC`
(a dossier's full record) and `CapNhatTienDoHoSoMC` (a processing step), checked against
motcua.dvcqg.schemas; `TraCuuHoSo` shows what the portal holds. Every service but the token
needs a bearer token from POST /dvcqg/oauth/token (client credentials).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from typing import Any

from motcua.dvcqg import schemas
from motcua.simulators.base import System, register
from motcua.simulators.dvcqg_portal import CitizenPages
from motcua.simulators.http import (
    HttpError,
    Request,
    Response,
    Route,
    credentials_match,
    file_response,
    json_response,
)

OK = {"error_code": schemas.SUCCESS, "message": "Thành công"}
SYNC_SERVICES = ("DongBoHoSoMC", "CapNhatTienDoHoSoMC")
FINAL_STATUSES = {3, 7, 8, 10}  # nothing follows these on the portal


def _now() -> dt.datetime:
    return dt.datetime.now(schemas.VIETNAM).replace(microsecond=0)


def _pdf(title: str) -> bytes:
    """A tiny stand-in document; its bytes differ per title so hashes differ too."""
    return f"%PDF-1.4\n% Motcua simulator: {title}\n%%EOF\n".encode()


DEMO_CITIZENS = [
    {"HoTen": "Nguyễn Văn An", "SoDinhDanh": "001090000001", "NgaySinh": "19900315",
     "SoDienThoai": "0912345678", "Email": "an@example.vn",
     "DiaChi": "Phường Hoa Lư, tỉnh Ninh Bình"},
    {"HoTen": "Trần Thị Bích", "SoDinhDanh": "001190000002", "NgaySinh": "19900722",
     "SoDienThoai": "0987654321", "Email": "bich@example.vn",
     "DiaChi": "Phường Nam Định, tỉnh Ninh Bình"},
    {"HoTen": "Lê Văn Cường", "SoDinhDanh": "037085000123", "NgaySinh": "19850110",
     "SoDienThoai": "0901234567", "Email": "cuong@example.vn",
     "DiaChi": "Xã Gia Viễn, tỉnh Ninh Bình"},
]  # fmt: skip

DEMO_PROCEDURES = [
    {"MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh", "PhienBan": 1,
     "NgayHieuLuc": "20210701", "CapThucHien": "xa", "MaLinhVuc": "HT",
     "TenLinhVuc": "Hộ tịch", "CoQuanThucHien": "Ủy ban nhân dân cấp xã",
     "ThoiHanGiaiQuyet": 1, "KenhThucHien": [1, 2, 3], "PhiLePhi": [],
     "ThanhPhanHoSo": [
         {"MaThanhPhanHoSo": "TK", "TenThanhPhanHoSo": "Tờ khai đăng ký khai sinh",
          "SoLuong": 1, "BatBuoc": 1},
         {"MaThanhPhanHoSo": "GCS", "TenThanhPhanHoSo": "Giấy chứng sinh",
          "SoLuong": 1, "BatBuoc": 1}],
     "CanCuPhapLy": "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
     "KetQuaThucHien": "Giấy khai sinh (bản chính)"},
    {"MaTTHC": "1.000894", "TenTTHC": "Đăng ký kết hôn", "PhienBan": 1,
     "NgayHieuLuc": "20210701", "CapThucHien": "xa", "MaLinhVuc": "HT",
     "TenLinhVuc": "Hộ tịch", "CoQuanThucHien": "Ủy ban nhân dân cấp xã",
     "ThoiHanGiaiQuyet": 1, "KenhThucHien": [1, 2], "PhiLePhi": [],
     "ThanhPhanHoSo": [
         {"MaThanhPhanHoSo": "TK", "TenThanhPhanHoSo": "Tờ khai đăng ký kết hôn",
          "SoLuong": 1, "BatBuoc": 1}],
     "CanCuPhapLy": "Luật Hộ tịch 2014", "KetQuaThucHien": "Giấy chứng nhận kết hôn"},
    {"MaTTHC": "1.009972", "TenTTHC": "Cấp giấy phép xây dựng mới đối với công trình cấp đặc "
     "biệt, cấp I, cấp II", "PhienBan": 1, "NgayHieuLuc": "20210815", "CapThucHien": "tinh",
     "MaLinhVuc": "XD", "TenLinhVuc": "Hoạt động xây dựng", "CoQuanThucHien": "Sở Xây dựng",
     "ThoiHanGiaiQuyet": 20, "KenhThucHien": [1, 2, 3],
     "PhiLePhi": [{"TenPhiLePhi": "Lệ phí cấp giấy phép xây dựng", "MaPhiLePhi": "LP-GPXD",
                   "Gia": 150000, "LoaiPhiLePhi": 2}],
     "ThanhPhanHoSo": [
         {"MaThanhPhanHoSo": "DON", "TenThanhPhanHoSo": "Đơn đề nghị cấp giấy phép xây dựng",
          "SoLuong": 1, "BatBuoc": 1},
         {"MaThanhPhanHoSo": "BV", "TenThanhPhanHoSo": "Bản vẽ thiết kế", "SoLuong": 2,
          "BatBuoc": 1}],
     "CanCuPhapLy": "Luật Xây dựng 2014, sửa đổi 2020; Nghị định 15/2021/NĐ-CP",
     "KetQuaThucHien": "Giấy phép xây dựng"},
    {"MaTTHC": "2.001610", "TenTTHC": "Đăng ký thành lập doanh nghiệp tư nhân", "PhienBan": 1,
     "NgayHieuLuc": "20210104", "CapThucHien": "tinh", "MaLinhVuc": "TLDN",
     "TenLinhVuc": "Thành lập và hoạt động của doanh nghiệp",
     "CoQuanThucHien": "Sở Tài chính", "ThoiHanGiaiQuyet": 3, "KenhThucHien": [1, 2, 3],
     "PhiLePhi": [{"TenPhiLePhi": "Lệ phí đăng ký doanh nghiệp", "Gia": 50000,
                   "LoaiPhiLePhi": 2}],
     "ThanhPhanHoSo": [
         {"MaThanhPhanHoSo": "GDN", "TenThanhPhanHoSo": "Giấy đề nghị đăng ký doanh nghiệp",
          "SoLuong": 1, "BatBuoc": 1}],
     "CanCuPhapLy": "Luật Doanh nghiệp 2020; Nghị định 168/2025/NĐ-CP",
     "KetQuaThucHien": "Giấy chứng nhận đăng ký doanh nghiệp"},
]  # fmt: skip

# New versions of seeded procedures: the catalogue sync must see what changed and when.
DEMO_REVISIONS = [
    {"MaTTHC": "1.001193", "NgayHieuLuc": "20250701", "ThoiHanGiaiQuyet": 0.5,
     "CanCuPhapLy": "Luật Hộ tịch 2014; Nghị định 120/2025/NĐ-CP"},
    {"MaTTHC": "1.009972", "NgayHieuLuc": "20250701", "CoQuanThucHien": "Sở Xây dựng",
     "ThoiHanGiaiQuyet": 15},
]  # fmt: skip

# Dossiers filed on the portal for the demo province's units (catalog demo: H37).
DEMO_FEED = [
    {"MaTTHC": "1.001193", "MaDonVi": "001.10.00.H37", "citizen": 0,
     "TrichYeuHoSo": "Đăng ký khai sinh cho con", "files": [("TK", "to-khai-khai-sinh.pdf"),
                                                           ("GCS", "giay-chung-sinh.pdf")]},
    {"MaTTHC": "1.009972", "MaDonVi": "000.00.01.H37", "citizen": 1,
     "TrichYeuHoSo": "Xin cấp giấy phép xây dựng nhà xưởng", "files": [
         ("DON", "don-de-nghi-cap-phep.pdf"), ("BV", "ban-ve-thiet-ke.pdf")]},
    {"MaTTHC": "1.000894", "MaDonVi": "001.10.00.H37", "citizen": 2,
     "TrichYeuHoSo": "Đăng ký kết hôn", "files": [("TK", "to-khai-ket-hon.pdf")]},
]  # fmt: skip


@register
class Dvcqg(CitizenPages, System):
    name = "dvcqg"
    title = "Cổng Dịch vụ công quốc gia (giả lập)"
    SETTINGS = {
        "client_id": ("MOTCUA_SIM_DVCQG_CLIENT_ID", "motcua"),
        "client_secret": ("MOTCUA_SIM_DVCQG_CLIENT_SECRET", "motcua-dvcqg-secret"),
        "token_ttl": ("MOTCUA_SIM_DVCQG_TOKEN_TTL", "3600"),
    }

    def reset(self) -> None:
        self.lock = threading.RLock()
        self.tokens: dict[str, float] = {}
        self.feed: dict[str, dict[str, Any]] = {}  # MaHoSo -> record (without URLs)
        self.files: dict[tuple[str, str], tuple[bytes, str, str]] = {}
        self.acknowledged: set[str] = set()
        self.synced: dict[str, dict[str, Any]] = {}  # MaHoSo -> {"record", "history"}
        self.by_day: dict[str, set[str]] = {}  # yyyyMMdd of NgayNopHoSo -> MaHoSo (đối soát)
        self.logins: dict[str, str] = {}  # citizen page: OIDC state -> PKCE verifier
        self.sessions: dict[str, dict[str, Any]] = {}  # citizen page: cookie -> VNeID claims
        self.replies: dict[tuple[str, str], dict[str, Any]] = {}  # idempotency
        self.procedures: list[dict[str, Any]] = []
        self.ratings: list[dict[str, Any]] = []
        self.questions: list[dict[str, Any]] = []
        # Ratings the province gave and sent (DongBoDanhGiaMC): MaDanhGiaMC -> {"record",
        # "received"}. Counted by the portal's index; never listed back in LayDanhGia.
        self.province_ratings: dict[str, dict[str, Any]] = {}
        self.seq = 0
        for proc in DEMO_PROCEDURES:
            self.procedures.append(dict(proc, NgayHetHieuLuc=None))
        for revision in DEMO_REVISIONS:
            self.add_procedure_version(dict(revision))
        feed = [self.add_dossier(_demo_dossier(i, spec)) for i, spec in enumerate(DEMO_FEED)]
        self.add_rating({"MaHoSo": feed[0]["MaHoSo"], "DiemDanhGia": 5,
                         "ChiTietDanhGia": [{"MaTieuChi": str(i), "Diem": 2}
                                            for i in range(1, 9)],
                         "NoiDung": "Cán bộ hướng dẫn tận tình"})  # fmt: skip
        self.add_question({"MaHoSo": feed[1]["MaHoSo"], "NguoiHoi": "Trần Thị Bích",
                           "LoaiPhanAnh": 3, "SoDienThoai": "0987654321",
                           "NoiDung": "Hồ sơ của tôi cần bổ sung bản vẽ nào?"})  # fmt: skip

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "feed": len(self.feed),
                "acknowledged": len(self.acknowledged),
                "synced": len(self.synced),
                "procedures": len(self.procedures),
                "ratings": len(self.ratings),
                "questions": len(self.questions),
                "province_ratings": len(self.province_ratings),
                "answered": sum(1 for q in self.questions if "TraLoi" in q),
            }

    def routes(self) -> list[Route]:
        api = "/dvcqg/api"
        return [
            Route("POST", "/dvcqg/oauth/token", self.token, "dvcqg.token"),
            Route("GET", f"{api}/LayDanhSachHoSo", self.feed_list, "dvcqg.LayDanhSachHoSo"),
            Route("GET", f"{api}/LayHoSo", self.feed_one, "dvcqg.LayHoSo"),
            Route("GET", f"{api}/LayTepDinhKem", self.attachment, "dvcqg.LayTepDinhKem"),
            Route("POST", f"{api}/XacNhanHoSo", self.acknowledge, "dvcqg.XacNhanHoSo"),
            Route("POST", f"{api}/DongBoHoSoMC", self.dong_bo, "dvcqg.DongBoHoSoMC"),
            Route("POST", f"{api}/CapNhatTienDoHoSoMC", self.tien_do, "dvcqg.CapNhatTienDoHoSoMC"),
            Route("GET", f"{api}/TraCuuHoSo", self.lookup, "dvcqg.TraCuuHoSo"),
            Route("GET", f"{api}/LayDanhSachTTHC", self.catalogue, "dvcqg.LayDanhSachTTHC"),
            Route("GET", f"{api}/LayThuTuc", self.procedure, "dvcqg.LayThuTuc"),
            Route("GET", f"{api}/LayDanhGia", self.rating_list, "dvcqg.LayDanhGia"),
            Route("GET", f"{api}/LayHoiDap", self.question_list, "dvcqg.LayHoiDap"),
            Route("POST", f"{api}/DongBoDanhGiaMC", self.rating_in, "dvcqg.DongBoDanhGiaMC"),
            Route("POST", f"{api}/TraLoiHoiDapMC", self.answer_in, "dvcqg.TraLoiHoiDapMC"),
            Route("GET", f"{api}/LayTomTatDoiSoat", self.digests, "dvcqg.LayTomTatDoiSoat"),
            Route("GET", f"{api}/LayDanhSachDoiSoat", self.day_rows, "dvcqg.LayDanhSachDoiSoat"),
        ]

    def control_routes(self) -> list[Route]:
        c = "/_control/dvcqg"
        web = "/dvcqg/cong"
        # The citizen-facing pages (log in with VNeID, file, follow a dossier): control
        # routes, so that a fault rule on "dvcqg" breaks the services, not the citizen.
        portal = [
            Route("GET", web, self.w_home, "dvcqg.c"),
            Route("GET", f"{web}/dang-nhap", self.w_login, "dvcqg.c"),
            Route("GET", f"{web}/dang-nhap/xong", self.w_login_done, "dvcqg.c"),
            Route("POST", f"{web}/nop-ho-so", self.w_file, "dvcqg.c"),
            Route("GET", web + "/ho-so/{ma}", self.w_dossier, "dvcqg.c"),
        ]
        return [
            Route("POST", f"{c}/dossiers", self.c_add_dossier, "dvcqg.c"),
            Route("GET", f"{c}/synced", self.c_synced_all, "dvcqg.c"),
            Route("GET", c + "/synced/{ma}", self.c_synced, "dvcqg.c"),
            Route("POST", f"{c}/procedures", self.c_add_procedure, "dvcqg.c"),
            Route("POST", f"{c}/ratings", self.c_add_rating, "dvcqg.c"),
            Route("POST", f"{c}/questions", self.c_add_question, "dvcqg.c"),
            Route("GET", f"{c}/questions", self.c_questions, "dvcqg.c"),
            Route("GET", f"{c}/province-ratings", self.c_province_ratings, "dvcqg.c"),
            Route("POST", f"{c}/settings", self.c_settings, "dvcqg.c"),
            *portal,
        ]

    # authentication ----------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        kind = request.headers.get("content-type", "")
        data = request.json() if kind.startswith("application/json") else request.form()
        data = data if isinstance(data, dict) else {}
        client = request.basic() or (data.get("client_id", ""), data.get("client_secret", ""))
        if not credentials_match(
            client, (self.settings["client_id"], self.settings["client_secret"])
        ):
            raise HttpError(
                401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="dvcqg"'}
            )
        if data.get("grant_type", "client_credentials") != "client_credentials":
            raise HttpError(400, {"error": "unsupported_grant_type"})
        ttl = int(self.settings["token_ttl"])
        token = secrets.token_urlsafe(24)
        with self.lock:
            now = time.monotonic()
            self.tokens = {t: exp for t, exp in self.tokens.items() if exp > now}
            self.tokens[token] = now + ttl
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": ttl})

    def _auth(self, request: Request) -> None:
        token = request.bearer()
        with self.lock:
            expiry = self.tokens.get(token or "")
        if expiry is None or expiry <= time.monotonic():
            raise HttpError(
                401,
                {"error_code": "401", "message": "Chưa xác thực hoặc mã truy cập đã hết hạn"},
                {"WWW-Authenticate": 'Bearer realm="dvcqg", error="invalid_token"'},
            )

    # the feed of dossiers filed on the portal -------------------------------------------------

    def add_dossier(self, record: dict[str, Any]) -> dict[str, Any]:
        """Put a dossier in the feed. Its TaiLieuNop items may carry their content as
        `NoiDung` (text) or `NoiDungBase64`; it is stored, hashed and served apart."""
        record = json.loads(json.dumps(record))
        items = record.get("TaiLieuNop")
        files = {}
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            item.setdefault("TepDinhKemId", f"T{i + 1}")
            item.setdefault("TenTepDinhKem", f"tep-{i + 1}.pdf")
            data = _content(item)
            item.setdefault("LoaiTep", "application/pdf")
            item.update(KichThuoc=len(data), MaBam=hashlib.sha256(data).hexdigest())
            files[str(item["TepDinhKemId"])] = (
                data,
                str(item["LoaiTep"]),
                str(item["TenTepDinhKem"]),
            )
        with self.lock:
            self.seq += 1
            record.setdefault("MaHoSo", f"G22-{_now():%y%m%d}-{self.seq:06d}")
            record["SoThuTu"] = self.seq
            code = str(record["MaHoSo"])
            for file_id, stored in files.items():
                self.files[(code, file_id)] = stored
            self.feed[code] = record
            return record

    def _public(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record as served: attachment links made absolute on this server's address."""
        record = json.loads(json.dumps(record))
        for item in record.get("TaiLieuNop") or []:
            if isinstance(item, dict) and "TepDinhKemId" in item:
                item["DuongDanTaiTepTin"] = (
                    f"{self.url}/api/LayTepDinhKem?MaHoSo={record.get('MaHoSo', '')}"
                    f"&TepDinhKemId={item['TepDinhKemId']}"
                )
        return record

    def feed_list(self, request: Request) -> Response:
        """Dossiers waiting for the province, in feed order after cursor `sau` (SoThuTu);
        acknowledged ones are left out unless `tat_ca=1`. Filter by `MaDonVi`."""
        self._auth(request)
        q = request.query
        after = _int(q.get("sau"), 0)
        size = min(max(_int(q.get("so_luong"), 50), 1), 500)
        unit = q.get("MaDonVi")
        with self.lock:
            rows = [
                r
                for r in sorted(self.feed.values(), key=lambda r: r["SoThuTu"])
                if (q.get("tat_ca") == "1" or r["MaHoSo"] not in self.acknowledged)
                and (not unit or r.get("MaDonVi") == unit)
            ]
            page = [r for r in rows if r["SoThuTu"] > after][: size + 1]
            earlier = [r for r in rows if r["SoThuTu"] <= after]
            more, page = len(page) > size, page[:size]
            items = [self._public(r) for r in page]
            previous = self._public(earlier[-1]) if earlier else None
        cursor = page[-1]["SoThuTu"] if page else after
        items = self._shape(request, items, previous)
        return json_response({**OK, "data": items, "sau": cursor, "con_nua": more})

    def _shape(self, request: Request, items: list, previous: dict | None = None) -> list:
        return self.sim.faults.shape(
            request.notes.get("fault_rule"), items, self.break_record, previous
        )

    def _feed_record(self, code: str) -> dict[str, Any]:
        with self.lock:
            record = self.feed.get(code)
            if record is None:
                raise HttpError(404, {"error_code": "-1", "message": "Không tìm thấy hồ sơ"})
            return self._public(record)

    def feed_one(self, request: Request) -> Response:
        self._auth(request)
        code = request.query.get("MaHoSo", "")
        request.dossiers = [code]
        return json_response({**OK, "data": self._feed_record(code)})

    def attachment(self, request: Request) -> Response:
        self._auth(request)
        code, file_id = request.query.get("MaHoSo", ""), request.query.get("TepDinhKemId", "")
        request.dossiers = [code]
        with self.lock:
            found = self.files.get((code, file_id))
        if found is None:
            raise HttpError(404, {"error_code": "-1", "message": "Không tìm thấy tệp"})
        data, media_type, name = found
        return file_response(data, media_type, name)

    def acknowledge(self, request: Request) -> Response:
        """The province took the dossier: the portal stops offering it in the feed."""
        self._auth(request)
        body = request.json()
        code = body.get("MaHoSo") if isinstance(body, dict) else None
        request.dossiers = [code] if isinstance(code, str) else []
        self._feed_record(code if isinstance(code, str) else "")
        with self.lock:
            self.acknowledged.add(code)
            for key in ("MaHoSoTinh", "MaDonVi"):
                if isinstance(body.get(key), str):
                    self.feed[code][f"XacNhan{key}"] = body[key]
        return json_response(OK)

    def break_record(self, item: dict[str, Any], rnd) -> dict[str, Any]:
        keys = [k for k in ("MaHoSo", "MaTTHC", "SoThuTu", "ChuHoSo", "MaDanhGia") if k in item]
        dates = [k for k in item if k.startswith("Ngay") and isinstance(item[k], str)]
        ways = ["drop", "type"] + (["date"] if dates else [])
        way = rnd.choice(ways)
        if way == "date":
            field = rnd.choice(dates)
            item[field] = "20251345256100"[: len(item[field]) or 14]  # month 13, day 45
        elif way == "type" and "SoThuTu" in item:
            item["SoThuTu"] = "không phải số"
        elif keys:
            item.pop(rnd.choice(keys))
        return item

    # province -> portal: status sync -----------------------------------------------------------

    def dong_bo(self, request: Request) -> Response:
        return self._sync(request, "DongBoHoSoMC")

    def tien_do(self, request: Request) -> Response:
        return self._sync(request, "CapNhatTienDoHoSoMC")

    def _sync(self, request: Request, service: str) -> Response:
        """Validate the whole message, then apply it all or nothing. A repeated
        Idempotency-Key gets the first answer again and changes nothing."""
        self._auth(request)
        body = request.json()
        records = body.get("data") if isinstance(body, dict) else None
        records = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
        request.dossiers = list(
            dict.fromkeys(r["MaHoSo"] for r in records if isinstance(r.get("MaHoSo"), str))
        )
        request.errors = schemas.validate(service, body)
        if request.errors:
            raise HttpError(
                400,
                {"error_code": "-1", "message": "Dữ liệu không hợp lệ", "errors": request.errors},
            )
        key = request.headers.get("idempotency-key")
        with self.lock:
            if key and (service, key) in self.replies:
                request.notes["replay"] = True
                return json_response(self.replies[(service, key)])
            if service == "CapNhatTienDoHoSoMC":
                unknown = [c for c in request.dossiers if c not in self.synced]
                if unknown:
                    request.notes["warnings"] = [
                        f"{c}: chưa đồng bộ (DongBoHoSoMC)" for c in unknown
                    ]
                    raise HttpError(
                        404,
                        {"error_code": "-1", "message": "Hồ sơ chưa được đồng bộ",
                         "MaHoSo": unknown},
                    )  # fmt: skip
            warnings = [w for r in records for w in self._apply(service, r)]
            if warnings:
                request.notes["warnings"] = warnings
            reply = {**OK, "so_ban_ghi": len(records)}
            if key:
                self.replies[(service, key)] = reply
        return json_response(reply)

    def _apply(self, service: str, record: dict[str, Any]) -> list[str]:
        code, status = record["MaHoSo"], record["TrangThaiHoSo"]
        state = self.synced.setdefault(code, {"record": {}, "history": []})
        history = state["history"]
        warnings = []
        if history and history[-1]["TrangThaiHoSo"] in FINAL_STATUSES:
            warnings.append(f"{code}: trạng thái {status} sau trạng thái cuối")
        moment = record.get("ThoiDiemXuLy")
        steps = [h["ThoiDiemXuLy"] for h in history if h.get("ThoiDiemXuLy")]
        if moment and steps and moment < max(steps):  # yyyyMMddHHmmss sorts as text
            warnings.append(f"{code}: ThoiDiemXuLy {moment} trước bước đã nhận ({max(steps)})")
        if service == "DongBoHoSoMC":
            self._file_by_day(code, state["record"], record)
            state["record"] = dict(record)
        else:
            state["record"]["TrangThaiHoSo"] = status
            for field in ("NgayHenTra", "NgayKetThucXuLy"):
                if record.get(field):
                    state["record"][field] = record[field]
        history.append(
            {
                "TrangThaiHoSo": status,
                "service": service,
                "ThoiDiemXuLy": moment,
                "NoiDungXuLy": record.get("NoiDungXuLy") or record.get("GhiChu"),
                "received_at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        return warnings

    def _file_by_day(self, code: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        before, after = schemas.doi_soat_day(old), schemas.doi_soat_day(new)
        if before != after:
            self.by_day.get(before, set()).discard(code)
        if after:
            self.by_day.setdefault(after, set()).add(code)

    def load_synced(self, records: Any) -> int:
        """Hold these records as synced, with no history (benchmarks fill a portal that
        already has a million dossiers without sending each through the API)."""
        count = 0
        with self.lock:
            for record in records:
                code = record["MaHoSo"]
                state = self.synced.setdefault(code, {"record": {}, "history": []})
                self._file_by_day(code, state["record"], record)
                state["record"] = record
                count += 1
        return count

    # reconciliation (đối soát) -----------------------------------------------------------------

    def _day_param(self, request: Request, name: str) -> str:
        value = request.query.get(name, "")
        try:
            schemas.parse_date(value)
        except ValueError as exc:
            raise HttpError(
                400, {"error_code": "-1", "message": f"Tham số {name} phải có dạng yyyyMMdd"}
            ) from exc
        return value

    def digests(self, request: Request) -> Response:
        """LayTomTatDoiSoat: per day of filing from tu_ngay to den_ngay (yyyyMMdd), the
        number of dossiers held and the digest of their reconciled fields."""
        self._auth(request)
        first, last = self._day_param(request, "tu_ngay"), self._day_param(request, "den_ngay")
        with self.lock:
            days = sorted(d for d, codes in self.by_day.items() if first <= d <= last and codes)
            lines = {
                day: [
                    schemas.doi_soat_line(self.synced[c]["record"])
                    for c in sorted(self.by_day[day])
                ]
                for day in days
            }
        data = [
            {"Ngay": day, "SoLuong": len(rows), "MaBam": schemas.doi_soat_digest(rows)}
            for day, rows in lines.items()
        ]
        return json_response({**OK, "data": data})

    def day_rows(self, request: Request) -> Response:
        """LayDanhSachDoiSoat: the dossiers filed on `ngay`, in MaHoSo order, after `sau`
        (a MaHoSo), `so_luong` at a time (at most 5,000), with their reconciled fields."""
        self._auth(request)
        day = self._day_param(request, "ngay")
        after = request.query.get("sau", "")
        size = min(max(_int(request.query.get("so_luong"), 1000), 1), 5000)
        fields = (*schemas.DOI_SOAT_FIELDS, "NgayNopHoSo")
        with self.lock:
            codes = sorted(c for c in self.by_day.get(day, ()) if c > after)
            page = codes[: size + 1]
            more, page = len(page) > size, page[:size]
            rows = [
                {
                    k: self.synced[c]["record"].get(k)
                    for k in fields
                    if k in self.synced[c]["record"]
                }
                for c in page
            ]
        return json_response(
            {**OK, "data": rows, "sau": page[-1] if page else after, "con_nua": more}
        )

    def lookup(self, request: Request) -> Response:
        """TraCuuHoSo: the dossier as the portal holds it, with the steps received."""
        self._auth(request)
        code = request.query.get("MaHoSo", "")
        request.dossiers = [code]
        with self.lock:
            state = self.synced.get(code)
            if state is None:
                raise HttpError(404, {"error_code": "-1", "message": "Không tìm thấy hồ sơ"})
            data = {**state["record"], "LichSuXuLy": [dict(h) for h in state["history"]]}
        return json_response({**OK, "data": data})

    # catalogue, ratings, questions -------------------------------------------------------------

    def add_procedure_version(self, change: dict[str, Any]) -> dict[str, Any]:
        """A new version of a procedure (or a new procedure): the previous version ends the
        day the new one takes effect."""
        with self.lock:
            versions = [p for p in self.procedures if p["MaTTHC"] == change.get("MaTTHC")]
            latest = max(versions, key=lambda p: p["PhienBan"]) if versions else {}
            record = {**latest, **change, "PhienBan": latest.get("PhienBan", 0) + 1}
            record.setdefault("NgayHieuLuc", schemas.format_date(_now().date()))
            record["NgayHetHieuLuc"] = None
            errors = schemas.validate("ThuTuc", record)
            if errors:
                raise HttpError(400, {"errors": errors})
            if latest:
                latest["NgayHetHieuLuc"] = record["NgayHieuLuc"]
            self.procedures.append(record)
            return record

    def catalogue(self, request: Request) -> Response:
        """Every version of every procedure (NgayHieuLuc..NgayHetHieuLuc); `MaTTHC` filters,
        `hieu_luc=yyyyMMdd` keeps the versions in force that day."""
        self._auth(request)
        q = request.query
        with self.lock:
            rows = [dict(p) for p in self.procedures]
        if q.get("MaTTHC"):
            rows = [p for p in rows if p["MaTTHC"] == q["MaTTHC"]]
        if q.get("hieu_luc"):
            day = q["hieu_luc"]
            rows = [
                p
                for p in rows
                if p["NgayHieuLuc"] <= day
                and (not p["NgayHetHieuLuc"] or day < p["NgayHetHieuLuc"])
            ]
        rows.sort(key=lambda p: (p["MaTTHC"], p["PhienBan"]))
        return json_response({**OK, "data": self._shape(request, rows)})

    def procedure(self, request: Request) -> Response:
        self._auth(request)
        q = request.query
        with self.lock:
            rows = [dict(p) for p in self.procedures if p["MaTTHC"] == q.get("MaTTHC")]
        if q.get("PhienBan"):
            rows = [p for p in rows if str(p["PhienBan"]) == q["PhienBan"]]
        if not rows:
            raise HttpError(404, {"error_code": "-1", "message": "Không tìm thấy thủ tục"})
        return json_response({**OK, "data": max(rows, key=lambda p: p["PhienBan"])})

    def _add_numbered(self, rows: list, prefix: str, key: str, date: str, item: dict) -> dict:
        with self.lock:
            self.seq += 1
            item = dict(item)
            item.setdefault(key, f"{prefix}{self.seq:06d}")
            item.setdefault(date, schemas.format_datetime(_now()))
            item["SoThuTu"] = self.seq
            rows.append(item)
            return item

    def add_rating(self, item: dict[str, Any]) -> dict[str, Any]:
        return self._add_numbered(self.ratings, "DG", "MaDanhGia", "NgayDanhGia", item)

    def add_question(self, item: dict[str, Any]) -> dict[str, Any]:
        return self._add_numbered(self.questions, "CH", "MaCauHoi", "NgayHoi", item)

    def _numbered_list(self, request: Request, rows: list) -> Response:
        self._auth(request)
        after = _int(request.query.get("sau"), 0)
        with self.lock:
            page = [dict(r) for r in rows if r["SoThuTu"] > after]
        cursor = page[-1]["SoThuTu"] if page else after
        return json_response({**OK, "data": self._shape(request, page), "sau": cursor})

    def rating_list(self, request: Request) -> Response:
        return self._numbered_list(request, self.ratings)

    def question_list(self, request: Request) -> Response:
        return self._numbered_list(request, self.questions)

    # province -> portal: ratings given in the province, answers to the portal's questions ----

    def _envelope(self, request: Request, service: str) -> tuple[list[dict], str | None]:
        self._auth(request)
        body = request.json()
        request.errors = schemas.validate(service, body)
        if request.errors:
            raise HttpError(
                400,
                {"error_code": "-1", "message": "Dữ liệu không hợp lệ", "errors": request.errors},
            )
        return body["data"], request.headers.get("idempotency-key")

    def rating_in(self, request: Request) -> Response:
        """DongBoDanhGiaMC: ratings given in the province, counted by the national index.
        A rating of a dossier the portal does not hold yet is refused (404: send the
        dossier first); a version at or below the one held is a duplicate, merged (nothing
        changes); a second rating id for a dossier already rated is refused (409)."""
        service = "DongBoDanhGiaMC"
        records, key = self._envelope(request, service)
        request.dossiers = list(dict.fromkeys(r["MaHoSo"] for r in records))
        with self.lock:
            if key and (service, key) in self.replies:
                request.notes["replay"] = True
                return json_response(self.replies[(service, key)])
            unknown = [
                r["MaHoSo"]
                for r in records
                if r["MaHoSo"] not in self.synced and r.get("MaHoSoQuocGia") not in self.feed
            ]
            if unknown:
                raise HttpError(
                    404,
                    {"error_code": "-1", "message": "Hồ sơ chưa được đồng bộ", "MaHoSo": unknown},
                )
            by_dossier = {h["record"]["MaHoSo"]: i for i, h in self.province_ratings.items()}
            clash = [
                r["MaHoSo"]
                for r in records
                if by_dossier.get(r["MaHoSo"], r["MaDanhGiaMC"]) != r["MaDanhGiaMC"]
            ]
            if clash:
                raise HttpError(
                    409,
                    {"error_code": "-1", "message": "Hồ sơ đã có đánh giá khác", "MaHoSo": clash},
                )
            merged = 0
            for record in records:
                held = self.province_ratings.get(record["MaDanhGiaMC"])
                if held is not None and held["record"]["PhienBan"] >= record["PhienBan"]:
                    merged += 1
                    continue
                self.province_ratings[record["MaDanhGiaMC"]] = {
                    "record": dict(record),
                    "received": (held["received"] if held else 0) + 1,
                }
            reply = {**OK, "so_ban_ghi": len(records), "trung_lap": merged}
            if key:
                self.replies[(service, key)] = reply
        return json_response(reply)

    def answer_in(self, request: Request) -> Response:
        """TraLoiHoiDapMC: the province answers questions the portal sent. An unknown
        question is 404; the same answer again is merged; another answer to a question
        already answered is refused (409)."""
        service = "TraLoiHoiDapMC"
        records, key = self._envelope(request, service)
        with self.lock:
            if key and (service, key) in self.replies:
                request.notes["replay"] = True
                return json_response(self.replies[(service, key)])
            questions = {q["MaCauHoi"]: q for q in self.questions}
            unknown = [r["MaCauHoi"] for r in records if r["MaCauHoi"] not in questions]
            if unknown:
                raise HttpError(
                    404,
                    {"error_code": "-1", "message": "Không tìm thấy câu hỏi", "MaCauHoi": unknown},
                )
            merged = 0
            for record in records:
                held = questions[record["MaCauHoi"]].get("TraLoi")
                if held is None:
                    continue
                if held["NoiDungTraLoi"] != record["NoiDungTraLoi"]:
                    raise HttpError(
                        409,
                        {"error_code": "-1", "message": "Câu hỏi đã được trả lời",
                         "MaCauHoi": record["MaCauHoi"]},
                    )  # fmt: skip
                merged += 1
            for record in records:
                questions[record["MaCauHoi"]].setdefault("TraLoi", dict(record))
            reply = {**OK, "so_ban_ghi": len(records), "trung_lap": merged}
            if key:
                self.replies[(service, key)] = reply
        return json_response(reply)

    # control -----------------------------------------------------------------------------------

    def c_add_dossier(self, request: Request) -> Response:
        """A citizen files on the portal. Body: a partial HoSoDVCQG record; attachments as
        TaiLieuNop items with `NoiDung` (text) or `NoiDungBase64`. Missing fields get demo
        values; `"raw": true` stores the record as given (to plant a malformed one)."""
        body = _object(request)
        raw = bool(body.pop("raw", False))
        if not raw:
            body = {**_demo_dossier(0, {"files": []}), **body}
        try:
            record = self.add_dossier(body)
        except ValueError as exc:
            raise HttpError(400, {"error": str(exc)}) from exc
        errors = [] if raw else schemas.validate("HoSoDVCQG", record)
        if errors:
            with self.lock:
                self.feed.pop(record["MaHoSo"], None)
            raise HttpError(400, {"errors": errors})
        return json_response(self._public(record), 201)

    def c_synced_all(self, request: Request) -> Response:
        with self.lock:
            return json_response({code: _summary(s) for code, s in self.synced.items()})

    def c_synced(self, request: Request, ma: str) -> Response:
        """What the portal holds for a dossier and the statuses received, in order."""
        with self.lock:
            state = self.synced.get(ma)
            if state is None:
                raise HttpError(404, {"error": "never synced"})
            return json_response(_summary(state) | {"record": state["record"],
                                                    "history": state["history"]})  # fmt: skip

    def c_add_procedure(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not body.get("MaTTHC"):
            raise HttpError(400, {"error": "MaTTHC is required"})
        return json_response(self.add_procedure_version(body), 201)

    def c_add_rating(self, request: Request) -> Response:
        return json_response(self.add_rating(_object(request)), 201)

    def c_add_question(self, request: Request) -> Response:
        return json_response(self.add_question(_object(request)), 201)

    def c_questions(self, request: Request) -> Response:
        """Every question, with the province's answer (TraLoi) when it came."""
        with self.lock:
            return json_response({"items": [dict(q) for q in self.questions]})

    def c_province_ratings(self, request: Request) -> Response:
        """The ratings the province sent, as the index counts them (latest version each)."""
        with self.lock:
            items = [
                dict(h["record"], received=h["received"]) for h in self.province_ratings.values()
            ]
        return json_response({"items": items, "count": len(items)})

    def c_settings(self, request: Request) -> Response:
        body = _object(request)
        unknown = sorted(set(body) - set(self.SETTINGS))
        if unknown:
            raise HttpError(400, {"error": f"unknown settings: {', '.join(unknown)}"})
        self.settings.update({k: str(v) for k, v in body.items()})
        return json_response({k: v for k, v in self.settings.items() if "secret" not in k})


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise HttpError(400, {"error_code": "-1", "message": "Tham số phải là số nguyên"}) from exc


def _object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise HttpError(400, {"error": "expected an object"})
    return body


def _content(item: dict[str, Any]) -> bytes:
    import binascii

    if "NoiDungBase64" in item:
        try:
            return base64.b64decode(item.pop("NoiDungBase64"), validate=True)
        except (binascii.Error, TypeError) as exc:
            raise ValueError("NoiDungBase64 is not base64") from exc
    if "NoiDung" in item:
        return str(item.pop("NoiDung")).encode()
    return _pdf(item["TenTepDinhKem"])


def _summary(state: dict[str, Any]) -> dict[str, Any]:
    """`statuses`: the statuses received, repeats of the same status in a row folded."""
    statuses: list[int] = []
    for step in state["history"]:
        if not statuses or statuses[-1] != step["TrangThaiHoSo"]:
            statuses.append(step["TrangThaiHoSo"])
    return {"TrangThaiHoSo": state["record"].get("TrangThaiHoSo"), "statuses": statuses,
            "steps": len(state["history"])}  # fmt: skip


def _demo_dossier(index: int, spec: dict[str, Any]) -> dict[str, Any]:
    citizen = DEMO_CITIZENS[spec.get("citizen", index) % len(DEMO_CITIZENS)]
    procedure = next(
        (p for p in DEMO_PROCEDURES if p["MaTTHC"] == spec.get("MaTTHC", "1.001193")),
        DEMO_PROCEDURES[0],
    )
    filed = _now() - dt.timedelta(hours=3 - index)
    return {
        "MaTTHC": procedure["MaTTHC"],
        "PhienBanTTHC": 1,
        "TenTTHC": procedure["TenTTHC"],
        "MaDonVi": spec.get("MaDonVi", "001.10.00.H37"),
        "NgayNopHoSo": schemas.format_datetime(filed),
        "KenhThucHien": 2,
        "LoaiDoiTuong": 1,
        "ChuHoSo": dict(citizen),
        "TrichYeuHoSo": spec.get("TrichYeuHoSo", procedure["TenTTHC"]),
        "HinhThucNhanKetQua": 2,
        "DuocThanhToanTrucTuyen": 1 if procedure["PhiLePhi"] else 0,
        "DaThanhToan": 0,
        "TaiLieuNop": [
            {
                "TepDinhKemId": f"T{i + 1}",
                "TenTepDinhKem": name,
                "MaThanhPhanHoSo": component,
                "NoiDung": _pdf(f"{procedure['MaTTHC']} {name}").decode(),
            }
            for i, (component, name) in enumerate(spec.get("files", []))
        ],
    }
