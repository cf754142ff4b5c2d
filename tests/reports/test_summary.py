"""On generated data (random paths over five months, the clock moved for each step): the
summary kept in the transitions equals a recount from the dossiers, and every number of
the report equals the same number counted naively from the dossiers."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from motcua.dossiers import services, stats
from motcua.dossiers.models import Dossier
from motcua.reports import selectors, tracking
from motcua.reports.models import ReportLateDossier, ReportMonthStats
from motcua.serviceindex.selectors import province
from tests.reports.helpers import VN, clock, finished, received, returned

pytestmark = pytest.mark.django_db


def _when(day: dt.date, hour: int) -> str:
    return f"{day:%Y-%m-%d} {hour:02d}:00"


def generate(world, monkeypatch, n: int, seed: int) -> None:
    rng = random.Random(seed)
    start = dt.date(2026, 1, 5)
    for _ in range(n):
        day = start + dt.timedelta(days=rng.randrange(0, 140))
        due = day + dt.timedelta(days=rng.randrange(1, 25))
        channel = "online" if rng.random() < 0.5 else "desk"
        d = received(world, monkeypatch, _when(day, 9), _when(due, 17), channel)
        path = rng.random()
        end = day + dt.timedelta(days=rng.randrange(0, 40))
        if path < 0.2:
            continue  # still open
        if path < 0.3:
            with clock(monkeypatch, _when(end, 10)):
                services.stop(d, world.leader, "Không đủ điều kiện")
            continue
        if path < 0.37:
            with clock(monkeypatch, _when(end, 10)):
                services.withdraw(d, world.desk, "Người nộp xin rút")
            continue
        d = finished(world, monkeypatch, d, _when(end, rng.choice([8, 10, 16, 18])))
        if rng.random() < 0.6:
            returned(world, monkeypatch, d, _when(end + dt.timedelta(days=rng.randrange(0, 9)), 9))


def _bounds(first: dt.date, last_next: dt.date):
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=VN),
        dt.datetime.combine(last_next, dt.time(), tzinfo=VN),
    )


def naive(first: dt.date, after: dt.date, late: set[str] | None = None) -> dict[str, int]:
    """The report's numbers for [first, after) counted from each dossier; the codes of the
    late ones (solved late, or overdue and open at the end) are added to `late`."""
    start, end = _bounds(first, after)
    out = dict.fromkeys(selectors.RAW, 0)
    late = set() if late is None else late
    for d in Dossier.objects.filter(received_at__isnull=False):
        ended = d.finished_at if d.status in ("done", "returned", "stopped", "withdrawn") else None
        if d.received_at < start and (ended is None or ended >= start):
            out["carried"] += 1
        if start <= d.received_at < end:
            out["received_online" if d.channel == "online" else "received_direct"] += 1
        if ended is not None and start <= ended < end:
            if d.status in ("stopped", "withdrawn"):
                out["closed"] += 1
            else:
                out[tracking.solved_kind(d)] += 1
                if tracking.solved_kind(d) == "solved_late":
                    late.add(d.code)
        if d.returned_at is not None and start <= d.returned_at < end:
            out["returned"] += 1
        due = stats.deadline(d)
        if d.received_at < end and (ended is None or ended >= end) and due < end:
            out["open_overdue"] += 1
            late.add(d.code)
    return out


def test_summary_equals_recount_and_report_equals_naive_count(world, monkeypatch):
    generate(world, monkeypatch, 45, seed=7)
    expected, late = tracking.recount()
    assert {k: v for k, v in expected.items() if any(v.values())} == tracking.table_as_dict()
    stored = ReportLateDossier.objects.values_list("dossier_id", "solved_late", "overdue")
    assert sorted(stored) == sorted((r.dossier_id, r.solved_late, r.overdue) for r in late)
    months = [dt.date(2026, m, 1) for m in range(1, 8)]
    for first, after in zip(months, months[1:], strict=False):
        period = selectors.parse({"ky": "thang", "nam": first.year, "thang": first.month})
        report = selectors.build(province(), period)
        late: set[str] = set()
        assert {k: getattr(report.total, k) for k in selectors.RAW} == naive(first, after, late), (
            first
        )
        # The late list's total (from the form's columns) and its rows are the same dossiers.
        assert report.late_total == len(late) == len(report.late), first
        assert {i.code for i in report.late} == late, first
        # Cut short: the first ones solved late, in the order they ended.
        if late:
            cut = selectors.build(province(), period, late_limit=1)
            assert cut.late_total == len(late) and len(cut.late) == 1
            assert cut.late[0].code == report.late[0].code
    # Quarters and a custom range as well; what one month leaves is what the next carries.
    q1 = selectors.build(province(), selectors.parse({"ky": "quy", "nam": 2026, "quy": 1})).total
    assert {k: getattr(q1, k) for k in selectors.RAW} == naive(months[0], months[3])
    april = selectors.build(province(), selectors.parse({"ky": "thang", "nam": 2026, "thang": 4}))
    assert april.total.carried == q1.in_progress


def test_rebuild_writes_the_recount(world, monkeypatch):
    generate(world, monkeypatch, 15, seed=3)
    before = tracking.table_as_dict()
    late_before = ReportLateDossier.objects.count()
    ReportMonthStats.objects.update(received_online=0, solved_late=7)
    ReportLateDossier.objects.all().delete()
    tracking.rebuild()
    assert tracking.table_as_dict() == before
    assert ReportLateDossier.objects.count() == late_before
    assert timezone.now()
