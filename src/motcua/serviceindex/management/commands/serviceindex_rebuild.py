"""Recount the service index's dossier-derived counters from the dossiers themselves
(after a bulk import, or to check the running counters)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from motcua.core.models import OutboxMessage
from motcua.dossiers.models import Dossier, Event
from motcua.serviceindex.models import IndexMonthStats, OpenDueCount
from motcua.serviceindex.rebuild import rebuild, rebuild_open


class Command(BaseCommand):
    help = "Tính lại số liệu chỉ số phục vụ (QĐ 766) từ hồ sơ."

    def handle(self, *args, **options):
        with transaction.atomic():
            rows = rebuild(Dossier, Event, IndexMonthStats, OutboxMessage)
            open_rows = rebuild_open(Dossier, OpenDueCount)
        self.stdout.write(
            f"Đã tính lại {rows} dòng (cơ quan, tháng) và {open_rows} dòng hồ sơ đang xử lý "
            "theo ngày hẹn."
        )
