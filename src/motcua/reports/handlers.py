"""Outbox handler "reports.deliver": a generated report to its schedule's receiver, by
e-mail (the project's SMTP settings) or by HTTP POST to an endpoint. The message key is
the e-mail's Message-ID and the POST's Idempotency-Key, so a receiver can tell a resend;
a report marked delivered is not sent again."""

from __future__ import annotations

import httpx
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.reports.models import GeneratedReport
from motcua.reports.services import TOPIC

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _files(report: GeneratedReport) -> list[tuple[str, bytes, str]]:
    out = []
    for path, kind in ((report.xlsx_path, XLSX), (report.pdf_path, "application/pdf")):
        with default_storage.open(path, "rb") as f:
            out.append((path.rsplit("/", 1)[-1], f.read(), kind))
    return out


def _subject(report: GeneratedReport) -> str:
    return (
        f"Báo cáo tình hình, kết quả giải quyết TTHC – {report.unit_name} – {report.period_label}"
    )


@outbox.handler(TOPIC)
def deliver(message: OutboxMessage) -> None:
    pk = message.payload.get("report") if isinstance(message.payload, dict) else None
    report = GeneratedReport.objects.select_related("schedule").filter(pk=pk).first()
    if report is None:
        raise outbox.Undeliverable(f"no generated report {pk!r}")
    if report.delivered_at is not None:
        return
    schedule = report.schedule
    files = _files(report)
    if schedule.email:
        mail = EmailMessage(
            _subject(report),
            f"Kính gửi,\n\nHệ thống Một cửa gửi kèm báo cáo {report.period_label} của "
            f"{report.unit_name} (tệp .xlsx và PDF).\n",
            settings.DEFAULT_FROM_EMAIL,
            [schedule.email],
            headers={"Message-ID": f"<{message.key.replace(':', '.')}@motcua>"},
            connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
        )
        for name, data, kind in files:
            mail.attach(name, data, kind)
        mail.send()
    if schedule.endpoint:
        answer = httpx.post(
            schedule.endpoint,
            data={"unit": report.unit_name, "period": report.period_label},
            files=[("files", f) for f in files],
            headers={"Idempotency-Key": message.key},
            timeout=settings.MOTCUA_NOTIFY_TIMEOUT,
        )
        if 400 <= answer.status_code < 500 and answer.status_code not in (408, 429):
            raise outbox.Undeliverable(f"receiver refused the report: HTTP {answer.status_code}")
        answer.raise_for_status()
    GeneratedReport.objects.filter(pk=report.pk).update(delivered_at=timezone.now())
