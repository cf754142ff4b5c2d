"""Shared building blocks: working calendar, code counters, audit chain, outbox."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A date that differs from the default week (Mon–Fri working, Sat–Sun off).

    Holidays and make-up working days are decreed yearly, so they are data an
    administrator edits; the initial rows come from the `holidays` package.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Ngày nghỉ lễ, Tết")
        WORKDAY = "workday", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày đặc biệt trong lịch làm việc")
        verbose_name_plural = _("lịch nghỉ lễ và ngày làm bù")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """One year of the calendar, and whether an administrator has checked its holidays and
    make-up days against the Government's decision for that year (the Prime Minister's
    approval announced by a letter of the Government Office, e.g. 12729/VPCP-KGVX for 2026).
    Deadlines falling in a year not confirmed here are shown with a warning."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    source = models.CharField(
        _("căn cứ"),
        max_length=300,
        blank=True,
        help_text=_("Văn bản quyết định lịch nghỉ của năm, ví dụ Công văn 12729/VPCP-KGVX."),
    )
    confirmed_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("thời điểm xác nhận"), null=True, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("năm lịch làm việc")
        verbose_name_plural = _("xác nhận lịch làm việc theo năm")

    def __str__(self) -> str:
        state = _("đã xác nhận") if self.confirmed_at else _("chưa xác nhận")
        return f"{self.year} ({state})"


class DailyCounter(models.Model):
    """Gap-free sequence per (scope, day): the row is incremented inside the caller's
    transaction, so a rolled-back submission gives its number back."""

    scope = models.CharField(max_length=64, verbose_name=_("phạm vi"))
    day = models.DateField(verbose_name=_("ngày"))
    value = models.PositiveIntegerField(default=0, verbose_name=_("giá trị"))

    class Meta:
        verbose_name = _("bộ đếm theo ngày")
        verbose_name_plural = _("bộ đếm theo ngày")
        constraints = [
            models.UniqueConstraint(fields=["scope", "day"], name="core_dailycounter_scope_day")
        ]


class AuditEntry(models.Model):
    """Append-only, hash-chained record of every change and every read of personal data.

    hash = SHA-256(prev_hash || canonical JSON of this entry); editing or deleting any
    row breaks every later hash, which `motcua audit verify` detects. Database triggers
    refuse UPDATE and DELETE.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("thời điểm"))
    actor = models.CharField(max_length=150, blank=True, verbose_name=_("người thực hiện"))
    action = models.CharField(max_length=64, verbose_name=_("hành động"))
    object_type = models.CharField(max_length=64, verbose_name=_("loại đối tượng"))
    object_id = models.CharField(max_length=64, verbose_name=_("mã đối tượng"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("dữ liệu"))
    province_code = models.CharField(max_length=8, blank=True, verbose_name=_("mã tỉnh"))
    prev_hash = models.CharField(max_length=64, verbose_name=_("mã băm trước"))
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("mã băm"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        indexes = [models.Index(fields=["object_type", "object_id"])]


class AuditHead(models.Model):
    """Single row holding the chain's tip; locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, verbose_name=_("mã băm cuối"))
    count = models.PositiveBigIntegerField(default=0, verbose_name=_("số mục"))

    class Meta:
        verbose_name = _("đầu chuỗi kiểm toán")
        verbose_name_plural = _("đầu chuỗi kiểm toán")


class OutboxMessage(models.Model):
    """A message for another system (DVCQG sync, notification, postal order), written in
    the same transaction as the change it reports and delivered later by the worker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        FAILED = "failed", _("Lỗi, không thử lại")

    topic = models.CharField(max_length=64, verbose_name=_("chủ đề"))
    key = models.CharField(max_length=128, unique=True, verbose_name=_("khóa"))
    # Messages sharing a non-empty ordering key (one dossier's sync) are delivered in id
    # order: none while an earlier one of the key is still pending or dead.
    ordering_key = models.CharField(
        max_length=128, blank=True, default="", db_index=True, verbose_name=_("khóa thứ tự")
    )
    payload = models.JSONField(default=dict, verbose_name=_("nội dung"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("trạng thái")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("số lần gửi"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("gửi lại lúc"))
    last_error = models.TextField(blank=True, verbose_name=_("lỗi gần nhất"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("tạo lúc"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("đã gửi lúc"))

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("thông điệp chờ gửi")
        verbose_name_plural = _("hàng đợi gửi đi (outbox)")


class RateCounter(models.Model):
    """One fixed-window counter of the rate limits when no Redis is configured: shared by
    every app process through the database (never per process). `window_end_ms` is epoch
    milliseconds, so the single upsert that counts can compare it in plain SQL on SQLite
    and PostgreSQL alike."""

    key = models.CharField(max_length=200, unique=True, verbose_name=_("khóa"))
    window_end_ms = models.BigIntegerField(db_index=True, verbose_name=_("hết khung lúc (ms)"))
    count = models.PositiveIntegerField(default=0, verbose_name=_("số lần"))

    class Meta:
        verbose_name = _("bộ đếm giới hạn truy cập")
        verbose_name_plural = _("bộ đếm giới hạn truy cập")
