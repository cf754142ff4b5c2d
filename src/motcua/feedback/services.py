"""Changes to ratings and feedback, one transaction each with its audit entry:

- recording what arrives from the national portal (once per external id) and attaching it
  to its dossier when that becomes known;
- the applicant's online rating of a returned dossier, and a rating at the desk's tablet
  (kiosk);
- a citizen's feedback (hỏi đáp, phản ánh, kiến nghị) from the portal; assigning it,
  answering it within its time limit (working days), publishing it with consent.

Every change that touches a dossier's ratings or complaints recounts the dossier's
satisfaction facts for the service index (`_tally`) in the same transaction, so each
dossier is counted once however many records arrive (docs/feedback.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from motcua.catalog.models import Agency, Officer
from motcua.core import audit
from motcua.core.calendar import calendar
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.core.text import clean_text
from motcua.dossiers import policy as dossier_policy
from motcua.dossiers.models import Dossier, Status
from motcua.feedback import outgoing, policy
from motcua.feedback.models import (
    COMPLAINT_KINDS,
    CRITERION_MAX,
    DEFAULT_LIMIT_DAYS,
    OPTIONAL_CRITERIA,
    RATING_CHANGE_DAYS,
    RATING_CRITERIA,
    DossierTally,
    Feedback,
    HandlingLimit,
    Kiosk,
    Rating,
    Source,
    is_satisfied,
)
from motcua.serviceindex import tracking

Actor = User | AnonymousUser | None
LOCAL_SOURCES = (Source.ONLINE, Source.COUNTER)
KIOSK_HOURS = 12
CONTENT_MAX = 4000


def find_dossier(code: str) -> Dossier | None:
    """The dossier a record names: by the national portal's code first (dossiers filed
    there), else by the local code (dossiers synced to the portal under it)."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Dossier.objects.filter(national_id=code).only("pk").first()
        or Dossier.objects.filter(code=code).only("pk").first()
    )


@dataclass
class RatingData:
    source: str
    received_at: dt.datetime
    dossier_code: str = ""
    external_id: str | None = None
    overall: int | None = None
    scores: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class FeedbackData:
    source: str
    kind: str
    content: str
    received_at: dt.datetime
    dossier_code: str = ""
    external_id: str | None = None
    submitter_name: str = ""
    submitter_contact: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _lock(dossier: Dossier | None) -> None:
    """Lock the dossier row first in every transaction that touches its ratings or
    feedback, before any row referencing it and before the audit chain's head: the same
    order as the dossier services, so two of them at once queue instead of deadlocking."""
    if dossier is not None:
        Dossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk").first()


def _scores(scores: dict[str, Any]) -> dict[str, int]:
    return {
        str(k): int(v)
        for k, v in scores.items()
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= CRITERION_MAX
    }


def _existing(model, source: str, external_id: str | None):
    if external_id is None:
        return None
    return model.objects.filter(source=source, external_id=external_id).first()


def record_rating(data: RatingData) -> tuple[Rating, bool]:
    """Store a rating once per (source, external id); seen again, it is only attached to
    its dossier if it was not yet. Returns (rating, created)."""
    existing = _existing(Rating, data.source, data.external_id)
    if existing is not None:
        _attach_one(existing)
        return existing, False
    try:
        with transaction.atomic():
            dossier = find_dossier(data.dossier_code)
            _lock(dossier)
            rating = Rating.objects.create(
                dossier=dossier,
                dossier_code=data.dossier_code.strip()[:64],
                source=data.source,
                scores=_scores(data.scores),
                overall=data.overall,
                comment=data.comment,
                received_at=data.received_at,
                external_id=data.external_id,
                raw=data.raw,
            )
            if dossier is not None:
                _tally(dossier)
            audit.record(
                "feedback.rating",
                "rating",
                rating.pk,
                data={
                    "source": data.source,
                    "external_id": data.external_id,
                    "dossier": dossier.code if dossier else None,
                    "overall": data.overall,
                },
            )
            return rating, True
    except IntegrityError:  # the same rating recorded at the same moment by another pull
        return Rating.objects.get(source=data.source, external_id=data.external_id), False


