"""`motcua dvcqg pull [--from-start]`: take the dossiers filed on the national portal now
(the worker does it every MOTCUA_DVCQG_PULL_MINUTES)."""

from django.core.management.base import BaseCommand, CommandError

from motcua.dvcqg import intake
from motcua.dvcqg.client import NotConfigured


class Command(BaseCommand):
    help = "Cổng Dịch vụ công quốc gia: pull — lấy hồ sơ công dân đã nộp trên Cổng."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        pull = sub.add_parser("pull", help="take the dossiers waiting in the portal's feed")
        pull.add_argument(
            "--from-start",
            action="store_true",
            help="read the feed from its beginning (what is still unacknowledged), not from "
            "the stored cursor",
        )
        pull.add_argument("--page-size", type=int, default=None)

    def handle(self, *args, action, **options):
        if action == "pull":
            try:
                report = intake.pull(
                    from_start=options["from_start"], page_size=options["page_size"]
                )
            except NotConfigured as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(report.summary())
            if report.stopped:
                raise CommandError(f"pull stopped: {report.stopped}")
