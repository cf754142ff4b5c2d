"""What citizens say about how their dossiers were handled: ratings (đánh giá mức độ hài
lòng) and questions, reports and proposals (hỏi đáp, phản ánh, kiến nghị).

Both come from several places (`source`): the National Public Service Portal (imported by
motcua.dvcqg.feedback), the province's own portal, or the desk. A record from another
system carries that system's id (`external_id`, unique per source), so importing it again
changes nothing. A record that names a dossier the province does not know is kept with
`dossier` empty and `dossier_code` as given, and attached when the dossier is found
(services.attach_pending); nothing is dropped.

The service index (QĐ 766) reads these: negative ratings and complaints lower satisfaction;
feedback answered within 15 working days counts for the feedback indicator. Handling
(answering) is done in services.py functions on top of these models.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The criteria a citizen scores on the national portal (after NĐ 61/2018 art. 32 and the
# evaluation form of TT 01/2018/TT-VPCP), each 0 (không đạt), 1 (đạt) or 2 (tốt). Codes are
# the portal's MaTieuChi; a province given a different list edits it here. Scores of codes
# not listed are kept as received.
RATING_CRITERIA: dict[str, str] = {
    "1": "Tổng thời gian giải quyết thủ tục hành chính so với thời gian quy định",
    "2": "Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ",
    "3": "Số cơ quan, tổ chức phải liên hệ để hoàn thiện hồ sơ",
    "4": "Thủ tục được thực hiện qua dịch vụ bưu chính công ích hoặc trực tuyến",
    "5": "Thủ tục hành chính được công khai đầy đủ, đúng quy định",
    "6": "Thái độ của cán bộ, công chức khi hướng dẫn, tiếp nhận và giải quyết hồ sơ",
    "7": "Kết quả giải quyết thủ tục hành chính đúng quy định và đầy đủ",
    "8": "Việc tiếp nhận, giải quyết ý kiến phản ánh, kiến nghị",
}
CRITERION_MAX = 2
# The levels of each criterion, as the evaluation form of TT 01/2018/TT-VPCP words them.
CRITERION_LEVELS: dict[int, str] = {2: "Tốt", 1: "Đạt", 0: "Không đạt"}
# Criteria a citizen may leave out on our forms: the last one is only about those who sent
# a report or proposal.
OPTIONAL_CRITERIA = frozenset({"8"})
# An overall score (1–5) at or below this is a negative rating (QĐ 766 satisfaction).
NEGATIVE_AT_MOST = 2
# The applicant may change their own online rating for this long after giving it; the
# dossier is still counted once (its verdict follows the change).
RATING_CHANGE_DAYS = 7


def is_satisfied(overall: int | None, scores: dict[str, int]) -> bool:
    """The rule that reduces a rating to "satisfied or not" for the service index: not
    satisfied when the overall score (national portal, 1–5) is at most NEGATIVE_AT_MOST or
    when any criterion is scored "Không đạt" (0); satisfied otherwise."""
    if overall is not None and overall <= NEGATIVE_AT_MOST:
        return False
    return all(v != 0 for v in scores.values())


class Source(models.TextChoices):
    DVCQG = "dvcqg", _("Cổng Dịch vụ công quốc gia")
    ONLINE = "online", _("Cổng dịch vụ công của tỉnh")
    COUNTER = "counter", _("Tại bộ phận một cửa")


class Rating(models.Model):
    """A citizen's rating of how one dossier was handled."""

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
    )
    # The dossier code as the source gave it (national MaHoSo or local code): kept so that a
    # rating received before its dossier is known can be attached later.
    dossier_code = models.CharField(_("mã hồ sơ đã nhận"), max_length=64, blank=True)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    # {MaTieuChi: 0..2} following RATING_CRITERIA.
    scores = models.JSONField(_("điểm theo tiêu chí"), default=dict, blank=True)
    overall = models.PositiveSmallIntegerField(_("điểm chung (1–5)"), null=True, blank=True)
    comment = models.TextField(_("nhận xét"), blank=True)
    received_at = models.DateTimeField(_("thời điểm đánh giá"), default=timezone.now)
    imported_at = models.DateTimeField(_("thời điểm nhận về"), auto_now_add=True)
    external_id = models.CharField(_("mã trên hệ thống nguồn"), max_length=64, null=True)
    raw = models.JSONField(_("bản ghi gốc"), default=dict, blank=True)
    # Given on the province's portal: the applicant's account; at the counter: the tablet.
    author = models.ForeignKey(
        "auth.User",
        verbose_name=_("người đánh giá"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kiosk = models.ForeignKey(
        "feedback.Kiosk",
        verbose_name=_("máy đánh giá tại quầy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
    )
    changed_at = models.DateTimeField(_("sửa lần cuối"), null=True, blank=True)
    # 1 when given, +1 per change: the national portal keeps the highest it has received,
    # so a late or repeated message cannot undo a change (feedback.outgoing).
    revision = models.PositiveIntegerField(_("lần sửa"), default=1)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("đánh giá của người dân")
        verbose_name_plural = _("đánh giá của người dân")
        constraints = [
            # NULL external ids (ratings given at the desk) are distinct.
            models.UniqueConstraint(
                fields=["source", "external_id"], name="feedback_rating_external"
            ),
            # One rating per dossier given in the province (portal or counter).
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(source__in=["online", "counter"]),
                name="feedback_rating_local_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["dossier_code"],
                condition=models.Q(dossier__isnull=True),
                name="feedback_rating_unattached",
            )
        ]

    def __str__(self) -> str:
        return self.external_id or f"đánh giá {self.pk}"

    @property
    def is_negative(self) -> bool:
        return not is_satisfied(self.overall, self.scores)


class Feedback(models.Model):
    """A question, report or proposal (hỏi đáp, phản ánh, kiến nghị), about a dossier or
    not, waiting for an answer."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Hỏi đáp")
        REPORT = "report", _("Phản ánh")
        PROPOSAL = "proposal", _("Kiến nghị")

    class Status(models.TextChoices):
        OPEN = "open", _("Chưa trả lời")
        ANSWERED = "answered", _("Đã trả lời")

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    dossier_code = models.CharField(_("mã hồ sơ đã nhận"), max_length=64, blank=True)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    content = models.TextField(_("nội dung"))
    submitter_name = models.CharField(_("người gửi"), max_length=255, blank=True)
    submitter_contact = models.CharField(
        _("liên hệ (điện thoại, thư điện tử)"), max_length=300, blank=True
    )
    received_at = models.DateTimeField(_("thời điểm gửi"), default=timezone.now)
    imported_at = models.DateTimeField(_("thời điểm nhận về"), auto_now_add=True)
    external_id = models.CharField(_("mã trên hệ thống nguồn"), max_length=64, null=True)
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    raw = models.JSONField(_("bản ghi gốc"), default=dict, blank=True)
    # Handling (NĐ 20/2008/NĐ-CP): who answers, by when, what, and whether it is public.
    author = models.ForeignKey(
        "auth.User",
        verbose_name=_("tài khoản gửi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        verbose_name=_("cơ quan xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        "auth.User",
        verbose_name=_("cán bộ được giao"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("thời điểm giao"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn trả lời"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("người trả lời"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_time = models.BooleanField(_("trả lời đúng hạn"), null=True, blank=True)
    consent_publish = models.BooleanField(_("đồng ý công khai"), default=False)
    published_at = models.DateTimeField(_("thời điểm công khai"), null=True, blank=True)
    public_question = models.TextField(_("câu hỏi công khai (đã bỏ thông tin cá nhân)"), blank=True)
    public_answer = models.TextField(_("trả lời công khai"), blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="feedback_feedback_external"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(status="open"),
                name="feedback_open",
            ),
            models.Index(
                fields=["dossier_code"],
                condition=models.Q(dossier__isnull=True),
                name="feedback_unattached",
            ),
            models.Index(
                fields=["-published_at"],
                condition=models.Q(published_at__isnull=False),
                name="feedback_published",
            ),
            models.Index(fields=["agency", "status", "due_at"], name="feedback_agency_queue"),
        ]

    def __str__(self) -> str:
        return self.external_id or f"{self.get_kind_display()} {self.pk}"

    @property
    def is_complaint(self) -> bool:
        """Phản ánh and kiến nghị count against satisfaction; a question does not."""
        return self.kind in COMPLAINT_KINDS

    def is_overdue(self, now) -> bool:
        return self.status == self.Status.OPEN and self.due_at is not None and now > self.due_at


COMPLAINT_KINDS = (Feedback.Kind.REPORT, Feedback.Kind.PROPOSAL)


class HandlingLimit(models.Model):
    """The time allowed to answer each kind of feedback, in working days (an administrator
    edits it when the rule changes). Shipped at 15 working days for every kind: the
    service index (QĐ 766) counts feedback answered within 15 working days."""

    kind = models.CharField(_("loại"), max_length=10, choices=Feedback.Kind.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("số ngày làm việc"))
    legal_source = models.CharField(_("căn cứ pháp lý"), max_length=300)

    class Meta:
        verbose_name = _("thời hạn trả lời phản ánh, kiến nghị")
        verbose_name_plural = _("thời hạn trả lời phản ánh, kiến nghị")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.working_days} ngày làm việc"


DEFAULT_LIMIT_DAYS = 15


class DossierTally(models.Model):
    """What the service index has been told about one dossier's satisfaction, so each fact
    is counted once however many ratings and complaints arrive: rated (and whether the
    verdict counted is negative), and a complaint counted (only when not already negative:
    the index adds the two)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    rated = models.BooleanField(default=False)
    negative = models.BooleanField(default=False)
    complained = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("số liệu hài lòng đã tính của hồ sơ")
        verbose_name_plural = _("số liệu hài lòng đã tính của hồ sơ")


class Kiosk(models.Model):
    """A tablet at the desk opened by an officer for citizens to rate: it holds only a
    secret (in a cookie), no account, and can rate only its agency's returned dossiers."""

    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("cán bộ mở")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    opened_at = models.DateTimeField(_("mở lúc"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("máy đánh giá tại quầy")
        verbose_name_plural = _("máy đánh giá tại quầy")

    def __str__(self) -> str:
        return f"Máy đánh giá {self.pk} ({self.opened_at:%d/%m/%Y})"