def record_feedback(data: FeedbackData) -> tuple[Feedback, bool]:
    """Store a question, report or proposal once per (source, external id)."""
    existing = _existing(Feedback, data.source, data.external_id)
    if existing is not None:
        _attach_one(existing)
        return existing, False
    try:
        with transaction.atomic():
            dossier = find_dossier(data.dossier_code)
            _lock(dossier)
            item = Feedback.objects.create(
                dossier=dossier,
                dossier_code=data.dossier_code.strip()[:64],
                source=data.source,
                kind=data.kind,
                content=data.content,
                submitter_name=data.submitter_name[:255],
                submitter_contact=data.submitter_contact[:300],
                received_at=data.received_at,
                external_id=data.external_id,
                raw=data.raw,
                # The dossier's agency answers; without one, a province-level desk assigns.
                agency_id=dossier.agency_id if dossier else None,
                due_at=due_for(data.kind, data.received_at),
            )
            if dossier is not None:
                _tally(dossier)
            audit.record(
                "feedback.received",
                "feedback",
                item.pk,
                data={
                    "source": data.source,
                    "kind": data.kind,
                    "external_id": data.external_id,
                    "dossier": dossier.code if dossier else None,
                },
            )
            return item, True
    except IntegrityError:
        return Feedback.objects.get(source=data.source, external_id=data.external_id), False


def _attach_one(row: Rating | Feedback) -> bool:
    if row.dossier_id is not None or not row.dossier_code:
        return False
    dossier = find_dossier(row.dossier_code)
    if dossier is None:
        return False
    with transaction.atomic():
        _lock(dossier)
        updated = type(row).objects.filter(pk=row.pk, dossier__isnull=True).update(dossier=dossier)
        if updated:
            if isinstance(row, Feedback):
                Feedback.objects.filter(pk=row.pk, agency__isnull=True).update(
                    agency_id=dossier.agency_id
                )
            _tally(dossier)
            audit.record(
                "feedback.attached",
                type(row)._meta.model_name,
                row.pk,
                data={"dossier": dossier.code},
            )
    row.dossier = dossier
    return bool(updated)


def attach_pending() -> int:
    """Attach every rating and feedback that names a dossier now known (a rating can arrive
    before the dossier it rates is taken from the portal). Returns how many were attached."""
    attached = 0
    for model in (Rating, Feedback):
        for row in model.objects.filter(dossier__isnull=True).exclude(dossier_code=""):
            attached += _attach_one(row)
    return attached


def unattached() -> tuple[int, int]:
    """Ratings and feedback naming a dossier the province does not know (for reports)."""
    pending = Q(dossier__isnull=True) & ~Q(dossier_code="")
    return Rating.objects.filter(pending).count(), Feedback.objects.filter(pending).count()


# --- the service index: each dossier counted once ----------------------------------------


def _tally(dossier: Dossier) -> None:
    """Bring the index's counters for this dossier in line with its ratings and complaints,
    in the caller's transaction. The dossier row is locked, so two records arriving at
    once for the same dossier count once. Rated: any rating; negative: any rating not
    satisfied (models.is_satisfied); complained: a phản ánh or kiến nghị about it, counted
    only while the dossier is not already negative (the index adds the two)."""
    # The dossier is already locked by the caller (first in its transaction); the counters
    # move before the audit entry is written, in the order of dossiers.services._record.
    _lock(dossier)
    tally, _ = DossierTally.objects.get_or_create(dossier_id=dossier.pk)
    ratings = list(Rating.objects.filter(dossier_id=dossier.pk).values_list("overall", "scores"))
    rated = bool(ratings)
    negative = any(not is_satisfied(overall, scores) for overall, scores in ratings)
    complained = (
        not negative
        and Feedback.objects.filter(dossier_id=dossier.pk, kind__in=COMPLAINT_KINDS).exists()
    )
    changed = False
    if rated and not tally.rated:
        tracking.record_rating(dossier, satisfied=not negative)
        tally.rated, tally.negative, changed = True, negative, True
    elif rated and tally.negative != negative:
        tracking.adjust_satisfaction(dossier, rated_negative=1 if negative else -1)
        tally.negative, changed = negative, True
    if complained != tally.complained:
        if complained:
            tracking.record_complaint(dossier)
        else:  # now covered by a negative rating: the dossier stays counted once
            tracking.adjust_satisfaction(dossier, complained=-1)
        tally.complained, changed = complained, True
    if changed:
        tally.save()


