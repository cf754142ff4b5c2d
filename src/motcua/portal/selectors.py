"""Read paths of the public pages that are not the catalogue's or a dossier's."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers.models import AgencyMonthStats
from motcua.portal.models import Announcement

HOME_ANNOUNCEMENTS = 5
FIGURES_KEY = "motcua:portal:home-figures"
FIGURES_SECONDS = 300  # figures of a year move slowly; one query set per 5 minutes


def current_announcements(now: dt.datetime | None = None) -> list[Announcement]:
    now = now or timezone.now()
    return list(
        Announcement.objects.filter(is_published=True, published_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-is_important", "-published_at", "-id")[:HOME_ANNOUNCEMENTS]
    )


def home_figures(today: dt.date | None = None) -> dict[str, int | float | None]:
    """A few figures for the home page, from the summary tables (never a count over the
    dossiers): procedures in force and fully online, this year's dossiers received and
    finished, and the share of the finished ones finished on time."""
    today = today or timezone.localdate()
    key = f"{FIGURES_KEY}:{today.year}"
    figures = cache.get(key)
    if figures is not None:
        return figures
    procedures = Procedure.objects.filter(is_active=True).aggregate(
        total=Count("id"), online=Count("id", filter=Q(online_level=Procedure.OnlineLevel.FULL))
    )
    year = AgencyMonthStats.objects.filter(month__year=today.year).aggregate(
        received=Sum("received"), finished=Sum("finished"), on_time=Sum("on_time")
    )
    finished = year["finished"] or 0
    figures = {
        "procedures": procedures["total"],
        "online": procedures["online"],
        "year": today.year,
        "received": year["received"] or 0,
        "finished": finished,
        # None, not 100 %, when nothing was finished yet.
        "on_time_percent": round(100 * (year["on_time"] or 0) / finished, 1) if finished else None,
    }
    cache.set(key, figures, FIGURES_SECONDS)
    return figures
