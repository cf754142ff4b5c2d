"""`motcua reports run-due`: make and send the scheduled reports of the periods just ended
(idempotent); `motcua reports rebuild`: recount the report's summary tables from the
dossiers; `motcua reports check`: compare them with a recount, change nothing."""

from django.core.management.base import BaseCommand, CommandError

from motcua.reports import services, tracking


class Command(BaseCommand):
    help = "Báo cáo thống kê định kỳ: run-due, rebuild, check."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("run-due", help="make and enqueue the reports of the periods just ended")
        sub.add_parser("rebuild", help="recount the summary tables from the dossiers")
        sub.add_parser("check", help="compare the summary tables with a recount")

    def handle(self, *args, action, **options):
        if action == "run-due":
            result = services.run_due()
            self.stdout.write(result.summary())
            if result.errors:
                raise CommandError("; ".join(result.errors))
        elif action == "rebuild":
            rows, late = tracking.rebuild()
            self.stdout.write(f"Đã tính lại {rows} dòng số liệu, {late} hồ sơ trễ hạn.")
        else:
            expected, _ = tracking.recount()
            expected = {k: v for k, v in expected.items() if any(v.values())}
            actual = tracking.table_as_dict()
            if expected != actual:
                keys = expected.keys() | actual.keys()
                bad = [k for k in keys if expected.get(k) != actual.get(k)]
                raise CommandError(f"{len(bad)} dòng số liệu khác với số đếm lại từ hồ sơ.")
            self.stdout.write(f"Khớp: {len(actual)} dòng số liệu.")