# --- ratings given in the province ---------------------------------------------------------


def clean_scores(raw: dict[str, Any]) -> dict[str, int]:
    """The criteria scored on our forms: every listed criterion but the optional ones,
    each 0, 1 or 2; anything else is refused in Vietnamese."""
    scores: dict[str, int] = {}
    for code in RATING_CRITERIA:
        value = raw.get(code)
        if value in (None, ""):
            if code in OPTIONAL_CRITERIA:
                continue
            raise InvalidInput(
                f"Vui lòng chọn mức đánh giá cho tiêu chí “{RATING_CRITERIA[code]}”.",
                code="criterion_missing",
                criterion=code,
            )
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if isinstance(value, bool) or not 0 <= number <= CRITERION_MAX:
            raise InvalidInput(
                f"Mức đánh giá của tiêu chí “{RATING_CRITERIA[code]}” không hợp lệ.",
                code="criterion_invalid",
                criterion=code,
            )
        scores[code] = number
    return scores


def _comment(value: str) -> str:
    text = clean_text(value or "", multiline=True)
    if len(text) > CONTENT_MAX:
        raise InvalidInput(f"Nhận xét tối đa {CONTENT_MAX} ký tự.", code="comment_too_long")
    return text


def _require_returned(dossier: Dossier) -> None:
    if dossier.status != Status.RETURNED:
        raise IllegalTransition(
            f"Hồ sơ {dossier.code} chưa được trả kết quả: chỉ đánh giá mức độ hài lòng sau "
            "khi nhận kết quả."
        )


def rate_online(
    dossier: Dossier, user: Actor, raw_scores: dict[str, Any], comment: str = ""
) -> tuple[Rating, bool]:
    """The applicant rates their returned dossier on the portal; they may change it within
    RATING_CHANGE_DAYS. Returns (rating, created)."""
    if dossier_policy.officer_of(user) is not None or not dossier_policy.is_owner(user, dossier):
        raise NotAllowed("Chỉ người nộp hồ sơ được đánh giá mức độ hài lòng của hồ sơ này.")
    scores = clean_scores(raw_scores)
    text = _comment(comment)
    now = timezone.now()
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        _require_returned(dossier)
        rating = Rating.objects.filter(dossier=dossier, source__in=LOCAL_SOURCES).first()
        if rating is not None:
            if rating.source != Source.ONLINE or rating.author_id != user.pk:
                raise IllegalTransition(f"Hồ sơ {dossier.code} đã được đánh giá tại quầy.")
            if now > rating.received_at + dt.timedelta(days=RATING_CHANGE_DAYS):
                raise IllegalTransition(
                    f"Đánh giá chỉ được sửa trong {RATING_CHANGE_DAYS} ngày kể từ khi gửi."
                )
            rating.scores, rating.comment, rating.changed_at = scores, text, now
            rating.revision += 1
            rating.save(update_fields=["scores", "comment", "changed_at", "revision"])
            created = False
        else:
            rating = Rating.objects.create(
                dossier=dossier,
                dossier_code=dossier.code,
                source=Source.ONLINE,
                scores=scores,
                comment=text,
                received_at=now,
                author=user,
            )
            created = True
        _tally(dossier)
        outgoing.rating_given(rating)
        audit.record(
            "feedback.rating" if created else "feedback.rating_changed",
            "rating",
            rating.pk,
            actor=user,
            data={"source": Source.ONLINE, "dossier": dossier.code, "scores": scores},
        )
    return rating, created


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_kiosk(user: Actor) -> tuple[Kiosk, str]:
    """A desk officer turns a tablet into a rating kiosk of their agency. Returns the kiosk
    and its secret (kept only in the tablet's cookie; the database holds its hash)."""
    if not policy.may_open_kiosk(user):
        raise NotAllowed("Chỉ cán bộ một cửa hoặc lãnh đạo được mở màn hình đánh giá tại quầy.")
    officer = dossier_policy.officer_of(user)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        kiosk = Kiosk.objects.create(
            agency_id=officer.agency_id,
            opened_by=user,
            token_hash=_token_hash(token),
            expires_at=timezone.now() + dt.timedelta(hours=KIOSK_HOURS),
        )
        audit.record("feedback.kiosk_opened", "kiosk", kiosk.pk, actor=user)
    return kiosk, token


