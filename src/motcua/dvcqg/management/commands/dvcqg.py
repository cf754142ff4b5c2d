"""`motcua dvcqg pull [--from-start]`: take the dossiers filed on the national portal now
(the worker does it every MOTCUA_DVCQG_PULL_MINUTES).
`motcua dvcqg reconcile [--days N]`: compare the last N days' dossiers with the portal now
(the worker does it daily).
`motcua dvcqg catalogue [--code MaTTHC]`: pull the national procedure catalogue (daily:
MOTCUA_DVCQG_CATALOGUE_MINUTES); new versions wait in the admin for an administrator.
`motcua dvcqg feedback [--from-start]`: citizens' ratings and questions from the portal
(MOTCUA_DVCQG_FEEDBACK_MINUTES), attached to their dossiers."""

from django.core.management.base import BaseCommand, CommandError

from motcua.dvcqg import catalogue, feedback, intake, reconcile
from motcua.dvcqg.client import NotConfigured


class Command(BaseCommand):
    help = (
        "Cổng Dịch vụ công quốc gia: pull — lấy hồ sơ công dân đã nộp trên Cổng; "
        "reconcile — đối soát trạng thái hồ sơ với Cổng; "
        "catalogue — đồng bộ danh mục thủ tục hành chính; feedback — lấy đánh giá, phản ánh "
        "kiến nghị của người dân."
    )

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
        cat = sub.add_parser(
            "catalogue", help="pull the national procedure catalogue (versions, changes)"
        )
        cat.add_argument("--code", default="", help="only this procedure (MaTTHC)")
        fb = sub.add_parser("feedback", help="pull citizens' ratings and questions")
        fb.add_argument(
            "--from-start", action="store_true", help="read both lists from their beginning"
        )

    def handle(self, *args, action, **options):
        try:
            if action == "pull":
                self._pull(options)
            elif action == "catalogue":
                self._catalogue(options)
            elif action == "feedback":
                self._feedback(options)
            elif action == "reconcile":
                self._reconcile(options)
        except NotConfigured as exc:
            raise CommandError(str(exc)) from exc

    def _pull(self, options):
        report = intake.pull(from_start=options["from_start"], page_size=options["page_size"])
        self.stdout.write(report.summary())
        if report.stopped:
            raise CommandError(f"pull stopped: {report.stopped}")

    def _catalogue(self, options):
        filters = {"MaTTHC": options["code"]} if options["code"] else {}
        report = catalogue.pull_catalogue(**filters)
        self.stdout.write(report.summary())
        for line in report.invalid:
            self.stderr.write(f"sai định dạng: {line}")
        if report.stopped:
            raise CommandError(f"catalogue pull stopped: {report.stopped}")

    def _feedback(self, options):
        report = feedback.pull_feedback(from_start=options["from_start"])
        self.stdout.write(report.summary())
        for line in report.invalid:
            self.stderr.write(f"sai định dạng: {line}")
        if report.stopped:
            raise CommandError(f"feedback pull stopped: {report.stopped}")

    def _reconcile(self, options):
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days phải là số nguyên dương")
        report = reconcile.run(
            options["days"],
            trigger="motcua dvcqg reconcile",
            requeue=not options["report_only"],
        )
        self.stdout.write(reconcile.summary(report))
        if report.error:
            raise CommandError(f"reconcile stopped: {report.error}")
