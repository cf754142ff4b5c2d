"""The periodic statistical report (TT 01/2020/TT-VPCP, form 06 "Tình hình, kết quả giải
quyết thủ tục hành chính"): its summary tables, its schedules and the reports made.

ReportMonthStats counts each fact in the month (local time) it happened, per agency and
field (lĩnh vực): a receipt in the month of receipt, a result in the month it was issued,
and so on. That is what a period report needs: what was carried over into a period is what
was received before it minus what was finished or closed before it, exactly, with no scan
of the dossiers. (dossiers.AgencyMonthStats counts by month of receipt instead, for QĐ 766.)
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency, Field

COUNTERS = (
    "received_online",
    "received_direct",  # at the desk or by post
    "solved_early",
    "solved_on_time",
    "solved_late",
    "closed",  # stopped or withdrawn after receipt
    "returned",  # result handed to the applicant
    # A dossier that ended (result, stop, withdrawal) after its appointment was open and
    # overdue at the end of every month from its appointment's month up to the month
    # before it ended: +1 in the former, -1 in the latter; summed up to a month, these
    # give how many were overdue and still open at its end (the ones open today aside).
    "overdue_from",
    "overdue_until",
)


class ReportMonthStats(models.Model):
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cơ quan"),
        db_index=False,  # the unique key / the (agency, ended_at) index start with it
    )
    field = models.ForeignKey(
        Field,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("lĩnh vực"),
        db_index=False,  # never looked up by field alone
    )
    month = models.DateField(_("tháng"))
    received_online = models.IntegerField(_("tiếp nhận trực tuyến"), db_default=0)
    received_direct = models.IntegerField(_("tiếp nhận trực tiếp, bưu chính"), db_default=0)
    solved_early = models.IntegerField(_("giải quyết trước hạn"), db_default=0)
    solved_on_time = models.IntegerField(_("giải quyết đúng hạn"), db_default=0)
    solved_late = models.IntegerField(_("giải quyết quá hạn"), db_default=0)
    closed = models.IntegerField(_("dừng xử lý, rút"), db_default=0)
    returned = models.IntegerField(_("đã trả kết quả"), db_default=0)
    overdue_from = models.IntegerField(_("bắt đầu quá hạn"), db_default=0)
    overdue_until = models.IntegerField(_("hết quá hạn"), db_default=0)

    class Meta:
        verbose_name = _("số liệu báo cáo theo tháng")
        verbose_name_plural = _("số liệu báo cáo theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "field", "month"], name="reports_monthstats_key"
            )
        ]
        indexes = [models.Index(fields=["month"], name="reports_monthstats_month")]


class ReportLateDossier(models.Model):
    """A dossier that ended late (result late, or ended after its appointment): the report's
    list of late dossiers with their explanation, without scanning the dossiers."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="+", verbose_name=_("hồ sơ")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cơ quan"),
        db_index=False,  # the unique key / the (agency, ended_at) index start with it
    )
    field = models.ForeignKey(
        Field,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("lĩnh vực"),
        db_index=False,  # never looked up by field alone
    )
    action = models.CharField(_("kết thúc bằng"), max_length=16)
    due_at = models.DateTimeField(_("hạn giải quyết"), null=True, blank=True)
    ended_at = models.DateTimeField(_("kết thúc lúc"))
    solved_late = models.BooleanField(_("giải quyết quá hạn"), default=False)
    overdue = models.BooleanField(_("kết thúc sau hạn"), default=False)

    class Meta:
        verbose_name = _("hồ sơ trễ hạn (báo cáo)")
        verbose_name_plural = _("hồ sơ trễ hạn (báo cáo)")
        indexes = [
            models.Index(fields=["ended_at"], name="reports_late_ended"),
            models.Index(fields=["agency", "ended_at"], name="reports_late_agency_ended"),
        ]


class PeriodKind(models.TextChoices):
    MONTH = "thang", _("Hằng tháng")
    QUARTER = "quy", _("Hằng quý")
    HALF = "6-thang", _("Sáu tháng")
    YEAR = "nam", _("Hằng năm")


class UnitKind(models.TextChoices):
    PROVINCE = "tinh", _("Toàn tỉnh")
    AGENCY = "co-quan", _("Sở, ban, ngành / cơ quan")
    COMMUNE = "xa", _("Cấp xã")
    CENTRE = "trung-tam", _("Trung tâm phục vụ hành chính công")


class ReportSchedule(models.Model):
    """A report made after each period and sent to a receiver."""

    unit_kind = models.CharField(_("loại đơn vị"), max_length=10, choices=UnitKind.choices)
    unit_id = models.PositiveIntegerField(
        _("mã đơn vị"),
        default=0,
        help_text=_("Mã cơ quan, xã hoặc trung tâm; 0 cho toàn tỉnh."),
    )
    period_kind = models.CharField(_("kỳ báo cáo"), max_length=8, choices=PeriodKind.choices)
    email = models.EmailField(_("gửi tới địa chỉ thư điện tử"), blank=True)
    endpoint = models.URLField(
        _("hoặc gửi tới địa chỉ tiếp nhận (URL)"),
        blank=True,
        help_text=_("Hệ thống báo cáo nhận tệp qua HTTP POST."),
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lịch gửi báo cáo")
        verbose_name_plural = _("lịch gửi báo cáo định kỳ")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", endpoint=""), name="reports_schedule_receiver"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_period_kind_display()} – {self.get_unit_kind_display()} {self.unit_id}"


class GeneratedReport(models.Model):
    """A report made for a schedule's period: its files, and whether it was delivered."""

    schedule = models.ForeignKey(
        ReportSchedule,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("lịch gửi"),
        db_index=False,  # served by the unique constraint
    )
    period_first = models.DateField(_("từ tháng"))
    period_last = models.DateField(_("đến tháng"))
    period_label = models.CharField(_("kỳ"), max_length=60)
    unit_name = models.CharField(_("đơn vị"), max_length=255)
    xlsx_path = models.CharField(_("tệp .xlsx"), max_length=255)
    pdf_path = models.CharField(_("tệp .pdf"), max_length=255)
    created_at = models.DateTimeField(_("lập lúc"), default=timezone.now)
    delivered_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("báo cáo đã lập")
        verbose_name_plural = _("báo cáo đã lập")
        ordering = ["-created_at"]
        # Given to officers (not leaders) who make their agency's reports.
        permissions = [("make_report", _("Lập báo cáo thống kê của cơ quan mình"))]
        constraints = [
            # One report per schedule and period: running the job twice sends once.
            models.UniqueConstraint(
                fields=["schedule", "period_first", "period_last"], name="reports_generated_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_name} – {self.period_label}"
