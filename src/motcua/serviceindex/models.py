"""The service index of QĐ 766/QĐ-TTg as data: its indicators (weights, thresholds, legal
source: the government changes them, an administrator edits them), the counters it needs
per agency and month of receipt, and which outside data feeds exist yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency


class Group(models.TextChoices):
    PUBLICITY = "publicity", _("Công khai, minh bạch")
    PROGRESS = "progress", _("Tiến độ giải quyết")
    DIGITISATION = "digitisation", _("Số hóa hồ sơ")
    ONLINE = "online", _("Dịch vụ công trực tuyến")
    PAYMENT = "payment", _("Thanh toán trực tuyến")
    SATISFACTION = "satisfaction", _("Mức độ hài lòng")


GROUP_ORDER = [g.value for g in Group]


class Indicator(models.Model):
    """One indicator: what it measures (formula), how many points it is worth, the rate at
    which it earns all of them, and the text that says so."""

    group = models.CharField(_("nhóm chỉ số"), max_length=16, choices=Group.choices)
    code = models.SlugField(_("mã chỉ tiêu"), max_length=16, unique=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=300)
    max_points = models.DecimalField(
        _("điểm tối đa"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    full_at = models.DecimalField(
        _("ngưỡng đạt điểm tối đa (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
        help_text=_("Tỷ lệ từ ngưỡng này trở lên được điểm tối đa; dưới ngưỡng, điểm tỷ lệ thuận."),
    )
    formula = models.CharField(_("công thức"), max_length=32)
    legal_source = models.CharField(_("căn cứ pháp lý"), max_length=300)
    note = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("chỉ tiêu chỉ số phục vụ")
        verbose_name_plural = _("chỉ tiêu chỉ số phục vụ (QĐ 766)")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def group_label(self) -> str:
        return Group(self.group).label


class DataFeed(models.Model):
    """A source of data the index needs that Motcua does not produce itself (online
    payments, ratings, feedback, digitisation). Until its row exists, indicators that
    depend on it show "không có dữ liệu": a missing feed is not a rate of zero."""

    class Key(models.TextChoices):
        PAYMENT = "payment", _("Thanh toán trực tuyến")
        RATING = "rating", _("Đánh giá mức độ hài lòng")
        FEEDBACK = "feedback", _("Phản ánh, kiến nghị")
        DIGITISATION = "digitisation", _("Số hóa hồ sơ, kết quả")
        SYNC = "sync", _("Đồng bộ hồ sơ lên Cổng DVC quốc gia")

    key = models.CharField(_("nguồn dữ liệu"), max_length=16, choices=Key.choices, unique=True)
    since = models.DateTimeField(_("có dữ liệu từ"), default=timezone.now)

    class Meta:
        verbose_name = _("nguồn dữ liệu chỉ số")
        verbose_name_plural = _("nguồn dữ liệu chỉ số")

    def __str__(self) -> str:
        return self.Key(self.key).label


class IndexMonthStats(models.Model):
    """Per agency and month of receipt (like dossiers.AgencyMonthStats, beside it): what
    the index needs beyond the on-time counts. Moved by tracking.py in the transaction of
    the change it counts, so no page ever scans dossiers."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    online = models.PositiveIntegerField(db_default=0)  # received, filed online
    returned = models.PositiveIntegerField(db_default=0)  # result returned
    returned_online = models.PositiveIntegerField(db_default=0)  # ... as an electronic result
    payment_due = models.PositiveIntegerField(db_default=0)  # asked to pay (once per dossier)
    paid_online = models.PositiveIntegerField(db_default=0)  # paid online (payments app)
    rated = models.PositiveIntegerField(db_default=0)  # rated by the applicant
    rated_negative = models.PositiveIntegerField(db_default=0)  # ... not satisfied
    complained = models.PositiveIntegerField(db_default=0)  # dossiers with a complaint
    feedback = models.PositiveIntegerField(db_default=0)  # feedback answered (month received)
    feedback_on_time = models.PositiveIntegerField(db_default=0)  # ... within the time limit
    # received with its components as electronic files (uploaded online or scanned at the desk)
    digitised = models.PositiveIntegerField(db_default=0)
    digitised_results = models.PositiveIntegerField(db_default=0)  # returned, result as a file
    # received, and its record as received acknowledged by the national portal (once each)
    synced = models.PositiveIntegerField(db_default=0)

    class Meta:
        verbose_name = _("số liệu chỉ số theo tháng")
        verbose_name_plural = _("số liệu chỉ số theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="serviceindex_month_key")
        ]


# The due day of the open dossiers that are late whatever the time (no appointment, too
# many supplement requests, clock stopped after the appointment): before every real day,
# so "due day < today" counts them.
ALWAYS_LATE = dt.date(1, 1, 1)


class OpenDueCount(models.Model):
    """Open dossiers (received, result not yet issued) per agency, month of receipt and the
    (local) day their appointment falls due. An open dossier turns late when its appointment
    passes, with no transaction: so the count that is late now is exact as the rows with a
    due day before today plus, for today, the few dossiers due between midnight and now
    (selectors.month_counts). Dossiers late whatever happens carry ALWAYS_LATE; those on a
    stopped clock that stopped in time (waiting for the applicant) have no row: they are on
    time while they wait. Moved by tracking.on_transition, in the transaction of the change."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    due_day = models.DateField()
    count = models.IntegerField(db_default=0)

    class Meta:
        verbose_name = _("hồ sơ đang xử lý theo ngày hẹn")
        verbose_name_plural = _("hồ sơ đang xử lý theo ngày hẹn")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "due_day"], name="serviceindex_opendue_key"
            )
        ]
        # The province's pages sum by period and due day, without an agency.
        indexes = [
            models.Index(
                fields=["month", "due_day", "agency", "count"], name="serviceindex_opendue_m"
            )
        ]
