"""Recount the service index's dossier-derived counters from the dossiers themselves
(after a bulk import, or to check the running counters)."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from motcua.core.models import OutboxMessage
from motcua.dossiers.models import Dossier, Event
from motcua.serviceindex.models import IndexMonthStats, OpenDueCount
from motcua.serviceindex.rebuild import rebuild, rebuild_open


def refresh_statistics() -> None:
    """The planner's statistics and visibility map of the rewritten tables: without them
    (autovacuum off, or not yet run) PostgreSQL plans the pages' sums for empty tables
    (bitmap heap scans where an index-only scan answers). VACUUM (the visibility map
    that index-only scans need) cannot run in a transaction: inside one, ANALYZE only."""
    tables = [IndexMonthStats._meta.db_table, OpenDueCount._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            vacuum = "" if connection.in_atomic_block else "VACUUM "
            cursor.execute(f"{vacuum}ANALYZE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


class Command(BaseCommand):
    help = "Tính lại số liệu chỉ số phục vụ (QĐ 766) từ hồ sơ."

    def handle(self, *args, **options):
        with transaction.atomic():
            rows = rebuild(Dossier, Event, IndexMonthStats, OutboxMessage)
            open_rows = rebuild_open(Dossier, OpenDueCount)
        refresh_statistics()
        self.stdout.write(
            f"Đã tính lại {rows} dòng (cơ quan, tháng) và {open_rows} dòng hồ sơ đang xử lý "
            "theo ngày hẹn."
        )
