"""Postal orders (a result sent to the applicant, or a paper dossier the applicant sent in)
and the events the operator reports about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import AdministrativeUnit


class PostalOrder(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Gửi kết quả cho người nộp")
        INBOUND = "inbound", _("Hồ sơ người nộp gửi đến")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ bưu điện nhận đơn")
        CREATED = "created", _("Bưu điện đã nhận đơn")
        PICKED_UP = "picked_up", _("Bưu điện đã lấy bưu gửi")
        IN_TRANSIT = "in_transit", _("Đang vận chuyển")
        DELIVERED = "delivered", _("Đã phát thành công")
        RETURNED = "returned", _("Chuyển hoàn về bộ phận một cửa")
        REFUSED = "refused", _("Bưu điện từ chối đơn")

    # Statuses that follow each other; an event that would go back is kept, not applied.
    RANK = {
        Status.PENDING: 0,
        Status.REFUSED: 0,
        Status.CREATED: 1,
        Status.PICKED_UP: 2,
        Status.IN_TRANSIT: 3,
        Status.DELIVERED: 4,
        Status.RETURNED: 4,
    }
    FINAL = (Status.DELIVERED, Status.RETURNED, Status.REFUSED)
    TRAVELLING = (Status.PENDING, Status.CREATED, Status.PICKED_UP, Status.IN_TRANSIT)

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="postal_orders",
    )
    direction = models.CharField(_("chiều gửi"), max_length=8, choices=Direction.choices)
    # Ours, sent to the operator as its order number and idempotency key.
    reference = models.CharField(_("số đơn"), max_length=80, unique=True)
    operator = models.CharField(_("đơn vị bưu chính"), max_length=32)
    recipient_name = models.CharField(_("người nhận"), max_length=200, blank=True)
    recipient_phone = models.CharField(_("điện thoại người nhận"), max_length=20, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    fee_vnd = models.PositiveIntegerField(_("cước phí (đồng)"), default=0)
    tracking_number = models.CharField(
        _("mã vận đơn"), max_length=40, null=True, blank=True, unique=True
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    handed_over_at = models.DateTimeField(_("thời điểm giao bưu điện"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("thời điểm phát"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm chuyển hoàn"), null=True, blank=True)
    province_code = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("đơn bưu chính")
        verbose_name_plural = _("đơn bưu chính")
        indexes = [
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["pending", "created", "picked_up", "in_transit"]),
                name="postal_order_open",
            )
        ]

    def __str__(self) -> str:
        return self.tracking_number or self.reference

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    @property
    def travelling(self) -> bool:
        return self.status in self.TRAVELLING


class PostalEvent(models.Model):
    """One event the operator reported (webhook or polling), kept whatever happens to it:
    an event for an order we do not know is kept unmatched and applied when an order gets
    that tracking number; a duplicate is recognised by its key and counted."""

    class Kind(models.TextChoices):
        PICKED_UP = "picked_up", _("Đã lấy bưu gửi")
        IN_TRANSIT = "in_transit", _("Đang vận chuyển")
        DELIVERED = "delivered", _("Đã phát thành công")
        RETURNED = "returned", _("Chuyển hoàn")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Đã cập nhật đơn")
        STALE = "stale", _("Đến muộn, không đổi trạng thái")
        UNMATCHED = "unmatched", _("Chưa khớp đơn nào")

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Bưu điện gửi đến")
        POLL = "poll", _("Tra cứu định kỳ")

    # "<operator>:<the operator's event id>": the same event twice is one row.
    key = models.CharField(max_length=140, unique=True)
    order = models.ForeignKey(
        PostalOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    tracking_number = models.CharField(_("mã vận đơn"), max_length=40, db_index=True)
    kind = models.CharField(_("sự kiện"), max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("thời điểm"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    outcome = models.CharField(_("kết quả xử lý"), max_length=12, choices=Outcome.choices)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now)
    times_received = models.PositiveIntegerField(_("số lần nhận"), default=1)
    raw = models.JSONField(_("bản tin gốc"), default=dict)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("sự kiện bưu chính")
        verbose_name_plural = _("sự kiện bưu chính")

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.kind}"

    @property
    def kind_label(self) -> str:
        return self.Kind(self.kind).label
