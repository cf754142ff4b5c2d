"""`motcua postal poll`: ask the postal operator about every parcel on its way (events a
lost webhook call did not bring); `motcua postal deliver`: send waiting orders now."""

from django.core.management.base import BaseCommand, CommandError

from motcua.postal import operator as ops
from motcua.postal import services


class Command(BaseCommand):
    help = "Bưu chính công ích: poll — tra cứu hành trình các bưu gửi đang gửi."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="track every open order at the operator")
        poll.add_argument("--limit", type=int, default=500)

    def handle(self, *args, action, **options):
        if action == "poll":
            try:
                report = services.poll(limit=options["limit"])
            except ops.NotConfigured as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(report.summary())
