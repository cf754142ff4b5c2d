"""The report's numbers on a small case computed by hand, across two months: carried over,
online, solved early / on time / late, stopped, withdrawn, returned, overdue at the end."""

import pytest
from django.utils import timezone

from motcua.dossiers import services
from motcua.reports import selectors, tracking
from motcua.serviceindex.selectors import get_unit, province
from tests.reports.helpers import at, clock, finished, received, returned

pytestmark = pytest.mark.django_db

APOLOGY = "Chờ ý kiến của Sở Tài nguyên và Môi trường"


@pytest.fixture
def story(world, monkeypatch):
    """March and April 2026 at the department (one field):
    A online 10/3, result 11/3 (due 13/3)         solved early in March
    G desk 02/3, result 05/3 10:00 (due 05/3 17h)  solved on time in March, returned 06/4
    B desk 25/3 (due 30/3), apology 26/3, result 03/4: overdue at the end of March, late in April
    C desk 30/3 (due 02/4 17h), result 02/4 09:00  in progress in time at end of March, on time
    D desk 05/3 (due 20/3), stopped 10/4           overdue at end of March, closed in April
    E online 15/4 (due 20/4), still open          overdue at the end of April
    F desk 28/4 (due 10/5), withdrawn 02/5         in progress in time at end of April
    """
    rec = received
    a = rec(world, monkeypatch, "2026-03-10 09:00", "2026-03-13 17:00", "online")
    finished(world, monkeypatch, a, "2026-03-11 10:00")
    g = rec(world, monkeypatch, "2026-03-02 09:00", "2026-03-05 17:00")
    g = finished(world, monkeypatch, g, "2026-03-05 10:00")
    returned(world, monkeypatch, g, "2026-04-06 08:00")
    b = rec(world, monkeypatch, "2026-03-25 09:00", "2026-03-30 17:00")
    with clock(monkeypatch, "2026-03-26 09:00"):
        b = services.apologise(b, world.leader, at("2026-04-06 17:00"), APOLOGY)
    finished(world, monkeypatch, b, "2026-04-03 10:00")
    c = rec(world, monkeypatch, "2026-03-30 10:00", "2026-04-02 17:00")
    finished(world, monkeypatch, c, "2026-04-02 09:00")
    d = rec(world, monkeypatch, "2026-03-05 09:00", "2026-03-20 17:00")
    with clock(monkeypatch, "2026-04-10 09:00"):
        services.stop(d, world.leader, "Không đủ điều kiện giải quyết")
    rec(world, monkeypatch, "2026-04-15 09:00", "2026-04-20 17:00", "online")
    f = rec(world, monkeypatch, "2026-04-28 09:00", "2026-05-10 17:00")
    with clock(monkeypatch, "2026-05-02 09:00"):
        services.withdraw(f, world.desk, "Người nộp xin rút")
    return {"b": b}


def _period(**params):
    return selectors.parse(params, today=timezone.localdate())


def _numbers(row):
    return {c: getattr(row, c) for c, _ in selectors.COLUMNS}


def test_march(world, story):
    report = selectors.build(province(), _period(ky="thang", nam=2026, thang=3))
    assert len(report.rows) == 1 and report.rows[0].label == world.proc.field.name
    assert _numbers(report.total) == {
        "received": 5,
        "carried": 0,
        "received_online": 1,
        "received_direct": 4,
        "solved": 2,
        "solved_early": 1,
        "solved_on_time": 1,
        "solved_late": 0,
        "in_progress": 3,
        "in_progress_on_time": 1,
        "open_overdue": 2,
        "closed": 0,
        "returned": 0,
    }
    # The late list: B and D were overdue and still being worked on at the end of March;
    # B carries the reason given in its apology (form 04).
    codes = {i.code: i for i in report.late}
    assert report.late_total == 2 and set(codes) == {story["b"].code, *codes} and len(codes) == 2
    assert codes[story["b"].code].explanation == APOLOGY


