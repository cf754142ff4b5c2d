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
# An overall score (1–5) at or below this is a negative rating (QĐ 766 satisfaction).
NEGATIVE_AT_MOST = 2


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

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("đánh giá của người dân")
        verbose_name_plural = _("đánh giá của người dân")
        constraints = [
            # NULL external ids (ratings given at the desk) are distinct.
            models.UniqueConstraint(
                fields=["source", "external_id"], name="feedback_rating_external"
            )
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
        return self.overall is not None and self.overall <= NEGATIVE_AT_MOST


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
        ]

    def __str__(self) -> str:
        return self.external_id or f"{self.get_kind_display()} {self.pk}"
