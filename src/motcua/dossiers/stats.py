"""Summary tables, updated in the transaction of each transition (see services._record),
and the QĐ 766 on-time rate ("tiến độ giải quyết") computed from them.

QĐ 766/QĐ-TTg (2022), the progress indicator, as applied here:
- a dossier counts from its receipt, in the month it was received (local time); dossiers
  never received (refused at intake, withdrawn before receipt) are not in the statistic;
- on time = finished (status 9/10) at or before the appointment given at receipt
  (`Dossier.on_time_due_at`): an apology's new date (form 04) never makes a late dossier on
  time; time waiting for the applicant is excluded (a payment moves the appointment by the
  wait, a supplement re-gives it when the clock restarts, NĐ 45/2020 and NĐ 118/2025);
- the denominator is every dossier received in the period: finished, still being worked
  on, stopped (including a refusal after receipt) and withdrawn. One still open counts as
  on time while its appointment has not passed, late once it has; one stopped or withdrawn
  counts as late when it closed after the appointment;
- more than one supplement request in a stage (intake, appraisal) makes the dossier late;
- no dossiers received in the period is no data (None), never 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.db.models import Sum
from django.utils import timezone

from motcua.core.counters import batched, increment
from motcua.dossiers.models import AgencyMonthStats, AgencyStatusCount, Dossier, Status

STATUS_TABLE = AgencyStatusCount._meta.db_table
MONTH_TABLE = AgencyMonthStats._meta.db_table
SUPPLEMENTS_PER_STAGE = 1  # NĐ 118/2025: one request at intake, one in appraisal
# Received, result not yet issued: the live part of the statistic.
OPEN_AFTER_RECEIPT = [
    Status.RECEIVED,
    Status.PROCESSING,
    Status.APPROVED,
    Status.SUPPLEMENT,
    Status.PAYMENT,
]


# Other apps' counters, moved in the same transaction: each is called as
# hook(dossier, action, from_status) after this module's own (serviceindex adds its own in
# its AppConfig.ready; dossiers imports no app above it).
TRANSITION_HOOKS: list[Callable[[Dossier, str, str], None]] = []


@dataclass(frozen=True)
class State:
    """What decides where a dossier stands in the statistic (received, open, late or not),
    as the transition's transaction found it when it locked the row (services._locked):
    hooks that keep counts by these fields move the dossier from its old place to its new
    one. A dossier created in the transaction has no earlier state (None)."""

    status: str
    agency_id: int
    received_at: dt.datetime | None
    on_time_due_at: dt.datetime | None
    original_due_at: dt.datetime | None
    paused_at: dt.datetime | None
    finished_at: dt.datetime | None
    intake_supplement_count: int
    appraisal_supplement_count: int


STATE_FIELDS = [f.name for f in fields(State)]


def state_of(dossier: Dossier | State) -> State:
    return State(*(getattr(dossier, name) for name in STATE_FIELDS))


def remember(dossier: Dossier) -> Dossier:
    """Keep the dossier's current State on it, as the "before" of its next transition."""
    dossier._stats_before = state_of(dossier)
    return dossier


def state_before(dossier: Dossier) -> State | None:
    return getattr(dossier, "_stats_before", None)


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def deadline(dossier: Dossier | State) -> dt.datetime | None:
    """The appointment the statistic measures against (rows older than the field: the
    original appointment)."""
    return dossier.on_time_due_at or dossier.original_due_at


def too_many_supplements(dossier: Dossier | State) -> bool:
    return (
        dossier.intake_supplement_count > SUPPLEMENTS_PER_STAGE
        or dossier.appraisal_supplement_count > SUPPLEMENTS_PER_STAGE
    )


def is_on_time(dossier: Dossier, now: dt.datetime | None = None) -> bool:
    """QĐ 766, for a received dossier, finished or not (see the module's docstring).

    The moment measured is when the work ended (finished_at), or now for an open one; a
    dossier closed or looked at while waiting for the applicant is measured at the start
    of the wait, since the wait is not the agency's time.
    """
    due = deadline(dossier)
    if due is None or too_many_supplements(dossier):
        return False
    if dossier.paused_at is not None:
        end = dossier.paused_at
    else:
        end = dossier.finished_at or now or timezone.now()
    return end <= due


def on_transition(dossier: Dossier, action: str, from_status: str) -> None:
    # The counters' upserts of this module and the hooks go to the database together.
    with batched():
        _count(dossier, action, from_status)
        for hook in TRANSITION_HOOKS:
            hook(dossier, action, from_status)
    remember(dossier)  # a second transition in the same transaction starts from here