def test_april_carries_march_over(world, story):
    report = selectors.build(
        get_unit("co-quan", world.dept.pk), _period(ky="thang", nam=2026, thang=4)
    )
    assert _numbers(report.total) == {
        "received": 5,
        "carried": 3,
        "received_online": 1,
        "received_direct": 1,
        "solved": 2,
        "solved_early": 0,
        "solved_on_time": 1,
        "solved_late": 1,
        "in_progress": 2,
        "in_progress_on_time": 1,
        "open_overdue": 1,
        "closed": 1,
        "returned": 1,
    }
    assert report.late_total == 2
    assert [i.explanation for i in report.late if i.code == story["b"].code] == [APOLOGY]
    situations = sorted((i.code == story["b"].code, i.situation) for i in report.late)
    assert situations == [
        (False, "Đang giải quyết quá hạn tại thời điểm cuối kỳ"),
        (True, "Giải quyết quá hạn"),
    ]


def test_a_period_under_way_counts_as_overdue_what_is_late_now(world, story, monkeypatch):
    # E (online 15/4) is due on 20/04 17:00: on the 18th it is in progress in time, on the
    # 21st overdue; the end of April is not yet reached either day.
    april = {"ky": "thang", "nam": 2026, "thang": 4}
    dept = get_unit("co-quan", world.dept.pk)
    for now, overdue in (("2026-04-18 09:00", 0), ("2026-04-21 09:00", 1)):
        with clock(monkeypatch, now):
            report = selectors.build(dept, selectors.parse(april))
        t = report.total
        assert (t.open_overdue, t.in_progress_on_time) == (overdue, 1 + 1 - overdue), now
        late = [i for i in report.late if i.situation == selectors.OVERDUE]
        assert len(late) == overdue and report.late_total == 1 + overdue, now


def test_two_months_together_and_may(world, story):
    both = selectors.build(province(), _period(ky="tuy-chon", tu="2026-03", den="2026-04"))
    t = both.total
    assert (t.carried, t.received, t.solved, t.closed, t.in_progress, t.open_overdue) == (
        0, 7, 4, 1, 2, 1,
    )  # fmt: skip
    may = selectors.build(province(), _period(ky="thang", nam=2026, thang=5)).total
    assert (may.carried, may.received, may.closed, may.in_progress, may.open_overdue) == (
        2, 2, 1, 1, 1,
    )  # fmt: skip


def test_another_agency_has_nothing(world, story):
    report = selectors.build(
        get_unit("co-quan", world.other_dept.pk), _period(ky="thang", nam=2026, thang=4)
    )
    assert report.rows == [] and report.total.received == 0 and report.late == []


def test_by_unit_rows(world, story):
    report = selectors.build(province(), _period(ky="quy", nam=2026, quy=2), "don-vi")
    assert [r.label for r in report.rows] == [world.dept.name]
    assert report.rows[0].carried == 3


def test_summary_equals_recount_after_the_story(world, story):
    expected, late = tracking.recount()
    assert {k: v for k, v in expected.items() if any(v.values())} == tracking.table_as_dict()
    from motcua.reports.models import ReportLateDossier

    stored = sorted(
        ReportLateDossier.objects.values_list("dossier_id", "solved_late", "overdue", "action")
    )
    assert stored == sorted((r.dossier_id, r.solved_late, r.overdue, r.action) for r in late)
    assert len(stored) == 2  # B (late result) and D (stopped after its appointment)


@pytest.mark.parametrize(
    "params",
    [
        {"ky": "thang", "nam": "abc"},
        {"ky": "quy", "quy": "7"},
        {"ky": "tuy-chon", "tu": "2026-05", "den": "2026-01"},
        {"ky": "6-thang", "nua": "3"},
        {"ky": "tuan"},
        {"ky": "nam", "nam": "2099"},
    ],
)
def test_bad_periods_are_refused_in_vietnamese(params):
    with pytest.raises(selectors.PeriodError) as exc:
        selectors.parse(params)
    assert any(ch in str(exc.value) for ch in "ạảãáàăâđêôơư")


def test_previous_periods():
    today = at("2026-08-05 09:00").date()
    labels = {k: selectors.previous_period(k, today) for k in ("thang", "quy", "6-thang", "nam")}
    assert (labels["thang"].first.month, labels["thang"].last.month) == (7, 7)
    assert (labels["quy"].first.month, labels["quy"].last.month) == (4, 6)
    assert (labels["6-thang"].first.month, labels["6-thang"].last.month) == (1, 6)
    assert (labels["nam"].first.year, labels["nam"].last.month) == (2025, 12)
