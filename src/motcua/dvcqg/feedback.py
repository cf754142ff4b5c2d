"""Citizens' ratings (LayDanhGia) and questions, reports and proposals (LayHoiDap) from the
National Public Service Portal into motcua.feedback.

Each list is read after a stored cursor (FeedCursor, by SoThuTu) and every record is stored
once by its id on the portal (MaDanhGia, MaCauHoi), so reading again creates nothing; a
rating the province sent up itself (it carries MaDanhGiaMC) is never taken back. A
record is attached to its dossier by MaHoSo (the portal's dossier code, else the local
code); one whose dossier is not known is kept unattached and attached on a later pull
(feedback.services.attach_pending). A malformed record is never skipped: the cursor stops
before it, the pull reports it, and the next pull reads it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from motcua.core import text
from motcua.dvcqg import schemas
from motcua.dvcqg.client import DvcqgClient, DvcqgError
from motcua.dvcqg.models import FeedCursor
from motcua.feedback import services as feedback_services
from motcua.feedback.models import Feedback, Source

log = logging.getLogger(__name__)

RATINGS, QUESTIONS = "LayDanhGia", "LayHoiDap"
KIND = {1: Feedback.Kind.REPORT, 2: Feedback.Kind.PROPOSAL, 3: Feedback.Kind.QUESTION}


@dataclass
class FeedbackReport:
    ratings: list[str] = field(default_factory=list)  # new, by MaDanhGia
    feedback: list[str] = field(default_factory=list)  # new, by MaCauHoi
    seen: int = 0  # records already stored
    own: int = 0  # ratings the province gave and sent up itself (DongBoDanhGiaMC)
    unattached: list[str] = field(default_factory=list)  # new ones without a known dossier
    attached_later: int = 0
    invalid: list[str] = field(default_factory=list)
    stopped: str = ""

    def summary(self) -> str:
        line = (
            f"{len(self.ratings)} đánh giá mới, {len(self.feedback)} phản ánh, kiến nghị mới, "
            f"{self.seen} đã có, {len(self.unattached)} chưa gắn được hồ sơ, "
            f"{self.attached_later} được gắn hồ sơ, {len(self.invalid)} bản ghi sai định dạng"
        )
        if self.own:
            line += f", {self.own} đánh giá do tỉnh gửi lên (đã có)"
        return f"{line}; dừng: {self.stopped}" if self.stopped else line


def _text(value: Any, limit: int) -> str:
    return text.clean_text(str(value or ""))[:limit] if value is not None else ""


def rating_data(record: dict[str, Any]) -> feedback_services.RatingData:
    details = record.get("ChiTietDanhGia") or []
    return feedback_services.RatingData(
        source=Source.DVCQG,
        external_id=record["MaDanhGia"].strip(),
        dossier_code=record["MaHoSo"].strip(),
        overall=record["DiemDanhGia"],
        scores={str(d["MaTieuChi"]).strip(): d["Diem"] for d in details if isinstance(d, dict)},
        comment=str(record.get("NoiDung") or "").strip(),
        received_at=schemas.parse_datetime(record["NgayDanhGia"]),
        raw=record,
    )


def feedback_data(record: dict[str, Any]) -> feedback_services.FeedbackData:
    contact = ", ".join(
        v for v in (_text(record.get("SoDienThoai"), 20), _text(record.get("Email"), 254)) if v
    )
    return feedback_services.FeedbackData(
        source=Source.DVCQG,
        external_id=record["MaCauHoi"].strip(),
        kind=KIND[record.get("LoaiPhanAnh", 3)],
        content=str(record["NoiDung"]).strip(),
        dossier_code=str(record.get("MaHoSo") or "").strip(),
        submitter_name=_text(record.get("NguoiHoi"), 255),
        submitter_contact=contact,
        received_at=schemas.parse_datetime(record["NgayHoi"]),
        raw=record,
    )


LISTS = {
    RATINGS: ("DanhGia", "MaDanhGia", rating_data, feedback_services.record_rating),
    QUESTIONS: ("HoiDap", "MaCauHoi", feedback_data, feedback_services.record_feedback),
}


def _pull_list(client: DvcqgClient, service: str, report: FeedbackReport, from_start: bool) -> None:
    schema, key, convert, store = LISTS[service]
    cursor, _ = FeedCursor.objects.get_or_create(name=service)
    after = 0 if from_start else cursor.position
    try:
        answer = client.get(service, sau=after)
    except DvcqgError as exc:
        report.stopped = f"{service}: {exc}"
        return
    items, following = answer.get("data"), answer.get("sau")
    if not isinstance(items, list) or not isinstance(following, int):
        report.stopped = f"{service}: danh sách trả về không đúng định dạng"
        return
    reach = following
    for item in items:
        errors = schemas.validate(schema, item)
        if errors:
            ident = item.get(key) if isinstance(item, dict) else None
            report.invalid.append(f"{service} {ident or '?'}: {'; '.join(errors[:3])}")
            # Not past it: read again next time (position is before this record's).
            number = item.get("SoThuTu") if isinstance(item, dict) else None
            reach = min(reach, number - 1 if isinstance(number, int) else after)
            continue
        if service == RATINGS and item.get("MaDanhGiaMC"):
            # Given here and sent up (feedback.outgoing): stored here already, under its own
            # row; taking it again would count the dossier's rating twice.
            report.own += 1
            continue
        row, created = store(convert(item))
        if not created:
            report.seen += 1
            continue
        (report.ratings if service == RATINGS else report.feedback).append(row.external_id)
        if row.dossier_id is None:
            report.unattached.append(row.external_id)
    FeedCursor.objects.filter(pk=cursor.pk, position__lt=reach).update(
        position=reach, updated_at=timezone.now()
    )


def pull_feedback(client: DvcqgClient | None = None, *, from_start: bool = False):
    """Ratings, then questions; then attach earlier records whose dossier is now known."""
    client = client or DvcqgClient.from_settings()
    report = FeedbackReport()
    for service in (RATINGS, QUESTIONS):
        _pull_list(client, service, report, from_start)
    report.attached_later = feedback_services.attach_pending()
    return report


def scheduled_feedback() -> str:
    """The worker's job (core.apps.register_schedules)."""
    if not settings.MOTCUA_DVCQG_URL:
        return "MOTCUA_DVCQG_URL chưa được cấu hình"
    report = pull_feedback()
    if report.stopped or report.invalid:
        log.warning("DVCQG feedback pull: %s", report.summary())
    return report.summary()