def kiosk_for(token: str | None) -> Kiosk | None:
    """The open kiosk this secret belongs to, or None (unknown, closed or expired)."""
    if not token or len(token) > 100:
        return None
    return (
        Kiosk.objects.select_related("agency")
        .filter(token_hash=_token_hash(token), closed_at=None, expires_at__gt=timezone.now())
        .first()
    )


def close_kiosk(kiosk: Kiosk) -> None:
    with transaction.atomic():
        if Kiosk.objects.filter(pk=kiosk.pk, closed_at=None).update(closed_at=timezone.now()):
            audit.record("feedback.kiosk_closed", "kiosk", kiosk.pk)


def rate_at_counter(
    kiosk: Kiosk, code: str, raw_scores: dict[str, Any], comment: str = ""
) -> Rating:
    """A citizen rates at the desk's tablet, without an account: only a dossier of the
    kiosk's agency, returned, and not yet rated in the province."""
    scores = clean_scores(raw_scores)
    text = _comment(comment)
    code = clean_text(code or "")[:64]
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update().filter(code=code, agency_id=kiosk.agency_id).first()
        )
        if dossier is None:
            raise InvalidInput(
                f"Không tìm thấy hồ sơ {code} của cơ quan này. Vui lòng kiểm tra mã hồ sơ "
                "trên giấy tiếp nhận.",
                code="dossier_not_found",
            )
        _require_returned(dossier)
        if Rating.objects.filter(dossier=dossier, source__in=LOCAL_SOURCES).exists():
            raise IllegalTransition(f"Hồ sơ {dossier.code} đã được đánh giá. Xin cảm ơn.")
        rating = Rating.objects.create(
            dossier=dossier,
            dossier_code=dossier.code,
            source=Source.COUNTER,
            scores=scores,
            comment=text,
            kiosk=kiosk,
        )
        _tally(dossier)
        outgoing.rating_given(rating)
        audit.record(
            "feedback.rating",
            "rating",
            rating.pk,
            actor=f"kiosk:{kiosk.pk}",
            data={"source": Source.COUNTER, "dossier": dossier.code, "scores": scores},
        )
    return rating


# --- feedback: received, assigned, answered, published -------------------------------------


def limit_days(kind: str) -> int:
    row = HandlingLimit.objects.filter(kind=kind).values_list("working_days", flat=True).first()
    return row or DEFAULT_LIMIT_DAYS


def due_for(kind: str, received_at: dt.datetime) -> dt.datetime:
    """The answer's due time: the kind's limit in working days (core.calendar: weekends,
    holidays and make-up days) counted from receipt."""
    return calendar().add_days(received_at, limit_days(kind))


@dataclass
class Submission:
    kind: str
    content: str
    name: str
    contact: str
    consent_publish: bool = False
    dossier_code: str = ""
    agency_id: int | None = None


