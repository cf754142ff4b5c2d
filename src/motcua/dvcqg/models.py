"""What the intake of dossiers filed on the National Public Service Portal keeps: where it
is in the portal's feed, and the records it could not take (quarantine)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FeedCursor(models.Model):
    """The last position (SoThuTu) of a feed fully taken: the next pull asks for what comes
    after it. Moved only once a whole page is handled, so a pull stopped halfway (a crash,
    the portal down) fetches that page again; the unique national_id makes that harmless."""

    name = models.CharField(max_length=64, unique=True, verbose_name=_("tên"))
    position = models.BigIntegerField(default=0, verbose_name=_("vị trí"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("cập nhật lúc"))

    class Meta:
        verbose_name = _("vị trí đọc danh sách hồ sơ")
        verbose_name_plural = _("vị trí đọc danh sách hồ sơ")

    def __str__(self) -> str:
        return f"{self.name}: {self.position}"


class QuarantinedRecord(models.Model):
    """A record from the portal that could not become a dossier (unknown procedure or unit,
    an attachment whose hash does not match, a malformed record). Kept whole; never
    acknowledged to the portal until an administrator retries it (after fixing the
    mapping) and it is taken, or marks it resolved."""

    class Reason(models.TextChoices):
        MALFORMED = "malformed", _("Bản ghi sai định dạng")
        UNKNOWN_PROCEDURE = "unknown_procedure", _("Không tìm thấy thủ tục")
        UNKNOWN_UNIT = "unknown_unit", _("Không tìm thấy đơn vị tiếp nhận")
        REFUSED = "refused", _("Không tạo được hồ sơ")
        ATTACHMENT = "attachment", _("Tệp đính kèm không hợp lệ")

    class Source(models.TextChoices):
        PULL = "pull", _("Lấy từ Cổng")
        PUSH = "push", _("Cổng gửi đến")

    # MaHoSo when the record has a usable one, else a hash of the record: the same record
    # seen again (duplicate delivery, next pull, push) updates this row.
    key = models.CharField(max_length=80, unique=True, verbose_name=_("khóa"))
    national_id = models.CharField(_("mã hồ sơ quốc gia"), max_length=64, blank=True)
    procedure_code = models.CharField(_("mã TTHC"), max_length=64, blank=True)
    unit_code = models.CharField(_("mã đơn vị"), max_length=64, blank=True)
    reason_code = models.CharField(_("loại lỗi"), max_length=20, choices=Reason.choices)
    reason = models.TextField(_("lý do"))
    raw = models.JSONField(_("bản ghi gốc"))
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    first_seen = models.DateTimeField(_("lần đầu"), default=timezone.now)
    last_seen = models.DateTimeField(_("lần cuối"), default=timezone.now)
    count = models.PositiveIntegerField(_("số lần nhận"), default=1)
    resolved_at = models.DateTimeField(_("thời điểm xử lý xong"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.CharField(_("cách xử lý"), max_length=200, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ đã tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("hồ sơ từ Cổng DVC quốc gia chờ xử lý")
        verbose_name_plural = _("hồ sơ từ Cổng DVC quốc gia chờ xử lý")
        indexes = [
            models.Index(
                fields=["last_seen"],
                condition=models.Q(resolved_at__isnull=True),
                name="dvcqg_quarantine_open",
            )
        ]

    def __str__(self) -> str:
        return self.national_id or self.key

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ReconciliationRun(models.Model):
    """One comparison of what Motcua holds with what the portal shows, for the dossiers
    filed in a period (motcua.dvcqg.reconcile): per-day digests first, dossier by dossier
    for the days that differ."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Đang đối soát")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Không hoàn thành")

    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    period_start = models.DateField(_("từ ngày nộp"))
    period_end = models.DateField(_("đến ngày nộp"))
    status = models.CharField(
        _("tình trạng"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    trigger = models.CharField(_("khởi chạy bởi"), max_length=150, blank=True)
    days_checked = models.PositiveIntegerField(_("số ngày đối chiếu"), default=0)
    days_differing = models.PositiveIntegerField(_("số ngày lệch"), default=0)
    dossiers_local = models.PositiveIntegerField(_("hồ sơ tại Motcua"), default=0)
    dossiers_national = models.PositiveIntegerField(_("hồ sơ trên Cổng"), default=0)
    differing = models.PositiveIntegerField(_("hồ sơ lệch"), default=0)
    requeued = models.PositiveIntegerField(_("hồ sơ gửi lại"), default=0)
    seconds = models.FloatField(_("thời gian (giây)"), default=0)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("lần đối soát với Cổng DVC quốc gia")
        verbose_name_plural = _("đối soát với Cổng DVC quốc gia")

    def __str__(self) -> str:
        return f"{self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y} ({self.pk})"


class ReconciliationRow(models.Model):
    """A dossier whose national record differs from Motcua's, and what was done about it."""

    class Kind(models.TextChoices):
        MISSING_NATIONAL = "missing_national", _("Cổng chưa có hồ sơ")
        DIFFERS = "differs", _("Cổng hiển thị khác")
        MISSING_LOCAL = "missing_local", _("Cổng có, Motcua không có")

    class Outcome(models.TextChoices):
        REQUEUED = "requeued", _("Đã đưa lại vào hàng đợi gửi Cổng")
        IN_FLIGHT = "in_flight", _("Đang chờ gửi (thông điệp chưa gửi xong)")
        BLOCKED = "blocked", _("Bị chặn bởi thông điệp lỗi (gửi lại trong hàng đợi)")
        REPORTED = "reported", _("Chỉ báo cáo (cần kiểm tra)")

    run = models.ForeignKey(
        ReconciliationRun,
        verbose_name=_("lần đối soát"),
        on_delete=models.CASCADE,
        related_name="rows",
    )
    day = models.DateField(_("ngày nộp"))
    code = models.CharField(_("mã hồ sơ"), max_length=64)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # rows are read by run
    )
    kind = models.CharField(_("loại sai lệch"), max_length=16, choices=Kind.choices)
    outcome = models.CharField(_("xử lý"), max_length=10, choices=Outcome.choices)
    fields = models.JSONField(_("trường khác nhau"), default=list, blank=True)
    local = models.JSONField(_("tại Motcua"), null=True, blank=True)
    national = models.JSONField(_("trên Cổng"), null=True, blank=True)
    message_key = models.CharField(_("thông điệp gửi lại"), max_length=128, blank=True)

    class Meta:
        ordering = ["run", "day", "code"]
        verbose_name = _("hồ sơ lệch khi đối soát")
        verbose_name_plural = _("hồ sơ lệch khi đối soát")
        indexes = [models.Index(fields=["run", "day", "code"], name="dvcqg_reconcile_row_run")]

    def __str__(self) -> str:
        return self.code
