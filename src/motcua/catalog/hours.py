"""The working calendar of an agency's dossiers: the province's holidays with the hours of
the service centre that receives for the agency (catalog.WorkingHours)."""

from __future__ import annotations

from motcua.catalog.models import Agency, ServiceCentre, WorkingHours
from motcua.catalog.selectors import centre_for
from motcua.core.calendar import WorkingCalendar, calendar
from motcua.core.prepared import Prepared

_HOURS = Prepared(
    "catalog.working_hours",
    lambda centre: WorkingHours.objects.filter(centre_id=centre),
    centre=int,
)


def week_of(agency: Agency | int | None) -> dict[int, list[tuple[str, str]]] | None:
    """Windows per weekday of the agency's centre, or None for the province's default."""
    return week_of_centre(centre_for(agency))


def week_of_centre(centre: ServiceCentre | None) -> dict[int, list[tuple[str, str]]] | None:
    if centre is None:
        return None
    rows = _HOURS.all(centre=centre.pk)
    week = {row.weekday: [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in row.windows()] for row in rows}
    return week or None


def calendar_for(agency: Agency | int | None) -> WorkingCalendar:
    return calendar(week=week_of(agency))


def calendar_of_centre(centre: ServiceCentre | None) -> WorkingCalendar:
    """calendar_for when the caller already has the agency's centre (centre_for)."""
    return calendar(week=week_of_centre(centre))
