"""`motcua dvcqg pull [--from-start]`: take the dossiers filed on the national portal now
(the worker does it every MOTCUA_DVCQG_PULL_MINUTES). `motcua dvcqg reconcile [--days N]`:
compare the last N days' dossiers with the portal now (the worker does it daily)."""

from django.core.management.base import BaseCommand, CommandError

from motcua.dvcqg import intake, reconcile
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
        reconcile_ = sub.add_parser(
            "reconcile", help="compare the dossiers of the last N days with the portal's"
        )
        reconcile_.add_argument(
            "--days", type=int, default=None, help="default MOTCUA_DVCQG_RECONCILE_DAYS"
        )
        reconcile_.add_argument(
            "--report-only", action="store_true", help="record the differences, send nothing"
        )

    def handle(self, *args, action, **options):
        if action == "reconcile":
            return self._reconcile(options)
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

    def _reconcile(self, options):
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days phải là số nguyên dương")
        try:
            report = reconcile.run(
                options["days"],
                trigger="motcua dvcqg reconcile",
                requeue=not options["report_only"],
            )
        except NotConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(reconcile.summary(report))
        if report.error:
            raise CommandError(f"reconcile stopped: {report.error}")
