"""Changes to shared data: the holiday calendar."""

from __future__ import annotations

from collections.abc import Iterable

import holidays as holidays_lib
from django.db import transaction

from motcua.core import audit
from motcua.core.calendar import forget_cached_calendar
from motcua.core.models import CalendarDay


@transaction.atomic
def seed_calendar(years: Iterable[int], actor: str = "system") -> int:
    """Add Vietnam's public holidays and make-up working days from the `holidays` package.

    Existing rows are left as they are: an administrator's edit wins over the seed.
    Returns the number of rows added.
    """
    years = sorted(set(years))
    vn = holidays_lib.country_holidays("VN", years=years)
    rows: dict = {}
    for day, name in sorted(vn.items()):
        rows[day] = CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name=name)
    # Saturdays decreed as working days to make up for a bridged holiday.
    for day in sorted(getattr(vn, "weekend_workdays", set())):
        if day.year in years:
            rows[day] = CalendarDay(date=day, kind=CalendarDay.Kind.WORKDAY, name="Làm bù")
    existing = set(CalendarDay.objects.filter(date__in=rows).values_list("date", flat=True))
    new = [row for day, row in rows.items() if day not in existing]
    CalendarDay.objects.bulk_create(new)
    forget_cached_calendar()  # bulk_create sends no post_save
    if new:
        audit.record(
            "calendar.seed",
            "calendar",
            ",".join(map(str, years)),
            actor=actor,
            data={"added": len(new)},
        )
    return len(new)
