"""Notices to applicants and officers: the templates administrators edit, each citizen's
choice of channels, every notice sent (one per channel) and the delivery receipts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.notify import templating


class Kind(models.TextChoices):
    RECEIVED = "received", _("Tiếp nhận hồ sơ, hẹn ngày trả kết quả")
    SUPPLEMENT = "supplement", _("Yêu cầu bổ sung hồ sơ")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    PAYMENT = "payment", _("Yêu cầu nộp phí, lệ phí")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    APOLOGY = "apology", _("Xin lỗi, hẹn lại ngày trả kết quả")
    STOPPED = "stopped", _("Dừng xử lý hồ sơ")
    OVERDUE_DIGEST = "overdue_digest", _("Cán bộ: tổng hợp bước xử lý quá hạn (hằng ngày)")
    FEEDBACK_ANSWER = "feedback_answer", _("Đã trả lời phản ánh, kiến nghị")
    FEEDBACK_PUBLIC = "feedback_public", _("Đã công khai câu hỏi và trả lời")


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")


class Template(models.Model):
    """One notice text for one kind and channel. Placeholders in braces ({ma_ho_so}) are
    filled when the notice is written; the SMS text is sent without diacritics."""

    kind = models.CharField(_("loại thông báo"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=ChannelKind.choices)
    subject = models.CharField(_("tiêu đề (thư điện tử)"), max_length=200, blank=True)
    body = models.TextField(_("nội dung"))
    active = models.BooleanField(_("đang dùng"), default=True)
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)

    class Meta:
        ordering = ["kind", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel"], name="notify_template_kind_channel")
        ]
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_channel_display()}"

    def clean(self) -> None:
        errors = {}
        for field in ("subject", "body"):
            unknown = templating.unknown_placeholders(getattr(self, field), self.kind)
            if unknown:
                allowed = ", ".join("{" + p + "}" for p in templating.allowed(self.kind))
                errors[field] = (
                    f"Không có trường {', '.join('{' + u + '}' for u in unknown)}. "
                    f"Các trường dùng được: {allowed}."
                )
        if self.channel == ChannelKind.EMAIL and not self.subject.strip():
            errors["subject"] = "Thư điện tử cần có tiêu đề."
        if errors:
            raise ValidationError(errors)


class Preference(models.Model):
    """A citizen's channels. No row: the defaults (e-mail and SMS on, Zalo off)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    email = models.BooleanField(_("thư điện tử"), default=True)
    sms = models.BooleanField(_("tin nhắn SMS"), default=True)
    zalo = models.BooleanField(_("Zalo"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kênh nhận thông báo")
        verbose_name_plural = _("kênh nhận thông báo của công dân")

    DEFAULTS = {"email": True, "sms": True, "zalo": False}


class Notice(models.Model):
    """One notice on one channel. `key` is unique (the outbox message's key plus the
    channel) and is sent as the idempotency key / client reference of the provider."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi cho nhà cung cấp")
        DELIVERED = "delivered", _("Đã đến người nhận")
        FAILED = "failed", _("Không gửi được")

    key = models.CharField(max_length=160, unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=ChannelKind.choices)
    # Plain values, no foreign keys: notices outlive dossiers' bulk reloads and never lock them.
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=64, blank=True, db_index=True)
    event_id = models.BigIntegerField(null=True, blank=True)
    user_id_ref = models.BigIntegerField(null=True, blank=True)
    recipient = models.CharField(_("người nhận"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    segments = models.PositiveSmallIntegerField(_("số phần SMS"), default=0)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("đến lúc"), null=True, blank=True)
    # A failed notice sent again is a new notice (a new client reference for the
    # provider), pointing to the one it repeats.
    retry_of = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retry",
        verbose_name=_("gửi lại của"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("thông báo đã gửi")
        verbose_name_plural = _("thông báo đã gửi")


class Receipt(models.Model):
    """A delivery receipt from a provider, kept once: the same receipt again changes
    nothing. `notice` is empty when the receipt names no notice of ours."""

    provider = models.CharField(max_length=8, choices=ChannelKind.choices)
    receipt_id = models.CharField(max_length=100)
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts"
    )
    status = models.CharField(max_length=16)
    at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "receipt_id"], name="notify_receipt_provider_id"
            )
        ]
        verbose_name = _("báo nhận của nhà cung cấp")
        verbose_name_plural = _("báo nhận của nhà cung cấp")