def submit_feedback(user: Actor, data: Submission) -> Feedback:
    """A citizen's question, report or proposal from the portal, about one of their own
    dossiers (answered by its agency) or about an agency's work in general."""
    if user is None or not user.is_authenticated or dossier_policy.officer_of(user) is not None:
        raise NotAllowed("Vui lòng đăng nhập bằng tài khoản công dân để gửi phản ánh, kiến nghị.")
    if data.kind not in Feedback.Kind.values:
        raise InvalidInput("Loại phản ánh, kiến nghị không hợp lệ.", code="invalid_kind")
    content = clean_text(data.content or "", multiline=True)
    if len(content) < 10:
        raise InvalidInput("Vui lòng nêu rõ nội dung (ít nhất 10 ký tự).", code="content_short")
    if len(content) > CONTENT_MAX:
        raise InvalidInput(f"Nội dung tối đa {CONTENT_MAX} ký tự.", code="content_long")
    name = clean_text(data.name or "")[:255]
    contact = clean_text(data.contact or "")[:300]
    if not name or not contact:
        raise InvalidInput(
            "Vui lòng cho biết họ tên và số điện thoại hoặc thư điện tử để nhận trả lời.",
            code="contact_missing",
        )
    dossier = None
    code = clean_text(data.dossier_code or "")[:64]
    if code:
        dossier = Dossier.objects.filter(code=code, applicant=user).first()
        if dossier is None:
            raise InvalidInput(
                f"Không tìm thấy hồ sơ {code} trong các hồ sơ của bạn.", code="dossier_not_found"
            )
        agency_id = dossier.agency_id
    else:
        agency_id = data.agency_id
        if not Agency.objects.filter(pk=agency_id or 0, is_active=True).exists():
            raise InvalidInput("Vui lòng chọn cơ quan tiếp nhận.", code="agency_missing")
    now = timezone.now()
    with transaction.atomic():
        _lock(dossier)
        item = Feedback.objects.create(
            dossier=dossier,
            dossier_code=dossier.code if dossier else "",
            source=Source.ONLINE,
            kind=data.kind,
            content=content,
            submitter_name=name,
            submitter_contact=contact,
            received_at=now,
            author=user,
            agency_id=agency_id,
            due_at=due_for(data.kind, now),
            consent_publish=bool(data.consent_publish),
        )
        if dossier is not None:
            _tally(dossier)
        audit.record(
            "feedback.received",
            "feedback",
            item.pk,
            actor=user,
            data={"source": Source.ONLINE, "kind": data.kind, "dossier": code or None},
        )
    return item


def _locked_item(item: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=item.pk)


def assign(
    item: Feedback, actor: Actor, *, agency: Agency | None = None, assignee: User | None = None
) -> Feedback:
    """Give the item to an agency (transfer) and/or to one of its officers."""
    with transaction.atomic():
        item = _locked_item(item)
        if not policy.can_assign(actor, item):
            raise NotAllowed("Bạn không có quyền phân công xử lý phản ánh, kiến nghị này.")
        target = agency.pk if agency is not None else item.agency_id
        if target is None:
            raise InvalidInput("Vui lòng chọn cơ quan xử lý.", code="agency_missing")
        if (
            assignee is not None
            and not Officer.objects.filter(user=assignee, agency_id=target).exists()
        ):
            raise InvalidInput(
                "Cán bộ được giao phải thuộc cơ quan xử lý.", code="assignee_not_in_agency"
            )
        if target == item.agency_id and assignee is None:
            raise InvalidInput("Vui lòng chọn cán bộ hoặc cơ quan khác.", code="nothing_to_assign")
        before = {"agency": item.agency_id, "assignee": item.assignee_id}
        item.agency_id = target
        item.assignee = assignee
        item.assigned_at = timezone.now()
        item.save(update_fields=["agency", "assignee", "assigned_at"])
        audit.record(
            "feedback.assigned",
            "feedback",
            item.pk,
            actor=actor,
            data={"before": before, "agency": target, "assignee": getattr(assignee, "pk", None)},
        )
    return item


