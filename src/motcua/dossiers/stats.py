"""Summary tables, updated in the transaction of each transition (see services._record)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from motcua.core.counters import increment
from motcua.dossiers.models import AgencyMonthStats, AgencyStatusCount, Dossier

STATUS_TABLE = AgencyStatusCount._meta.db_table
MONTH_TABLE = AgencyMonthStats._meta.db_table


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def is_on_time(dossier: Dossier) -> bool:
    """QĐ 766: finished no later than the appointment (already moved for time waiting on
    the applicant), and at most one supplement request."""
    if dossier.finished_at is None or dossier.due_at is None:
        return False
    return dossier.finished_at <= dossier.due_at and dossier.supplement_count <= 1


def on_transition(dossier: Dossier, action: str, from_status: str) -> None:
    agency = dossier.agency_id
    if from_status != dossier.status:
        if from_status:
            increment(STATUS_TABLE, {"agency_id": agency, "status": from_status}, {"count": -1})
        increment(STATUS_TABLE, {"agency_id": agency, "status": dossier.status}, {"count": 1})
    if action == "receive":
        increment(
            MONTH_TABLE,
            {"agency_id": agency, "month": month_of(dossier.received_at)},
            {"received": 1},
        )
    elif action == "finish":
        on_time = is_on_time(dossier)
        increment(
            MONTH_TABLE,
            {"agency_id": agency, "month": month_of(dossier.finished_at)},
            {"finished": 1, "on_time": int(on_time), "late": int(not on_time)},
        )


def status_counts(agency_ids: list[int] | None = None) -> dict[str, int]:
    qs = AgencyStatusCount.objects.all()
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = qs.values("status").annotate(total=Sum("count"))
    return {r["status"]: r["total"] for r in rows if r["total"]}


def on_time_by_agency(first_month: dt.date, last_month: dt.date) -> dict[int, dict[str, float]]:
    """On-time rate per agency over [first_month, last_month] (first days of months)."""
    rows = (
        AgencyMonthStats.objects.filter(month__gte=first_month, month__lte=last_month)
        .values("agency_id")
        .annotate(finished=Sum("finished"), on_time=Sum("on_time"), late=Sum("late"))
    )
    return {
        r["agency_id"]: {
            "finished": r["finished"],
            "on_time": r["on_time"],
            "late": r["late"],
            "rate": (r["on_time"] / r["finished"]) if r["finished"] else 1.0,
        }
        for r in rows
    }
