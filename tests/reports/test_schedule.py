"""Scheduled reports: made for the period just ended, stored, delivered through the outbox
to a real SMTP server (aiosmtpd) or an HTTP receiver, once however often the job runs."""

import datetime as dt
import http.server
import threading

import pytest
from django.core.files.storage import default_storage

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.reports import services
from motcua.reports.models import GeneratedReport, ReportSchedule
from tests.reports.test_numbers import story  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
MAY_5 = dt.date(2026, 5, 5)


def _deliver():
    OutboxMessage.objects.filter(topic=services.TOPIC).update(
        next_attempt_at=dt.datetime.now(dt.UTC)
    )
    outbox.deliver_pending()


def test_monthly_report_sent_once_by_email(world, story, smtp, settings, tmp_path):  # noqa: F811
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }}  # fmt: skip
    schedule = ReportSchedule.objects.create(
        unit_kind="co-quan", unit_id=world.dept.pk, period_kind="thang", email="vp@ubnd.test"
    )
    ReportSchedule.objects.create(  # inactive: never made
        unit_kind="tinh", period_kind="thang", email="x@ubnd.test", is_active=False
    )
    first = services.run_due(MAY_5)
    assert len(first.made) == 1 and first.skipped == 0
    again = services.run_due(MAY_5)
    assert again.made == [] and again.skipped == 1
    made = GeneratedReport.objects.get(schedule=schedule)
    assert (made.period_first, made.period_last) == (dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    assert default_storage.exists(made.xlsx_path) and default_storage.exists(made.pdf_path)
    assert OutboxMessage.objects.filter(topic=services.TOPIC).count() == 1
    _deliver()
    _deliver()  # nothing left to send
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "vp@ubnd.test" and "Tháng 04/2026" in mail["Subject"]
    names = sorted(p.get_filename() for p in mail.iter_attachments())
    assert names == ["202604-202604.pdf", "202604-202604.xlsx"]
    made.refresh_from_db()
    assert made.delivered_at is not None
    # A redelivery of the same message (a crash after sending) does not send again.
    outbox._deliver(OutboxMessage.objects.get(topic=services.TOPIC))
    assert len(smtp.messages) == 1


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["Idempotency-Key"], body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_quarterly_report_posted_to_an_endpoint(world, story, settings, tmp_path):  # noqa: F811
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }}  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received = []
    try:
        ReportSchedule.objects.create(
            unit_kind="tinh",
            period_kind="quy",
            endpoint=f"http://127.0.0.1:{server.server_port}/bao-cao",
        )
        assert len(services.run_due(dt.date(2026, 7, 1)).made) == 1
        _deliver()
    finally:
        server.shutdown()
    assert len(_Receiver.received) == 1
    key, body = _Receiver.received[0]
    assert key.startswith("reports:") and b"%PDF-" in body and "Quý 2/2026".encode() in body
