"""The report's summary tables, moved in the transaction of each dossier transition (through
dossiers.stats.TRANSITION_HOOKS), and recounted from the dossiers (`motcua reports
rebuild`). Both go through `contribution`, so the running counters and the recount apply
the same rules:

- received: in the month of receipt, online or direct (desk, post);
- solved: a result issued (status 9), in its month: early (before the appointment's day),
  on time, or late as QĐ 766 counts it (dossiers.stats.is_on_time);
- closed: stopped or withdrawn after receipt, in its month;
- returned: the result handed over, in its month;
- overdue_from / overdue_until: see models.COUNTERS.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.core.counters import increment
from motcua.dossiers.models import Channel, Dossier, Status
from motcua.dossiers.stats import deadline, is_on_time, month_of
from motcua.reports.models import COUNTERS, ReportLateDossier, ReportMonthStats

TABLE = ReportMonthStats._meta.db_table
SOLVED = (Status.DONE, Status.RETURNED)
CLOSED_AFTER_RECEIPT = (Status.STOPPED, Status.WITHDRAWN, Status.REJECTED)
CLOSING_ACTION = {Status.STOPPED: "stop", Status.WITHDRAWN: "withdraw", Status.REJECTED: "refuse"}
ENDING_ACTIONS = {"finish": "finish", "stop": "close", "withdraw": "close", "refuse": "close"}


def solved_kind(dossier: Dossier) -> str:
    """solved_early, solved_on_time or solved_late for a dossier with its result."""
    if not is_on_time(dossier):
        return "solved_late"
    end = dossier.paused_at or dossier.finished_at
    due = deadline(dossier)
    if timezone.localdate(end) < timezone.localdate(due):
        return "solved_early"
    return "solved_on_time"


def contribution(dossier: Dossier, part: str) -> Iterator[tuple[dt.date, dict[str, int]]]:
    """(month, counter deltas) of one part of a received dossier's life: "receive",
    "finish", "close" or "return"."""
    if part == "receive":
        column = "received_online" if dossier.channel == Channel.ONLINE else "received_direct"
        yield month_of(dossier.received_at), {column: 1}
        return
    if part == "return":
        yield month_of(dossier.returned_at), {"returned": 1}
        return
    end = dossier.finished_at
    if part == "finish":
        yield month_of(end), {solved_kind(dossier): 1}
    else:
        yield month_of(end), {"closed": 1}
    due = deadline(dossier)
    if due is not None and end > due:
        yield month_of(due), {"overdue_from": 1}
        yield month_of(end), {"overdue_until": 1}


def late_row(dossier: Dossier, part: str, action: str, field_id: int) -> ReportLateDossier | None:
    """The late list's row for a dossier that just ended, or None when it was not late."""
    due = deadline(dossier)
    overdue = due is not None and dossier.finished_at > due
    solved_late = part == "finish" and not is_on_time(dossier)
    if not (overdue or solved_late):
        return None
    return ReportLateDossier(
        dossier_id=dossier.pk,
        agency_id=dossier.agency_id,
        field_id=field_id,
        action=action,
        due_at=due,
        ended_at=dossier.finished_at,
        solved_late=solved_late,
        overdue=overdue,
    )


def _field_of(dossier: Dossier) -> int:
    procedure = dossier._state.fields_cache.get("procedure")
    if procedure is not None:
        return procedure.field_id
    return Procedure.objects.filter(pk=dossier.procedure_id).values_list("field_id", flat=True)[0]


def on_transition(dossier: Dossier, action: str, from_status: str) -> None:
    if dossier.received_at is None:
        return  # never received: outside the report, like the on-time statistic
    if action == "receive":
        part = "receive"
    elif action == "return_result":
        part = "return"
    elif action in ENDING_ACTIONS and dossier.finished_at is not None:
        part = ENDING_ACTIONS[action]
    else:
        return
    field_id = _field_of(dossier)
    for month, deltas in contribution(dossier, part):
        increment(
            TABLE, {"agency_id": dossier.agency_id, "field_id": field_id, "month": month}, deltas
        )
    if part in ("finish", "close"):
        row = late_row(dossier, part, action, field_id)
        if row is not None:
            row.save()


# --- recount from the dossiers ----------------------------------------------------------

RECOUNT_FIELDS = (
    "id",
    "agency_id",
    "procedure__field_id",
    "channel",
    "status",
    "received_at",
    "finished_at",
    "returned_at",
    "paused_at",
    "on_time_due_at",
    "original_due_at",
    "intake_supplement_count",
    "appraisal_supplement_count",
)


def _parts(dossier: Dossier) -> Iterator[str]:
    yield "receive"
    if dossier.status in SOLVED and dossier.finished_at is not None:
        yield "finish"
    elif dossier.status in CLOSED_AFTER_RECEIPT and dossier.finished_at is not None:
        yield "close"
    if dossier.returned_at is not None:
        yield "return"


def recount() -> tuple[dict[tuple[int, int, dt.date], dict[str, int]], list[ReportLateDossier]]:
    """Both tables as the dossiers say they should be: one pass over the received ones."""
    rows: dict[tuple[int, int, dt.date], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(COUNTERS, 0)
    )
    late: list[ReportLateDossier] = []
    qs = (
        Dossier.objects.filter(received_at__isnull=False)
        .order_by()
        .only(*[f for f in RECOUNT_FIELDS if "__" not in f])
        .annotate(field_id=F("procedure__field_id"))
    )
    for d in qs.iterator(chunk_size=5000):
        for part in _parts(d):
            for month, deltas in contribution(d, part):
                counts = rows[(d.agency_id, d.field_id, month)]
                for k, v in deltas.items():
                    counts[k] += v
            if part in ("finish", "close"):
                action = "finish" if part == "finish" else CLOSING_ACTION[d.status]
                row = late_row(d, part, action, d.field_id)
                if row is not None:
                    late.append(row)
    return rows, late


@transaction.atomic
def rebuild() -> tuple[int, int]:
    """Replace both tables by the recount; returns (summary rows, late rows)."""
    rows, late = recount()
    ReportMonthStats.objects.all().delete()
    ReportLateDossier.objects.all().delete()
    ReportMonthStats.objects.bulk_create(
        [
            ReportMonthStats(agency_id=a, field_id=f, month=m, **counts)
            for (a, f, m), counts in rows.items()
        ],
        batch_size=2000,
    )
    ReportLateDossier.objects.bulk_create(late, batch_size=2000)
    return len(rows), len(late)


def table_as_dict() -> dict[tuple[int, int, dt.date], dict[str, int]]:
    """The summary table as recount() gives it, rows of all zeros left out (to compare)."""
    out = {}
    for r in ReportMonthStats.objects.values("agency_id", "field_id", "month", *COUNTERS):
        counts = {c: r[c] for c in COUNTERS}
        if any(counts.values()):
            out[(r["agency_id"], r["field_id"], r["month"])] = counts
    return out
