"""Intake of dossiers filed on the National Public Service Portal (DVCQG).

Both ways in end in `take(record)`: the scheduled pull (`pull`, `motcua dvcqg pull`) pages
through the portal's feed (LayDanhSachHoSo) from a stored cursor; the portal's push
(motcua.dvcqg.webhooks) hands one record. A record is mapped to the local procedure (by
national code) and the receiving agency (by identifier, MaDonVi), its attachments are
fetched and checked against their size and SHA-256 (MaBam), and the dossier is created by
dossiers.services.submit_national; then the portal is told (XacNhanHoSo).

The same national dossier never becomes two: Dossier.national_id is unique and a record
already taken is only acknowledged again. What cannot be mapped goes to QuarantinedRecord,
is not acknowledged, and waits for an administrator (retry after fixing the mapping, or
mark resolved). A portal that does not answer stops the batch without moving the cursor:
the next pull starts with the same page.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.catalog.models import Agency, Procedure
from motcua.core import audit, text
from motcua.core.problems import DomainError
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.dvcqg import schemas
from motcua.dvcqg.client import DvcqgClient, DvcqgError
from motcua.dvcqg.models import FeedCursor, QuarantinedRecord

log = logging.getLogger(__name__)

FEED = "LayDanhSachHoSo"
Reason = QuarantinedRecord.Reason
Source = QuarantinedRecord.Source


class PortalUnavailable(Exception):
    """The portal did not answer (transport failure, 5xx, throttled): try again later."""


@dataclass
class Outcome:
    status: str  # "taken", "duplicate" (taken before) or "quarantined"
    dossier: Dossier | None = None
    quarantined: QuarantinedRecord | None = None

    @property
    def detail(self) -> str:
        if self.quarantined is not None:
            return self.quarantined.reason
        return ""


@dataclass
class PullReport:
    pages: int = 0
    taken: list[str] = field(default_factory=list)  # national IDs
    duplicates: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)  # quarantine keys
    cursor: int = 0
    stopped: str = ""  # why the pull stopped before the end of the feed

    def summary(self) -> str:
        text_ = (
            f"{len(self.taken)} hồ sơ mới, {len(self.duplicates)} đã có, "
            f"{len(self.quarantined)} chờ xử lý; vị trí {self.cursor}"
        )
        return f"{text_}; dừng: {self.stopped}" if self.stopped else text_


class _Quarantine(Exception):
    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code
        self.reason = reason


# --- one record -----------------------------------------------------------------------


def take(
    record: Any,
    *,
    client: DvcqgClient | None = None,
    source: str = Source.PULL,
    acknowledged: set[str] | None = None,
) -> Outcome:
    """Turn one portal record into a dossier, once. Raises PortalUnavailable when the
    portal must be asked again later (nothing is recorded then)."""
    client = client or DvcqgClient.from_settings()
    national_id = national_id_of(record)
    if national_id:
        existing = Dossier.objects.filter(national_id=national_id).first()
        if existing is not None:
            _acknowledge(client, national_id, existing, acknowledged)
            _close_quarantine(national_id, existing)
            return Outcome("duplicate", existing)
    errors = schemas.validate("HoSoDVCQG", record)
    if errors and national_id:
        # The feed may have mangled it in transit: the portal's own copy may be whole.
        fresh = _fetch_one(client, national_id)
        if fresh is not None and not schemas.validate("HoSoDVCQG", fresh):
            record, errors = fresh, []
    try:
        if errors:
            raise _Quarantine(
                Reason.MALFORMED, "Bản ghi không đúng định dạng: " + "; ".join(errors[:5])
            )
        result = _create(record, client)
    except _Quarantine as exc:
        row = _quarantine(record, national_id, exc.reason_code, exc.reason, source)
        if not row.is_open and national_id:
            _acknowledge(client, national_id, row.dossier, acknowledged)  # resolved before
        return Outcome("quarantined", quarantined=row)
    _acknowledge(client, national_id, result.dossier, acknowledged)
    _close_quarantine(national_id, result.dossier)
    return Outcome("taken" if result.created else "duplicate", result.dossier)


def national_id_of(record: Any) -> str:
    code = record.get("MaHoSo") if isinstance(record, dict) else None
    if not isinstance(code, str):
        return ""
    code = code.strip()
    return code if 0 < len(code) <= 64 and code.isprintable() else ""


def _procedure_for(code: str) -> Procedure | None:
    """By national code; a procedure without one is mapped by its own code."""
    return (
        Procedure.objects.filter(national_code=code).first()
        or Procedure.objects.filter(national_code="", code=code).first()
    )


def _create(record: dict[str, Any], client: DvcqgClient) -> dossier_services.SubmitResult:
    procedure = _procedure_for(record["MaTTHC"])
    if procedure is None:
        raise _Quarantine(
            Reason.UNKNOWN_PROCEDURE,
            f"Không có thủ tục nào mang mã quốc gia {record['MaTTHC']}"
            f" ({record.get('TenTTHC') or 'không rõ tên'}): cần điền mã thủ tục quốc gia "
            "cho thủ tục tương ứng rồi thử lại.",
        )
    agency = Agency.objects.filter(identifier=record["MaDonVi"]).first()
    if agency is None:
        raise _Quarantine(
            Reason.UNKNOWN_UNIT,
            f"Không có cơ quan nào mang mã định danh {record['MaDonVi']}"
            f" ({record.get('TenDonVi') or 'không rõ tên'}).",
        )
    owner = record["ChuHoSo"]
    applicant = dossier_services.ApplicantData(
        name=text.clean_text(owner["HoTen"])[:200],
        id_number=owner["SoDinhDanh"],
        phone=text.clean_text(str(owner.get("SoDienThoai") or ""))[:20],
        email=_email(owner.get("Email")),
        address=text.clean_text(str(owner.get("DiaChi") or ""))[:300],
    )
    uploads = _attachments(record, procedure, client)
    try:
        return dossier_services.submit_national(
            national_id=record["MaHoSo"].strip(),
            procedure=procedure,
            agency=agency,
            applicant=applicant,
            uploads=uploads,
            subject=text.clean_text(str(record.get("TrichYeuHoSo") or ""))[:500],
            submitted_at=schemas.parse_datetime(record["NgayNopHoSo"]),
            return_method=record.get("HinhThucNhanKetQua"),
        )
    except DomainError as exc:
        # Inactive procedure, unit that does not do it, a file of a refused type...
        raise _Quarantine(Reason.REFUSED, exc.message) from exc


def _email(value: Any) -> str:
    value = str(value or "").strip()[:254]
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _attachments(
    record: dict[str, Any], procedure: Procedure, client: DvcqgClient
) -> list[dossier_services.Upload]:
    components = {c.name.casefold(): c.pk for c in procedure.components.all()}
    limit = settings.MOTCUA_MAX_ATTACHMENT_BYTES
    uploads = []
    for item in record["TaiLieuNop"]:
        if item.get("IsDeleted"):
            continue
        name = str(item["TenTepDinhKem"])
        size, digest = item.get("KichThuoc"), item.get("MaBam")
        if not isinstance(digest, str) or not isinstance(size, int):
            raise _Quarantine(
                Reason.ATTACHMENT, f"Tệp “{name}” thiếu kích thước hoặc mã băm (MaBam)."
            )
        if size > limit:
            raise _Quarantine(
                Reason.ATTACHMENT,
                f"Tệp “{name}” dung lượng {size / 1048576:.1f} MB, vượt giới hạn "
                f"{limit / 1048576:.0f} MB.",
            )
        data = _download(client, record["MaHoSo"], item, name)
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            raise _Quarantine(
                Reason.ATTACHMENT,
                f"Tệp “{name}” tải về không khớp kích thước hoặc mã băm (MaBam) Cổng đã gửi.",
            )
        component = components.get(str(item.get("TenThanhPhanHoSo") or "").casefold())
        uploads.append(dossier_services.Upload(ContentFile(data, name=name), component))
    return uploads


def _download(client: DvcqgClient, national_id: str, item: dict[str, Any], name: str) -> bytes:
    link = str(item.get("DuongDanTaiTepTin") or "")
    if link.startswith(("http://", "https://")) and not link.startswith(client.base_url + "/"):
        raise _Quarantine(
            Reason.ATTACHMENT, f"Đường dẫn tải tệp “{name}” không thuộc Cổng Dịch vụ công."
        )
    if not link:
        link = (
            f"/api/LayTepDinhKem?MaHoSo={_q(national_id)}&TepDinhKemId={_q(item['TepDinhKemId'])}"
        )
    try:
        return client.download(link)
    except DvcqgError as exc:
        if exc.retryable:
            raise PortalUnavailable(str(exc)) from exc
        raise _Quarantine(
            Reason.ATTACHMENT, f"Không tải được tệp “{name}” từ Cổng (mã {exc.status})."
        ) from exc


def _q(value: Any) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _fetch_one(client: DvcqgClient, national_id: str) -> dict[str, Any] | None:
    try:
        answer = client.get("LayHoSo", MaHoSo=national_id)
    except DvcqgError as exc:
        if exc.retryable:
            raise PortalUnavailable(str(exc)) from exc
        return None
    data = answer.get("data")
    return data if isinstance(data, dict) else None


def _acknowledge(
    client: DvcqgClient,
    national_id: str,
    dossier: Dossier | None,
    acknowledged: set[str] | None = None,
) -> None:
    """XacNhanHoSo: the portal stops offering the record. When the portal does not answer,
    the batch stops before the cursor moves, so the record comes again and is
    acknowledged then (as a duplicate)."""
    if acknowledged is not None and national_id in acknowledged:
        return
    payload = {"MaHoSo": national_id}
    if dossier is not None:
        payload["MaHoSoTinh"] = dossier.code
    try:
        client.call("XacNhanHoSo", payload)
    except DvcqgError as exc:
        if exc.retryable:
            raise PortalUnavailable(str(exc)) from exc
        log.warning("XacNhanHoSo %s refused: %s", national_id, exc)
        return
    if acknowledged is not None:
        acknowledged.add(national_id)


# --- quarantine -----------------------------------------------------------------------


def _key(record: Any, national_id: str) -> str:
    if national_id:
        return national_id
    raw = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _text_field(record: Any, name: str) -> str:
    value = record.get(name) if isinstance(record, dict) else None
    return value[:64] if isinstance(value, str) else ""


def _storable(record: Any) -> Any:
    """The record as JSON can hold it (lone surrogates and the like replaced)."""
    raw = json.dumps(record, ensure_ascii=False, default=str)
    return json.loads(raw.encode("utf-8", "replace").decode("utf-8"))


def _quarantine(
    record: Any, national_id: str, reason_code: str, reason: str, source: str
) -> QuarantinedRecord:
    """Record (or count again) a record that could not be taken."""
    key = _key(record, national_id)
    now = timezone.now()
    fields = {
        "national_id": national_id,
        "procedure_code": _text_field(record, "MaTTHC"),
        "unit_code": _text_field(record, "MaDonVi"),
        "reason_code": reason_code,
        "reason": reason,
        "raw": _storable(record),
        "last_seen": now,
    }
    for _attempt in (1, 2):
        try:
            with transaction.atomic():
                row = QuarantinedRecord.objects.select_for_update().filter(key=key).first()
                if row is None:
                    row = QuarantinedRecord.objects.create(
                        key=key, source=source, first_seen=now, **fields
                    )
                    audit.record(
                        "dvcqg.quarantine",
                        "dvcqg_record",
                        key,
                        data={"reason": reason_code, "source": source},
                    )
                    return row
                if row.is_open:
                    for name, value in fields.items():
                        setattr(row, name, value)
                else:
                    row.last_seen = now  # resolved: only counted
                row.count += 1
                row.save()
                return row
        except IntegrityError:
            continue  # the same record quarantined at the same moment by the other way in
    raise RuntimeError(f"quarantine of {key} kept colliding")


def _close_quarantine(national_id: str, dossier: Dossier | None, user=None) -> None:
    if not national_id:
        return
    with transaction.atomic():
        rows = QuarantinedRecord.objects.select_for_update().filter(
            key=national_id, resolved_at__isnull=True
        )
        for row in rows:
            row.resolved_at = timezone.now()
            row.resolved_by = user
            row.dossier = dossier
            row.resolution = f"Đã tiếp nhận thành hồ sơ {dossier.code}" if dossier else ""
            row.save()
            audit.record(
                "dvcqg.quarantine_taken",
                "dvcqg_record",
                row.key,
                actor=user,
                data={"dossier": dossier.code if dossier else ""},
            )


def retry(row: QuarantinedRecord, user=None, client: DvcqgClient | None = None) -> Outcome:
    """Try a quarantined record again (after the administrator fixed the mapping): the
    portal's current copy when it has a MaHoSo, else the record as it was kept."""
    client = client or DvcqgClient.from_settings()
    record = row.raw
    if row.national_id:
        record = _fetch_one(client, row.national_id) or row.raw
    outcome = take(record, client=client, source=row.source)
    if outcome.dossier is not None and row.key != row.national_id:
        _resolve_row(row, user, f"Đã tiếp nhận thành hồ sơ {outcome.dossier.code}")
    if user is not None and outcome.dossier is not None:
        QuarantinedRecord.objects.filter(pk=row.pk, resolved_by__isnull=True).update(
            resolved_by=user
        )
    return outcome


