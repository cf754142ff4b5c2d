"""Catalogue sync: the national procedure catalogue (LayDanhSachTTHC) into the local one.

Every version of every national procedure is stored once (catalog.NationalProcedureVersion,
by MaTTHC + PhienBan). The version in force of a procedure the province has, when it
differs from the local procedure, waits as a pending change with a field-by-field diff; an
administrator accepts it (catalog.services.accept_national_version: the procedure changes
and a new ProcedureVersion becomes current, dossiers already filed keep theirs) or rejects
it in the admin. Pulling the same catalogue again creates nothing.

This module knows the wire (motcua.dvcqg.schemas); the catalogue app only sees its own
terms (catalog.services.SYNC_FIELDS).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from motcua.catalog import services as catalog_services
from motcua.catalog.models import NationalProcedureVersion, TimeLimitKind
from motcua.dvcqg import schemas
from motcua.dvcqg.client import DvcqgClient, DvcqgError

log = logging.getLogger(__name__)

SERVICE = "LayDanhSachTTHC"
FEE = 1  # LoaiPhiLePhi: 1 phí, 2 lệ phí


@dataclass
class CatalogueReport:
    received: int = 0
    new: list[str] = field(default_factory=list)  # "MaTTHC v<PhienBan>"
    pending: list[str] = field(default_factory=list)  # new pending changes
    invalid: list[str] = field(default_factory=list)  # "where: why"
    stopped: str = ""

    def summary(self) -> str:
        text = (
            f"{self.received} phiên bản thủ tục nhận được, {len(self.new)} phiên bản mới, "
            f"{len(self.pending)} thay đổi chờ duyệt, {len(self.invalid)} bản ghi sai định dạng"
        )
        return f"{text}; dừng: {self.stopped}" if self.stopped else text


def catalog_data(record: dict[str, Any]) -> dict[str, Any]:
    """A ThuTuc record in the catalogue's terms; fields the record lacks are left out, so
    they are neither compared nor applied."""
    data: dict[str, Any] = {"name": record["TenTTHC"].strip()}
    if "ThoiHanGiaiQuyet" in record:
        days = Decimal(str(record["ThoiHanGiaiQuyet"]))
        if days == 0:  # the portal writes "trong ngày" as 0 days
            data["time_limit_kind"] = TimeLimitKind.IN_DAY.value
        else:
            data["time_limit_kind"] = TimeLimitKind.WORKING_DAYS.value
            data["processing_days"] = format(days.normalize(), "f")
    if isinstance(record.get("PhiLePhi"), list):
        fees = [f for f in record["PhiLePhi"] if isinstance(f, dict)]
        data["fee_vnd"] = sum(int(f["Gia"]) for f in fees if f.get("LoaiPhiLePhi") == FEE)
        data["charge_vnd"] = sum(int(f["Gia"]) for f in fees if f.get("LoaiPhiLePhi") != FEE)
    if isinstance(record.get("CanCuPhapLy"), str):
        data["legal_basis"] = record["CanCuPhapLy"].strip()
    if isinstance(record.get("KetQuaThucHien"), str):
        data["result_type"] = record["KetQuaThucHien"].strip()
    if isinstance(record.get("ThanhPhanHoSo"), list):
        data["components"] = [
            {
                "name": str(c["TenThanhPhanHoSo"]).strip(),
                "copies": int(c.get("SoLuong", 1)),
                "required": bool(c.get("BatBuoc", 1)),
            }
            for c in record["ThanhPhanHoSo"]
            if isinstance(c, dict)
        ]
    return data


def take(record: Any, report: CatalogueReport) -> NationalProcedureVersion | None:
    """Store one catalogue record (a malformed one is reported, not stored: the portal's
    next answer brings it again)."""
    report.received += 1
    errors = schemas.validate("ThuTuc", record)
    if not errors:
        try:
            data = catalog_data(record)
        except (InvalidOperation, ValueError, TypeError) as exc:
            errors = [f"$: {exc}"]
    if errors:
        code = record.get("MaTTHC") if isinstance(record, dict) else None
        report.invalid.append(f"{code or '?'}: {'; '.join(errors[:3])}")
        return None
    row, created = catalog_services.record_national_version(
        national_code=record["MaTTHC"].strip(),
        version=record["PhienBan"],
        name=record["TenTTHC"],
        effective_from=schemas.parse_date(record["NgayHieuLuc"]),
        effective_until=(
            schemas.parse_date(record["NgayHetHieuLuc"]) if record.get("NgayHetHieuLuc") else None
        ),
        data=data,
        raw=record,
    )
    label = f"{row.national_code} v{row.version}"
    if created:
        report.new.append(label)
        if row.state == NationalProcedureVersion.State.PENDING:
            report.pending.append(label)
    return row


def pull_catalogue(client: DvcqgClient | None = None, **filters: str) -> CatalogueReport:
    """Every version of the national catalogue (or those `filters` select: MaTTHC,
    hieu_luc) into catalog.NationalProcedureVersion."""
    client = client or DvcqgClient.from_settings()
    report = CatalogueReport()
    try:
        answer = client.get(SERVICE, **filters)
    except DvcqgError as exc:
        report.stopped = str(exc)
        return report
    items = answer.get("data")
    if not isinstance(items, list):
        report.stopped = "danh mục trả về không đúng định dạng"
        return report
    # Older versions first, so that a version's successor is known when it is judged.
    items.sort(key=_order)
    for item in items:
        take(item, report)
    return report


def _order(item: Any) -> tuple[str, int]:
    if not isinstance(item, dict):
        return ("", 0)
    version = item.get("PhienBan")
    return (str(item.get("MaTTHC", "")), version if isinstance(version, int) else 0)


def scheduled_catalogue() -> str:
    """The worker's daily job (core.apps.register_schedules)."""
    if not settings.MOTCUA_DVCQG_URL:
        return "MOTCUA_DVCQG_URL chưa được cấu hình"
    report = pull_catalogue()
    if report.stopped:
        log.warning("DVCQG catalogue pull stopped: %s", report.stopped)
    return report.summary()
