"""The national portal's citizen-facing pages, simulated: log in with VNeID, file a dossier
(it joins the feed the province pulls, motcua.simulators.dvcqg), follow the statuses the
province syncs back. Mixed into the DVCQG system; served under /dvcqg/cong."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import secrets
import urllib.request
from typing import Any
from urllib.parse import urlencode

from motcua.dvcqg import schemas
from motcua.simulators.http import Request, Response

# The citizen-facing portal (a few pages) ------------------------------------------------------

PORTAL_UNITS = [
    ("001.10.00.H37", "UBND Phường Hoa Lư"),
    ("000.00.01.H37", "Sở Xây dựng"),
]
_STYLE = (
    "body{font-family:sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}"
    "header{background:#a50e0e;color:#fff;padding:.6rem 1rem;margin:0 -1rem 1rem}"
    "*{box-sizing:border-box}label{display:block;margin:.6rem 0 .2rem}"
    "select,input,textarea{width:100%;padding:.3rem}"
    "button,.button{margin-top:.8rem;padding:.5rem 1rem;background:#a50e0e;color:#fff;"
    "border:0;text-decoration:none;display:inline-block}table{border-collapse:collapse;"
    "width:100%}td,th{border:1px solid #999;padding:.3rem;text-align:left}"
)


def _page(title: str, body: str, status: int = 200, headers: dict | None = None) -> Response:
    text = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - Cổng Dịch vụ công quốc gia (giả lập)</title>"
        f"<style>{_STYLE}</style></head><body><header><strong>Cổng Dịch vụ công quốc gia"
        "</strong> (giả lập để thử nghiệm)</header><main>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(status, text.encode(), {"Content-Type": "text/html; charset=utf-8",
                                            **(headers or {})})  # fmt: skip


class CitizenPages:
    """The pages a citizen uses on the portal: log in through VNeID (the simulator's own
    provider, authorization code with PKCE, as any relying party), file a dossier (it goes
    into the feed the province pulls), and follow the statuses the province syncs back."""

    def _session(self, request: Request) -> dict[str, Any] | None:
        for part in request.headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "dvcqg_phien":
                with self.lock:
                    return self.sessions.get(value)
        return None

    def w_home(self, request: Request) -> Response:
        citizen = self._session(request)
        if citizen is None:
            return _page(
                "Đăng nhập để nộp hồ sơ",
                "<p>Công dân đăng nhập bằng tài khoản định danh điện tử để nộp hồ sơ trực tuyến."
                f'</p><p><a class="button" href="{self.url}/cong/dang-nhap">Đăng nhập bằng '
                "VNeID</a></p>",
            )
        with self.lock:
            procedures = {p["MaTTHC"]: p["TenTTHC"] for p in self.procedures}
            mine = [
                r for r in self.feed.values()
                if (r.get("ChuHoSo") or {}).get("SoDinhDanh") == citizen["so_dinh_danh"]
            ]  # fmt: skip
        options = "".join(
            f'<option value="{html.escape(code)}">{html.escape(code)} — {html.escape(name)}'
            "</option>"
            for code, name in sorted(procedures.items())
        )
        units = "".join(
            f'<option value="{code}">{html.escape(name)} ({code})</option>'
            for code, name in PORTAL_UNITS
        )
        rows = "".join(
            f'<li><a href="{self.url}/cong/ho-so/{html.escape(r["MaHoSo"])}">'
            f"{html.escape(r['MaHoSo'])}</a> — {html.escape(r.get('TrichYeuHoSo', ''))}</li>"
            for r in mine
        )
        return _page(
            "Nộp hồ sơ trực tuyến",
            f'<p id="citizen">Xin chào <strong>{html.escape(citizen["name"])}</strong> '
            f"(số định danh {html.escape(citizen['so_dinh_danh'])})</p>"
            f'<form method="post" action="{self.url}/cong/nop-ho-so">'
            f'<label for="MaTTHC">Thủ tục hành chính</label><select id="MaTTHC" name="MaTTHC">'
            f"{options}</select>"
            f'<label for="MaDonVi">Cơ quan tiếp nhận</label><select id="MaDonVi" '
            f'name="MaDonVi">{units}</select>'
            '<label for="TrichYeuHoSo">Trích yếu hồ sơ</label><input id="TrichYeuHoSo" '
            'name="TrichYeuHoSo" required maxlength="500">'
            "<button>Nộp hồ sơ</button></form>"
            + (f"<h2>Hồ sơ đã nộp</h2><ul>{rows}</ul>" if rows else ""),
        )

    def w_login(self, request: Request) -> Response:
        vneid = self.sim.systems.get("vneid")
        if vneid is None:
            return _page("Không đăng nhập được", "<p>Giả lập VNeID không chạy.</p>", 503)
        state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        with self.lock:
            self.logins[state] = verifier
        query = urlencode(
            {
                "response_type": "code",
                "client_id": vneid.settings["client_id"],
                "redirect_uri": f"{self.url}/cong/dang-nhap/xong",
                "scope": "openid profile email phone",
                "state": state,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
        return Response(302, b"", {"Location": f"{vneid.url}/authorize?{query}"})

    def w_login_done(self, request: Request) -> Response:
        """The code exchanged at VNeID's token endpoint and the claims read from userinfo,
        over HTTP, as the real portal does."""
        vneid = self.sim.systems["vneid"]
        q = request.query
        with self.lock:
            verifier = self.logins.pop(q.get("state", ""), None)
        if verifier is None or not q.get("code"):
            return _page("Không đăng nhập được", "<p>Phiên đăng nhập không hợp lệ.</p>", 400)
        credentials = f"{vneid.settings['client_id']}:{vneid.settings['client_secret']}"
        form = urlencode(
            {
                "grant_type": "authorization_code",
                "code": q["code"],
                "redirect_uri": f"{self.url}/cong/dang-nhap/xong",
                "code_verifier": verifier,
            }
        ).encode()
        auth = "Basic " + base64.b64encode(credentials.encode()).decode()
        try:
            token = _http_json(f"{vneid.url}/token", form, {"Authorization": auth})
            claims = _http_json(
                f"{vneid.url}/userinfo", None, {"Authorization": f"Bearer {token['access_token']}"}
            )
        except (OSError, ValueError, KeyError):
            return _page("Không đăng nhập được", "<p>VNeID không xác nhận đăng nhập.</p>", 502)
        cookie = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[cookie] = claims
        return Response(
            302,
            b"",
            {
                "Location": f"{self.url}/cong",
                "Set-Cookie": f"dvcqg_phien={cookie}; Path=/dvcqg/cong; HttpOnly; SameSite=Lax",
            },
        )

    def w_file(self, request: Request) -> Response:
        citizen = self._session(request)
        if citizen is None:
            return Response(302, b"", {"Location": f"{self.url}/cong"})
        form = request.form()
        with self.lock:
            procedure = next(
                (p for p in self.procedures if p["MaTTHC"] == form.get("MaTTHC")), None
            )
        subject_ = form.get("TrichYeuHoSo", "").strip()
        if procedure is None or form.get("MaDonVi") not in dict(PORTAL_UNITS) or not subject_:
            return _page("Chưa nộp được hồ sơ", "<p>Thông tin hồ sơ chưa đủ.</p>", 400)
        from motcua.simulators.dvcqg import _now, _pdf

        phone = (citizen.get("phone_number") or "").replace("+84", "0")
        record = {
            "MaTTHC": procedure["MaTTHC"],
            "PhienBanTTHC": procedure["PhienBan"],
            "TenTTHC": procedure["TenTTHC"],
            "MaDonVi": form["MaDonVi"],
            "NgayNopHoSo": schemas.format_datetime(_now()),
            "KenhThucHien": 2,
            "LoaiDoiTuong": 1,
            "ChuHoSo": {
                "HoTen": citizen.get("name") or citizen["so_dinh_danh"],
                "SoDinhDanh": citizen["so_dinh_danh"],
                **({"SoDienThoai": phone} if phone else {}),
                **({"Email": citizen["email"]} if citizen.get("email") else {}),
            },
            "TrichYeuHoSo": subject_[:500],
            "HinhThucNhanKetQua": 1,
            "DuocThanhToanTrucTuyen": 0,
            "DaThanhToan": 0,
            "TaiLieuNop": [
                {
                    "TepDinhKemId": f"T{i + 1}",
                    "TenTepDinhKem": f"{c['MaThanhPhanHoSo'].lower()}.pdf",
                    "MaThanhPhanHoSo": c["MaThanhPhanHoSo"],
                    "TenThanhPhanHoSo": c["TenThanhPhanHoSo"],
                    "NoiDung": _pdf(f"{procedure['MaTTHC']} {c['TenThanhPhanHoSo']}").decode(),
                }
                for i, c in enumerate(procedure.get("ThanhPhanHoSo") or [])
            ],
        }
        errors = schemas.validate("HoSoDVCQG", {**record, "MaHoSo": "x", "SoThuTu": 1})
        if errors:
            return _page("Chưa nộp được hồ sơ", f"<p>{html.escape(errors[0])}</p>", 400)
        filed = self.add_dossier(record)
        return Response(302, b"", {"Location": f"{self.url}/cong/ho-so/{filed['MaHoSo']}"})

    def w_dossier(self, request: Request, ma: str) -> Response:
        """What the citizen sees: the province that took it and each status synced back."""
        citizen = self._session(request)
        with self.lock:
            record = self.feed.get(ma)
            state = next(
                (s for s in self.synced.values() if s["record"].get("MaHoSoQuocGia") == ma),
                None,
            )
            history = [dict(h) for h in state["history"]] if state else []
            local = (
                state["record"].get("MaHoSo")
                if state
                else record and record.get("XacNhanMaHoSoTinh")
            )
        owner = (record or {}).get("ChuHoSo") or {}
        if record is None or citizen is None or owner.get("SoDinhDanh") != citizen["so_dinh_danh"]:
            return _page("Không tìm thấy hồ sơ", "<p>Không có hồ sơ này.</p>", 404)
        rows = "".join(
            f'<tr class="status-row"><td>{i + 1}</td><td data-status="{h["TrangThaiHoSo"]}">'
            f"{h['TrangThaiHoSo']} — {schemas.TRANG_THAI_HO_SO.get(h['TrangThaiHoSo'], '')}</td>"
            f"<td>{html.escape(_shown(h.get('ThoiDiemXuLy'), h.get('received_at')))}</td>"
            f"<td>{html.escape(h.get('NoiDungXuLy') or '')}</td></tr>"
            for i, h in enumerate(history)
        )
        taken = (
            f'<p>Đã được tiếp nhận vào hệ thống của tỉnh: mã hồ sơ <strong id="ma-ho-so-tinh">'
            f"{html.escape(local)}</strong></p>"
            if local
            else "<p>Đang chờ cơ quan tiếp nhận lấy hồ sơ.</p>"
        )
        table = (
            '<table id="tien-do"><thead><tr><th>#</th><th>Trạng thái</th><th>Thời điểm</th>'
            f"<th>Nội dung</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows
            else "<p>Chưa có cập nhật trạng thái.</p>"
        )
        return _page(
            f"Hồ sơ {ma}",
            f'<p>Mã hồ sơ trên Cổng: <strong id="ma-ho-so">{html.escape(ma)}</strong></p>'
            f"<p>{html.escape(record.get('TenTTHC', ''))} — "
            f"{html.escape(record.get('TrichYeuHoSo', ''))}</p>{taken}"
            f"<h2>Tiến độ giải quyết</h2>{table}"
            f'<p><a href="{self.url}/cong">Về trang nộp hồ sơ</a></p>',
        )


def _http_json(url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - own server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = json.loads(response.read())
    if not isinstance(body, dict):
        raise ValueError("not an object")
    return body


def _shown(stamp: str | None, received: str | None = None) -> str:
    """When the step happened (or, for a full record without one, when it arrived)."""
    try:
        if stamp:
            return schemas.parse_datetime(stamp).strftime("%H:%M %d/%m/%Y")
        if received:
            moment = dt.datetime.fromisoformat(received).astimezone(schemas.VIETNAM)
            return moment.strftime("%H:%M %d/%m/%Y")
    except ValueError:
        pass
    return stamp or ""
