"""A VNPost-style public postal operator (Bưu điện): client, wire schemas, webhook handler.

Wire conventions (the simulator, motcua.simulators.postal, plays this operator and checks
what it receives against the same schemas):
- every call carries `X-Api-Key` (MOTCUA_POSTAL_API_KEY) and the customer code
  (MOTCUA_POSTAL_CUSTOMER_CODE, the agency's contract) in the body or query;
- GET  <base>/api/v1/quote?MaTinhGui&MaTinhNhan&MaXaNhan&KhoiLuong -> {CuocPhi, DichVu, ...}
- POST <base>/api/v1/orders (Idempotency-Key: MaDonHang) -> 201 {MaVanDon, CuocPhi, ...}
- GET  <base>/api/v1/orders/<MaVanDon>/events -> {MaVanDon, SuKien: [event, ...]}
- the operator POSTs each event to Motcua's /api/v1/postal/events/ with header
  `X-BuuDien-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (MOTCUA_POSTAL_WEBHOOK_SECRET).
Event statuses (TrangThai): DA_LAY_HANG picked up, DANG_VAN_CHUYEN in transit, DA_PHAT
delivered, CHUYEN_HOAN returned to sender. Times are ISO 8601 with an offset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import httpx
from django.conf import settings
from jsonschema import Draft202012Validator

from motcua.postal import operator as base

SIGNATURE_HEADER = "X-BuuDien-Signature"
SERVICE = "BCCP-HCC"  # the public-administration parcel service
STATUSES = {
    "DA_LAY_HANG": "picked_up",
    "DANG_VAN_CHUYEN": "in_transit",
    "DA_PHAT": "delivered",
    "CHUYEN_HOAN": "returned",
}
REFUSED = {400, 404, 409, 413, 422}

_PARTY = {
    "type": "object",
    "required": ["HoTen", "DiaChi", "MaXa", "MaTinh"],
    "additionalProperties": False,
    "properties": {
        "HoTen": {"type": "string", "minLength": 1, "maxLength": 200},
        "DiaChi": {"type": "string", "minLength": 1, "maxLength": 300},
        "MaXa": {"type": "string", "pattern": "^[0-9]{5}$"},
        "TenXa": {"type": "string"},
        "MaTinh": {"type": "string", "pattern": "^[0-9]{2}$"},
        "TenTinh": {"type": "string"},
        "DienThoai": {"type": "string", "maxLength": 20},
    },
}
# The sender is the receiving agency: its province is enough (it may sit above communes).
_SENDER = {**_PARTY, "required": ["HoTen", "DiaChi", "MaTinh"]}
_SENDER["properties"] = {**_PARTY["properties"], "MaXa": {"type": "string"}}
SCHEMAS: dict[str, dict[str, Any]] = {
    "DonHang": {
        "type": "object",
        "required": ["MaKhachHang", "MaDonHang", "DichVu", "NguoiGui", "NguoiNhan", "KhoiLuong"],
        "additionalProperties": False,
        "properties": {
            "MaKhachHang": {"type": "string", "minLength": 1},
            "MaDonHang": {"type": "string", "minLength": 1, "maxLength": 80},
            "DichVu": {"type": "string"},
            "NguoiGui": _SENDER,
            "NguoiNhan": _PARTY,
            "KhoiLuong": {"type": "integer", "minimum": 1, "maximum": 30000},
            "NoiDung": {"type": "string", "maxLength": 500},
        },
    },
    "DonHangDaTao": {
        "type": "object",
        "required": ["MaVanDon", "MaDonHang", "CuocPhi"],
        "properties": {
            "MaVanDon": {"type": "string", "minLength": 1, "maxLength": 40},
            "MaDonHang": {"type": "string"},
            "CuocPhi": {"type": "integer", "minimum": 0},
        },
    },
    "BaoGia": {
        "type": "object",
        "required": ["CuocPhi", "DichVu"],
        "properties": {
            "CuocPhi": {"type": "integer", "minimum": 0},
            "DichVu": {"type": "string"},
            "ThoiGianDuKien": {"type": "string"},
        },
    },
    "SuKien": {
        "type": "object",
        "required": ["MaSuKien", "MaVanDon", "TrangThai", "ThoiGian"],
        "properties": {
            "MaSuKien": {"type": "string", "minLength": 1, "maxLength": 100},
            "MaVanDon": {"type": "string", "minLength": 1, "maxLength": 40},
            "MaDonHang": {"type": "string", "maxLength": 80},
            "TrangThai": {"enum": sorted(STATUSES)},
            "ThoiGian": {"type": "string", "minLength": 10},
            "GhiChu": {"type": "string", "maxLength": 500},
        },
    },
}


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name])


def validate(name: str, data: Any) -> list[str]:
    """Messages for what `data` breaks in schema `name` (empty: valid)."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '$'}: {e.message}"
        for e in _validator(name).iter_errors(data)
    ]


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for `body` (the operator's side; tests and simulator)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("time without an offset")
    return moment


def to_event(data: dict[str, Any]) -> base.Event:
    """A valid SuKien in Motcua's words (raises ValueError on an unreadable time)."""
    return base.Event(
        event_id=data["MaSuKien"],
        tracking_number=data["MaVanDon"],
        kind=STATUSES[data["TrangThai"]],
        occurred_at=parse_time(data["ThoiGian"]),
        reference=data.get("MaDonHang", ""),
        note=data.get("GhiChu", ""),
        raw=data,
    )


def _party(party: base.Party) -> dict[str, Any]:
    body = {
        "HoTen": party.name,
        "DiaChi": party.address,
        "MaXa": party.commune_code,
        "TenXa": party.commune_name,
        "MaTinh": party.province_code,
        "TenTinh": party.province_name,
    }
    body = {k: v for k, v in body.items() if v}
    if party.phone:
        body["DienThoai"] = party.phone
    return body


class BuuDienOperator:  # implements base.PostalOperator
    name = "buudien"
    title = "Bưu điện (dịch vụ bưu chính công ích)"

    def __init__(
        self, base_url: str, customer_code: str, api_key: str, secret: str, timeout: float = 10
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.customer_code = customer_code
        self.api_key = api_key
        self.secret = secret
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> BuuDienOperator:
        return cls(
            settings.MOTCUA_POSTAL_URL,
            settings.MOTCUA_POSTAL_CUSTOMER_CODE,
            settings.MOTCUA_POSTAL_API_KEY,
            settings.MOTCUA_POSTAL_WEBHOOK_SECRET,
            settings.MOTCUA_POSTAL_TIMEOUT,
        )

    # calls ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if not self.base_url.startswith(("http://", "https://")):
            raise base.NotConfigured("MOTCUA_POSTAL_URL is not set")
        headers = {"X-Api-Key": self.api_key, **kwargs.pop("headers", {})}
        try:
            response = httpx.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except httpx.HTTPError as exc:
            raise base.OperatorError(f"{path}: {type(exc).__name__}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 300 or not isinstance(body, dict):
            message = body.get("message", "") if isinstance(body, dict) else response.text[:300]
            raise base.OperatorError(
                f"{path}: HTTP {response.status_code} {message}",
                status=response.status_code,
                refused=response.status_code in REFUSED,
            )
        return body

    def quote(self, sender_province: str, recipient: base.Party, weight_grams: int = 200):
        body = self._call(
            "GET",
            "/api/v1/quote",
            params={
                "MaKhachHang": self.customer_code,
                "MaTinhGui": sender_province,
                "MaTinhNhan": recipient.province_code,
                "MaXaNhan": recipient.commune_code,
                "KhoiLuong": weight_grams,
            },
        )
        errors = validate("BaoGia", body)
        if errors:
            raise base.OperatorError(f"quote: answer is not a BaoGia: {errors[:3]}")
        return base.Quote(body["CuocPhi"], body["DichVu"], body.get("ThoiGianDuKien", ""))

    def order_body(self, order: base.OrderRequest) -> dict[str, Any]:
        return {
            "MaKhachHang": self.customer_code,
            "MaDonHang": order.reference,
            "DichVu": SERVICE,
            "NguoiGui": _party(order.sender),
            "NguoiNhan": _party(order.recipient),
            "KhoiLuong": order.weight_grams,
            "NoiDung": order.content[:500],
        }

    def create_order(self, order: base.OrderRequest) -> base.CreatedOrder:
        body = self.order_body(order)
        errors = validate("DonHang", body)
        if errors:
            raise base.OperatorError(f"order: {'; '.join(errors[:5])}", refused=True)
        answer = self._call(
            "POST", "/api/v1/orders", json=body, headers={"Idempotency-Key": order.reference}
        )
        errors = validate("DonHangDaTao", answer)
        if errors:
            raise base.OperatorError(f"order: answer is not a DonHangDaTao: {errors[:3]}")
        return base.CreatedOrder(answer["MaVanDon"], answer["CuocPhi"])

    def track(self, tracking_number: str) -> list[base.Event]:
        body = self._call("GET", f"/api/v1/orders/{tracking_number}/events")
        events = []
        for item in body.get("SuKien") or []:
            if isinstance(item, dict) and not validate("SuKien", item):
                try:
                    events.append(to_event(item))
                except ValueError:
                    continue  # an unreadable time: the webhook copy, or the next poll
        return events

    # webhook -------------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[base.Event]:
        given = headers.get(SIGNATURE_HEADER, "")
        if not self.secret or not hmac.compare_digest(
            given.encode("utf-8", "replace"), sign(body, self.secret).encode()
        ):
            raise base.BadSignature()
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise base.BadPayload("Nội dung gửi lên không phải JSON.") from exc
        items = data.get("SuKien") if isinstance(data, dict) and "SuKien" in data else [data]
        if not isinstance(items, list) or not items:
            raise base.BadPayload("Không có sự kiện nào trong nội dung gửi lên.")
        events = []
        for item in items:
            errors = validate("SuKien", item)
            if errors:
                raise base.BadPayload("Sự kiện không đúng định dạng: " + "; ".join(errors[:3]))
            try:
                events.append(to_event(item))
            except ValueError as exc:
                raise base.BadPayload(f"Thời gian sự kiện không hợp lệ: {exc}") from exc
        return events
