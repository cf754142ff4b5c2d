import datetime as dt

from django.core.management.base import BaseCommand

from motcua.dossiers.services import sweep_orphan_files


class Command(BaseCommand):
    help = "Delete stored files no attachment points to (left by a crash mid-submission)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=24)

    def handle(self, *args, **options):
        removed = sweep_orphan_files(dt.timedelta(hours=options["older_than_hours"]))
        self.stdout.write(f"removed {len(removed)} orphan files")