def _count(dossier: Dossier, action: str, from_status: str) -> None:
    agency = dossier.agency_id
    if from_status != dossier.status:
        if from_status:
            increment(STATUS_TABLE, {"agency_id": agency, "status": from_status}, {"count": -1})
        increment(STATUS_TABLE, {"agency_id": agency, "status": dossier.status}, {"count": 1})
    if dossier.received_at is None:
        return  # not received: outside the on-time statistic
    key = {"agency_id": agency, "month": month_of(dossier.received_at)}
    if action == "receive":
        increment(MONTH_TABLE, key, {"received": 1})
    elif action == "finish":
        on_time = is_on_time(dossier)
        increment(
            MONTH_TABLE, key, {"finished": 1, "on_time": int(on_time), "late": int(not on_time)}
        )
    elif action in ("stop", "refuse", "withdraw"):
        column = "withdrawn" if action == "withdraw" else "stopped"
        increment(MONTH_TABLE, key, {column: 1, "closed_late": int(not is_on_time(dossier))})


def status_counts(agency_ids: list[int] | None = None) -> dict[str, int]:
    qs = AgencyStatusCount.objects.all()
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = qs.values("status").annotate(total=Sum("count"))
    return {r["status"]: r["total"] for r in rows if r["total"]}


@dataclass
class Progress:
    """One agency's (or the province's) dossiers received in a period, by outcome."""

    received: int = 0
    finished: int = 0
    on_time: int = 0  # finished on time
    late: int = 0  # finished late
    stopped: int = 0
    withdrawn: int = 0
    closed_late: int = 0  # stopped or withdrawn after the appointment
    open_late: int = 0  # still open, appointment passed

    @property
    def open(self) -> int:
        return self.received - self.finished - self.stopped - self.withdrawn

    @property
    def counted_on_time(self) -> int:
        closed_in_time = self.stopped + self.withdrawn - self.closed_late
        return self.on_time + closed_in_time + (self.open - self.open_late)

    @property
    def counted_late(self) -> int:
        return self.late + self.closed_late + self.open_late

    @property
    def rate(self) -> float | None:
        """QĐ 766 on-time share; None when nothing was received (no data, not 100 %)."""
        return self.counted_on_time / self.received if self.received else None

    def add(self, other: Progress) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


SUMMED = ["received", "finished", "on_time", "late", "stopped", "withdrawn", "closed_late"]


def _local_start(month: dt.date) -> dt.datetime:
    return dt.datetime.combine(month, dt.time(), tzinfo=timezone.get_current_timezone())


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def progress_by_agency(
    first_month: dt.date,
    last_month: dt.date,
    agency_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> dict[int, Progress]:
    """QĐ 766 progress per agency for dossiers received in [first_month, last_month]
    (first days of months): the closed outcomes from the summary table, the open ones'
    state (appointment passed or not) from the few dossiers still open."""
    now = now or timezone.now()
    qs = AgencyMonthStats.objects.filter(month__gte=first_month, month__lte=last_month)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = qs.values("agency_id").annotate(**{c: Sum(c) for c in SUMMED})
    out = {r["agency_id"]: Progress(**{c: r[c] or 0 for c in SUMMED}) for r in rows}
    open_qs = Dossier.objects.filter(
        status__in=OPEN_AFTER_RECEIPT,
        received_at__gte=_local_start(first_month),
        received_at__lt=_local_start(_next_month(last_month)),
    ).only(
        "agency_id",
        "on_time_due_at",
        "original_due_at",
        "paused_at",
        "finished_at",
        "intake_supplement_count",
        "appraisal_supplement_count",
    )
    if agency_ids is not None:
        open_qs = open_qs.filter(agency_id__in=agency_ids)
    for d in open_qs.iterator(chunk_size=2000):
        if not is_on_time(d, now):
            out.setdefault(d.agency_id, Progress()).open_late += 1
    return {agency: p for agency, p in out.items() if p.received}


def progress_total(
    first_month: dt.date,
    last_month: dt.date,
    agency_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> Progress:
    total = Progress()
    for p in progress_by_agency(first_month, last_month, agency_ids, now).values():
        total.add(p)
    return total


def on_time_by_agency(first_month: dt.date, last_month: dt.date) -> dict[int, dict]:
    """progress_by_agency as plain numbers (the dashboard's shape); rate None = no data."""
    return {
        agency: {
            **{c: getattr(p, c) for c in SUMMED},
            "open": p.open,
            "open_late": p.open_late,
            "counted_on_time": p.counted_on_time,
            "counted_late": p.counted_late,
            "rate": p.rate,
        }
        for agency, p in progress_by_agency(first_month, last_month).items()
    }
