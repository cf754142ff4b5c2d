from django.core.management.base import BaseCommand
from django.utils import timezone

from motcua.core.services import seed_calendar


class Command(BaseCommand):
    help = (
        "Seed holidays and make-up working days: a year's decided schedule shipped with the "
        "release (core/data/calendar-YYYY.json), else the `holidays` package (Vietnamese "
        "names). Seeded years stay unconfirmed until `motcua calendar confirm YEAR`."
    )

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument("--from-year", type=int, default=this_year - 1)
        parser.add_argument("--to-year", type=int, default=this_year + 2)

    def handle(self, *args, **options):
        added = seed_calendar(range(options["from_year"], options["to_year"] + 1))
        self.stdout.write(f"calendar: {added} days added")
