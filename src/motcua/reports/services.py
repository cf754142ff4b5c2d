"""The scheduled reports: made after each period (`motcua reports run-due`, daily through
core.jobs), stored, and handed to the outbox for delivery (handlers.py). A schedule's
period is made once: the GeneratedReport row is unique per schedule and period, and is
written with its outbox message in one transaction, so running twice sends once."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.core import audit, outbox
from motcua.reports import pdf, selectors, xlsx
from motcua.reports.models import GeneratedReport, ReportSchedule
from motcua.serviceindex import selectors as units_selectors

log = logging.getLogger(__name__)
TOPIC = "reports.deliver"


@dataclass
class RunResult:
    made: list[GeneratedReport] = field(default_factory=list)
    skipped: int = 0  # already made for that period
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Đã lập {len(self.made)} báo cáo, bỏ qua {self.skipped} báo cáo đã lập trước."
        if self.errors:
            text += " Lỗi: " + "; ".join(self.errors)
        return text


def run_due(today: dt.date | None = None) -> RunResult:
    """Every active schedule's previous period, if not made yet."""
    today = today or timezone.localdate()
    result = RunResult()
    for schedule in ReportSchedule.objects.filter(is_active=True).order_by("pk"):
        period = selectors.previous_period(schedule.period_kind, today)
        if GeneratedReport.objects.filter(
            schedule=schedule, period_first=period.first, period_last=period.last
        ).exists():
            result.skipped += 1
            continue
        unit = units_selectors.get_unit(schedule.unit_kind, schedule.unit_id)
        if unit is None:
            result.errors.append(f"lịch {schedule.pk}: không có đơn vị này")
            continue
        made = make(schedule, unit, period)
        if made is None:
            result.skipped += 1
        else:
            result.made.append(made)
    return result


def make(schedule: ReportSchedule, unit, period) -> GeneratedReport | None:
    """Render, store, then record and enqueue in one transaction; None when another run
    recorded the same period first (its files are then removed)."""
    grouping = "don-vi" if unit.kind in ("tinh", "trung-tam") else "linh-vuc"
    report = selectors.build(unit, period, grouping)
    stem = f"reports/{schedule.pk}/{period.first:%Y%m}-{period.last:%Y%m}"
    xlsx_path = default_storage.save(f"{stem}.xlsx", ContentFile(xlsx.render(report)))
    pdf_path = default_storage.save(f"{stem}.pdf", ContentFile(pdf.render(report)))
    try:
        with transaction.atomic():
            made = GeneratedReport.objects.create(
                schedule=schedule,
                period_first=period.first,
                period_last=period.last,
                period_label=period.label,
                unit_name=report.unit_name,
                xlsx_path=xlsx_path,
                pdf_path=pdf_path,
            )
            audit.record("report.generated", "reports.GeneratedReport", made.pk, actor=None)
            outbox.enqueue(TOPIC, key=f"reports:{made.pk}", payload={"report": made.pk})
    except IntegrityError:
        for path in (xlsx_path, pdf_path):
            default_storage.delete(path)
        return None
    return made
