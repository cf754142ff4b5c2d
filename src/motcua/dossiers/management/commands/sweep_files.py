import datetime as dt

from django.core.management.base import BaseCommand

from motcua.core.ratelimit import purge_expired
from motcua.core.tempfiles import sweep_upload_temp
from motcua.dossiers.services import sweep_orphan_files


class Command(BaseCommand):
    help = (
        "Delete stored files no attachment points to and temporary upload files (both left "
        "by a crash mid-submission), and expired rate-limit counters."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=24)

    def handle(self, *args, **options):
        older_than = dt.timedelta(hours=options["older_than_hours"])
        removed = sweep_orphan_files(older_than)
        temp = sweep_upload_temp(older_than)
        counters = purge_expired()
        self.stdout.write(
            f"removed {len(removed)} orphan files, {len(temp)} temporary upload files, "
            f"{counters} expired rate-limit counters"
        )