def answer(item: Feedback, actor: Actor, text: str) -> Feedback:
    """Answer the item. On time = by its due time, counted in working days; the service
    index counts it (feedback answered, and on time) in the same transaction."""
    body = clean_text(text or "", multiline=True)
    if len(body) < 10:
        raise InvalidInput(
            "Vui lòng nhập nội dung trả lời (ít nhất 10 ký tự).", code="answer_short"
        )
    if len(body) > CONTENT_MAX:
        raise InvalidInput(f"Nội dung trả lời tối đa {CONTENT_MAX} ký tự.", code="answer_long")
    with transaction.atomic():
        item = _locked_item(item)
        if item.status != Feedback.Status.OPEN:
            raise IllegalTransition("Phản ánh, kiến nghị này đã được trả lời.")
        if not policy.can_answer(actor, item):
            raise NotAllowed("Bạn không có quyền trả lời phản ánh, kiến nghị này.")
        now = timezone.now()
        due = item.due_at or due_for(item.kind, item.received_at)
        if item.agency_id is None:  # answered by the province-level desk that holds it
            officer = dossier_policy.officer_of(actor)
            if officer is None:
                raise InvalidInput(
                    "Vui lòng phân công cơ quan xử lý trước khi trả lời.", code="agency_missing"
                )
            item.agency_id = officer.agency_id
        item.status = Feedback.Status.ANSWERED
        item.answer, item.answered_at, item.answered_by = body, now, actor
        item.due_at, item.on_time = due, now <= due
        item.save()
        tracking.record_feedback_answered(item.agency_id, item.received_at, on_time=item.on_time)
        outgoing.answered(item)
        audit.record(
            "feedback.answered",
            "feedback",
            item.pk,
            actor=actor,
            data={"on_time": item.on_time, "due_at": due.isoformat()},
        )
    return item


REDACTED = "[đã ẩn]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone and identity numbers: nine or more digits, maybe grouped by spaces, dots or dashes.
_NUMBER = re.compile(r"\+?\d(?:[\s.-]?\d){8,}")


def redact(text: str, names: list[str] = ()) -> str:
    """The text without e-mail addresses, phone and identity numbers, or the given names."""
    text = _EMAIL.sub(REDACTED, text)
    text = _NUMBER.sub(REDACTED, text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 3:
            text = re.sub(re.escape(name), REDACTED, text, flags=re.IGNORECASE)
    return text


def _personal_names(item: Feedback) -> list[str]:
    names = [item.submitter_name]
    if item.dossier_id:
        names.append(item.dossier.applicant_name)
    return names


def publish(item: Feedback, actor: Actor, question: str = "", answer_text: str = "") -> Feedback:
    """Show an answered item on the public questions page, only with the sender's consent
    and without personal data (whatever the officer typed is redacted again)."""
    with transaction.atomic():
        item = _locked_item(item)
        if not item.consent_publish:
            raise NotAllowed("Người gửi không đồng ý công khai nội dung này.")
        if not policy.can_publish(actor, item):
            raise NotAllowed("Bạn không có quyền công khai phản ánh, kiến nghị này.")
        names = _personal_names(item)
        q = redact(clean_text(question or item.content, multiline=True), names)
        a = redact(clean_text(answer_text or item.answer, multiline=True), names)
        if not q or not a:
            raise InvalidInput("Nội dung công khai không được để trống.", code="empty_public")
        item.public_question, item.public_answer = q, a
        item.published_at = timezone.now()
        item.save(update_fields=["public_question", "public_answer", "published_at"])
        outgoing.published(item)
        audit.record("feedback.published", "feedback", item.pk, actor=actor)
    return item


__all__ = [
    "FeedbackData",
    "RatingData",
    "Source",
    "Submission",
    "answer",
    "assign",
    "attach_pending",
    "close_kiosk",
    "due_for",
    "find_dossier",
    "kiosk_for",
    "open_kiosk",
    "publish",
    "rate_at_counter",
    "rate_online",
    "record_feedback",
    "record_rating",
    "redact",
    "submit_feedback",
]
