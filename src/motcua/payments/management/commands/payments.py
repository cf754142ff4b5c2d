"""`motcua payments check` (the payments-check job: query the platform about pending
orders) and `motcua payments reconcile [--day YYYY-MM-DD]` (the daily payments-reconcile
job: the platform's transactions of a day against ours; prints the mismatches)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from motcua.payments import platform, services


class Command(BaseCommand):
    help = "Thanh toán: check — hỏi nền tảng về đơn chờ; reconcile — đối soát theo ngày."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="query the platform about pending orders")
        check.add_argument("--min-age", type=int, default=None, help="minutes (default: setting)")
        reconcile = sub.add_parser("reconcile", help="reconcile one day (default: yesterday)")
        reconcile.add_argument("--day", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, action, **options):
        try:
            if action == "check":
                report = services.check_pending(min_age_minutes=options["min_age"])
                self.stdout.write(report.summary())
                if report.errors:
                    raise CommandError("; ".join(report.errors[:3]))
            else:
                report = services.reconcile(options["day"])
                self.stdout.write(report.summary())
                if report.error:
                    raise CommandError(report.error)
        except platform.NotConfigured as exc:
            raise CommandError(str(exc)) from exc
