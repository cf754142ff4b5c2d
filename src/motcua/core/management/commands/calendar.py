from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.core.models import CalendarDay, CalendarYear
from motcua.core.problems import InvalidInput
from motcua.core.services import check_calendar, confirm_year, seed_calendar

KIND = {CalendarDay.Kind.HOLIDAY: "nghỉ", CalendarDay.Kind.WORKDAY: "làm bù"}


class Command(BaseCommand):
    help = (
        "The working calendar. `calendar check` lists the years (this year, the next, and any "
        "later year in the calendar) that need an administrator's confirmation, with how the "
        "stored days differ from the shipped decision; exit status 1 when any does. "
        "`calendar confirm YEAR --by USER [--source TEXT]` confirms a year. "
        "`calendar seed YEAR...` adds a year's days (shipped decision, else the holidays package)."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["check", "confirm", "seed"])
        parser.add_argument("years", nargs="*", type=int)
        parser.add_argument("--by", default="", help="confirm: the administrator's username")
        parser.add_argument("--source", default="", help="confirm: the deciding document")

    def handle(self, *args, **options):
        sub, years = options["subcommand"], options["years"]
        if sub == "seed":
            if not years:
                raise CommandError("calendar seed: give at least one year")
            self.stdout.write(f"calendar: {seed_calendar(years)} days added")
            return
        if sub == "confirm":
            return self._confirm(years, options["by"], options["source"])
        self._check(years)

    def _confirm(self, years, username, source):
        if len(years) != 1:
            raise CommandError("calendar confirm: give exactly one year")
        user = User.objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError("calendar confirm: --by must name an administrator (is_staff)")
        try:
            row = confirm_year(years[0], user, source)
        except InvalidInput as exc:
            raise CommandError(str(exc.detail)) from None
        self.stdout.write(f"{row.year}: đã xác nhận ({row.source})")

    def _check(self, years):
        if not years:
            this_year = timezone.localdate().year
            later = CalendarYear.objects.filter(year__gt=this_year + 1)
            years = [this_year, this_year + 1, *later.values_list("year", flat=True)]
        attention = False
        for check in check_calendar(years):
            state = "đã xác nhận" if check.confirmed else "CHƯA XÁC NHẬN"
            self.stdout.write(f"{check.year}: {state} — căn cứ: {check.source}")
            for label, rows in (
                ("thiếu so với căn cứ", check.missing),
                ("khác loại so với căn cứ", check.different),
                ("không có trong căn cứ", check.extra),
            ):
                for day, kind, name in rows:
                    self.stdout.write(f"  {label}: {day:%d/%m/%Y} {KIND.get(kind, kind)} {name}")
            attention |= check.needs_attention
        if attention:
            raise CommandError("lịch làm việc cần được rà soát và xác nhận (xem trên)")
