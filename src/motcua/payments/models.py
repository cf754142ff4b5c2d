"""Fees of a procedure, payment orders, the notifications received, and what the
reconciliation found."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.payments import conditions


class FeeItem(models.Model):
    """One fee or charge row of a procedure (phí, lệ phí). A procedure may have several;
    each applies when its condition on the dossier's facts holds (e.g. a lower fee for an
    online submission). A procedure without rows falls back to its fee_vnd + charge_vnd."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Phí")
        CHARGE = "charge", _("Lệ phí")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="fee_items"
    )
    name = models.CharField(_("tên khoản thu"), max_length=300)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices, default=Kind.CHARGE)
    amount_vnd = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    condition = models.JSONField(
        _("điều kiện áp dụng"),
        default=dict,
        blank=True,
        help_text=_(
            'Để trống: luôn áp dụng. Ví dụ: {"field": "channel", "op": "eq", "value": '
            '"online"}; kết hợp bằng "all", "any", "not".'
        ),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["procedure", "order", "id"]
        verbose_name = _("khoản phí, lệ phí")
        verbose_name_plural = _("khoản phí, lệ phí")

    def __str__(self) -> str:
        return f"{self.name}: {self.amount_vnd}"

    def clean(self) -> None:
        try:
            conditions.check(self.condition)
        except conditions.ConditionError as exc:
            raise ValidationError({"condition": str(exc)}) from exc


class Payment(models.Model):
    """A payment order for a dossier's fees: online through the payment platform (the
    order is known there by order_id) or at the desk (cash, card). One pending order per
    dossier at a time."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Trực tuyến")
        CASH = "cash", _("Tiền mặt tại quầy")
        CARD = "card", _("Thẻ tại quầy")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        FAILED = "failed", _("Không thành công")
        CANCELLED = "cancelled", _("Đã hủy")
        EXPIRED = "expired", _("Hết hạn")
        DISPUTED = "disputed", _("Chờ đối soát")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payments"
    )
    amount_vnd = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    lines = models.JSONField(_("các khoản"), default=list, blank=True)
    method = models.CharField(_("hình thức"), max_length=8, choices=Method.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    platform = models.CharField(_("nền tảng thanh toán"), max_length=32, blank=True)
    order_id = models.CharField(_("mã đơn hàng"), max_length=40, unique=True)
    # The request that made this order (dossier, payment request event, attempt): a double
    # click or a retried request finds the same order instead of making a second.
    idempotency_key = models.CharField(max_length=128, unique=True)
    transaction_id = models.CharField(_("mã giao dịch"), max_length=64, blank=True)
    receipt_number = models.CharField(_("số biên lai điện tử"), max_length=64, blank=True)
    receipt_url = models.URLField(_("biên lai điện tử"), max_length=500, blank=True)
    paid_amount_vnd = models.PositiveBigIntegerField(_("số tiền đã nhận"), null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    paid_at = models.DateTimeField(_("thời điểm thanh toán"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(_("lần hỏi nền tảng gần nhất"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    province_code = models.CharField(max_length=8)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("thanh toán")
        verbose_name_plural = _("thanh toán")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status="pending"),
                name="payments_one_pending_per_dossier",
            )
        ]
        indexes = [
            # The check job's scan: pending online orders, oldest first.
            models.Index(
                fields=["created_at"], name="payments_pending_idx", condition=Q(status="pending")
            ),
            models.Index(fields=["paid_at"], name="payments_paid_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.get_status_display()})"


class PaymentNotification(models.Model):
    """Every notification the platform (or anyone) sent to the webhook, kept with what was
    done with it. The same body received again increments `times` only."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Đã ghi nhận")
        DUPLICATE = "duplicate", _("Trùng, đã ghi nhận trước đó")
        IGNORED = "ignored", _("Cũ hơn trạng thái hiện tại, bỏ qua")
        FORGED = "forged", _("Chữ ký không hợp lệ")
        MALFORMED = "malformed", _("Sai định dạng")
        UNKNOWN_ORDER = "unknown_order", _("Không có đơn hàng")
        AMOUNT_MISMATCH = "amount_mismatch", _("Sai số tiền")
        LATE = "late", _("Đến sau khi đơn đã đóng")

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Thông báo từ nền tảng")
        QUERY = "query", _("Hỏi lại nền tảng")

    digest = models.CharField(max_length=64, unique=True)  # sha256 of the raw body
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEBHOOK)
    order_id = models.CharField(_("mã đơn hàng"), max_length=80, blank=True, db_index=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices)
    body = models.TextField(_("nội dung"))
    remote_addr = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    times = models.PositiveIntegerField(_("số lần nhận"), default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("thông báo thanh toán")
        verbose_name_plural = _("thông báo thanh toán")

    def __str__(self) -> str:
        return f"{self.order_id or '?'}: {self.get_outcome_display()}"


class ReconciliationItem(models.Model):
    """A payment that does not match: money received with the wrong amount, for an unknown
    or closed order, twice, or a difference between the platform's day and ours. Stays on
    the list until an officer of finance resolves it."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch", _("Số tiền không khớp")
        UNKNOWN_ORDER = "unknown_order", _("Nền tảng báo đơn hàng không có trong hệ thống")
        PAID_AFTER_CLOSE = "paid_after_close", _("Đã thu tiền cho đơn đã hủy (cần hoàn trả)")
        MISSING_HERE = "missing_here", _("Nền tảng đã thu, hệ thống chưa ghi nhận")
        MISSING_THERE = "missing_there", _("Hệ thống ghi đã thu, nền tảng không có giao dịch")
        STALE_PENDING = "stale_pending", _("Đơn chờ thanh toán quá lâu")

    kind = models.CharField(_("loại chênh lệch"), max_length=20, choices=Kind.choices)
    order_id = models.CharField(_("mã đơn hàng"), max_length=80, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("thanh toán"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reconciliation_items",
    )
    expected_vnd = models.BigIntegerField(_("số tiền phải thu"), null=True, blank=True)
    reported_vnd = models.BigIntegerField(_("số tiền nền tảng báo"), null=True, blank=True)
    detail = models.TextField(_("chi tiết"), blank=True)
    day = models.DateField(_("ngày đối soát"), null=True, blank=True)
    found_at = models.DateTimeField(_("phát hiện lúc"), default=timezone.now)
    resolved_at = models.DateTimeField(_("đã xử lý lúc"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    resolution = models.TextField(_("cách xử lý"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("chênh lệch đối soát")
        verbose_name_plural = _("danh sách đối soát thanh toán")
        constraints = [
            # Found again (by the next run, or a repeated notification): the same open row.
            models.UniqueConstraint(
                fields=["kind", "order_id"],
                condition=Q(resolved_at__isnull=True),
                name="payments_one_open_item_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.order_id}"