def resolve(
    row: QuarantinedRecord, user, note: str = "", client: DvcqgClient | None = None
) -> None:
    """The administrator dealt with the record another way: closed, and acknowledged to
    the portal so that it stops offering it."""
    note = text.clean_text(note or "") or "Quản trị viên đánh dấu đã xử lý"
    if row.national_id:
        _acknowledge(client or DvcqgClient.from_settings(), row.national_id, row.dossier)
    _resolve_row(row, user, note[:200])


def _resolve_row(row: QuarantinedRecord, user, note: str) -> None:
    with transaction.atomic():
        row = QuarantinedRecord.objects.select_for_update().get(pk=row.pk)
        if row.resolved_at is not None:
            return
        row.resolved_at = timezone.now()
        row.resolved_by = user if user is not None and user.is_authenticated else None
        row.resolution = note
        row.save()
        audit.record(
            "dvcqg.quarantine_resolved",
            "dvcqg_record",
            row.key,
            actor=row.resolved_by,
            data={"note": note},
        )


# --- the feed -------------------------------------------------------------------------


def pull(
    client: DvcqgClient | None = None,
    *,
    from_start: bool = False,
    page_size: int | None = None,
    max_pages: int = 1000,
) -> PullReport:
    """Take every record of the portal's feed after the stored cursor. The cursor moves
    after each whole page; a portal that stops answering ends the pull (report.stopped)
    with the cursor where the unfinished page begins."""
    client = client or DvcqgClient.from_settings()
    size = page_size or settings.MOTCUA_DVCQG_PULL_PAGE
    cursor, _ = FeedCursor.objects.get_or_create(name=FEED)
    after = 0 if from_start else cursor.position
    report = PullReport(cursor=after)
    acknowledged: set[str] = set()
    for _page in range(max_pages):
        try:
            answer = client.get(FEED, sau=after, so_luong=size)
        except DvcqgError as exc:
            report.stopped = str(exc)
            break
        items = answer.get("data")
        following = answer.get("sau")
        if not isinstance(items, list) or not isinstance(following, int):
            report.stopped = "trang trả về không đúng định dạng"
            break
        report.pages += 1
        try:
            for item in items:
                outcome = take(item, client=client, acknowledged=acknowledged)
                _count(report, outcome)
        except PortalUnavailable as exc:
            report.stopped = str(exc)
            break
        if following <= after:
            break  # no progress: the end of the feed
        after = report.cursor = following
        # Never backwards: a rescan from the start leaves a cursor that is further on.
        FeedCursor.objects.filter(pk=cursor.pk, position__lt=after).update(
            position=after, updated_at=timezone.now()
        )
        if not answer.get("con_nua"):
            break
    return report


def _count(report: PullReport, outcome: Outcome) -> None:
    if outcome.status == "quarantined":
        if outcome.quarantined.key not in report.quarantined:
            report.quarantined.append(outcome.quarantined.key)
        return
    national_id = outcome.dossier.national_id
    if outcome.status == "taken":
        report.taken.append(national_id)
    elif national_id not in report.taken and national_id not in report.duplicates:
        report.duplicates.append(national_id)


def scheduled_pull() -> str:
    """The worker's job (core.apps.register_schedules): nothing when the portal is not
    configured."""
    if not settings.MOTCUA_DVCQG_URL:
        return "MOTCUA_DVCQG_URL chưa được cấu hình"
    report = pull()
    if report.stopped:
        log.warning("DVCQG pull stopped: %s", report.stopped)
    return report.summary()
