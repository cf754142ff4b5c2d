"""Summary tables agree with counting the dossiers themselves, and the on-time rate follows
QĐ 766/QĐ-TTg (progress indicator) with hand-computed expectations."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db.models import Count
from django.utils import timezone

from motcua.dossiers import services, stats
from motcua.dossiers.models import AgencyMonthStats, Dossier, Event
from tests import factories

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def _naive_status_counts():
    rows = Dossier.objects.values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def _this_month():
    return stats.month_of(timezone.now())


def _progress(world):
    month = _this_month()
    return stats.progress_by_agency(month, month).get(world.dept.pk, stats.Progress())


def _received(world):
    return services.receive(world.submit_online(), world.desk)


def _assigned(world, dossier):
    return services.assign(dossier, world.desk, to_agency=world.dept)


def _finish(world, dossier):
    if dossier.status == "received":
        dossier = _assigned(world, dossier)
    return services.finish(services.approve(dossier, world.leader), world.specialist)


def _appointment_passed(dossier, by=HOUR):
    """The appointment given at receipt passed `by` ago (time travel without a clock mock:
    the appointment is moved instead of the present)."""
    past = timezone.now() - by
    Dossier.objects.filter(pk=dossier.pk).update(on_time_due_at=past, original_due_at=past)
    dossier.refresh_from_db()
    return dossier


def test_status_counts_follow_every_transition(world):
    a = world.submit_online()
    b = services.receive(world.submit_online(), world.desk)
    c = services.assign(
        services.receive(world.submit_online(), world.desk), world.desk, to_agency=world.dept
    )
    services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    c = services.approve(c, world.leader)
    c = services.finish(c, world.specialist, uploads=[services.Upload(factories.pdf())])
    services.return_result(c, world.desk, "online")
    services.withdraw(a, world.citizen, "Không còn nhu cầu")
    services.stop(b, world.leader, "Không đủ điều kiện")
    assert stats.status_counts() == _naive_status_counts()
    assert stats.status_counts([world.other_dept.pk]) == {}


def test_finished_before_the_appointment_is_on_time_after_it_late(world):
    # QĐ 766: on time = finished (status 9/10) no later than the appointment at receipt.
    fast = _finish(world, _received(world))
    slow = _finish(world, _appointment_passed(_received(world)))
    assert stats.is_on_time(fast) and not stats.is_on_time(slow)
    p = _progress(world)
    assert (p.received, p.finished, p.on_time, p.late) == (2, 2, 1, 1)
    assert p.rate == 0.5  # 1 of 2, by hand


def test_an_apology_never_turns_a_late_dossier_on_time(world):
    # QĐ 766 with NĐ 118/2025 (form 04): the apology moves the date shown to the applicant,
    # not the appointment the statistic measures.
    d = _received(world)
    new_date = d.due_at + dt.timedelta(days=10)
    d = services.apologise(d, world.leader, new_date, "Cần xác minh thêm")
    d = _appointment_passed(d)  # the original appointment has passed, the new one has not
    assert d.due_at == new_date and timezone.now() < d.due_at
    d = _finish(world, d)
    assert not stats.is_on_time(d)
    p = _progress(world)
    assert (p.finished, p.on_time, p.late, p.rate) == (1, 0, 1, 0.0)


def test_time_waiting_for_a_payment_is_not_the_agencys(world):
    # QĐ 766: time waiting for the applicant is excluded (NĐ 118/2025: the time limit does
    # not run while the applicant fulfils a financial obligation).
    d = _assigned(world, _received(world))
    d = services.request_payment(d, world.desk, 500_000)
    now = timezone.now()
    # The appointment is 1 hour past, but the applicant took 10 days to pay: at least six
    # working days (480 min each) of waiting, far more than the hour.
    Dossier.objects.filter(pk=d.pk).update(
        on_time_due_at=now - HOUR, paused_at=now - dt.timedelta(days=10)
    )
    d = services.confirm_payment(d, world.desk)
    waited = d.events.get(action="confirm_payment").data["paused_minutes"]
    assert waited >= 6 * 480
    assert d.on_time_due_at > timezone.now()
    d = _finish(world, d)
    assert stats.is_on_time(d)
    assert _progress(world).on_time == 1


def test_one_supplement_per_stage_is_lawful_more_is_late(world):
    # NĐ 118/2025, NĐ 45/2020: one request at intake and one in appraisal; QĐ 766 counts a
    # dossier asked more than once in a stage as late.
    d = world.submit_online()
    d = services.request_supplement(d, world.desk, factories.missing("Bản vẽ"))
    d = services.complete_supplement(d, world.citizen, factories.uploads_for(world.proc)[:1])
    d = services.receive(d, world.desk)
    d = services.request_supplement(d, world.desk, factories.missing("Giấy phép"))
    d = services.complete_supplement(d, world.desk, factories.uploads_for(world.proc)[:1])
    assert (d.intake_supplement_count, d.appraisal_supplement_count) == (1, 1)
    d = _finish(world, d)
    assert stats.is_on_time(d)  # two requests, one per stage: on time
    twice = _received(world)
    Dossier.objects.filter(pk=twice.pk).update(appraisal_supplement_count=2)  # legacy data
    twice = _finish(world, Dossier.objects.get(pk=twice.pk))
    assert not stats.is_on_time(twice)
    p = _progress(world)
    assert (p.on_time, p.late) == (1, 1)


def test_the_denominator_counts_every_dossier_received(world):
    # QĐ 766: in progress, overdue, stopped, withdrawn as well as finished dossiers.
    _finish(world, _received(world))  # finished on time      -> on time
    _received(world)  # in progress, not yet due              -> on time
    _appointment_passed(_received(world))  # in progress, overdue -> late
    services.stop(_received(world), world.leader, "Không đủ điều kiện giải quyết")  # on time
    late_withdrawal = _appointment_passed(_received(world))
    services.withdraw(late_withdrawal, world.desk, "Người nộp xin rút")  # closed after due: late
    # Never received: outside the statistic.
    services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    services.withdraw(world.submit_online(), world.citizen, "Không còn nhu cầu")
    p = _progress(world)
    assert (p.received, p.finished, p.stopped, p.withdrawn) == (5, 1, 1, 1)
    assert (p.open, p.open_late, p.closed_late) == (2, 1, 1)
    assert (p.counted_on_time, p.counted_late) == (3, 2)
    assert p.rate == 3 / 5  # by hand: finished on time, open not due, stopped in time
    total = stats.progress_total(_this_month(), _this_month())
    assert total.rate == 3 / 5


def test_no_dossiers_is_no_data_not_a_hundred_percent(world):
    # QĐ 766: an agency with nothing received in the period has no score.
    month = _this_month()
    assert stats.progress_by_agency(month, month) == {}
    assert stats.progress_total(month, month).rate is None
    assert stats.on_time_by_agency(dt.date(2000, 1, 1), dt.date(2000, 12, 1)) == {}
    world.submit_online()  # submitted, not received: still no data
    assert stats.progress_total(month, month).rate is None


def _recomputed_from_events() -> dict:
    """The month table rebuilt from the Event rows alone (and each dossier's appointment)."""
    rows: dict = defaultdict(lambda: defaultdict(int))
    by_dossier = defaultdict(list)
    for e in Event.objects.order_by("id"):
        by_dossier[e.dossier_id].append(e)
    dossiers = Dossier.objects.in_bulk(list(by_dossier))
    for pk, events in by_dossier.items():
        receipt = next((e for e in events if e.action == "receive"), None)
        if receipt is None:
            continue
        d = dossiers[pk]
        row = rows[(d.agency_id, stats.month_of(receipt.at))]
        row["received"] += 1
        close = next((e for e in events if e.action in ("finish", "stop", "withdraw")), None)
        if close is None:
            continue
        stages = defaultdict(int)
        for e in events:
            if e.action == "request_supplement":
                stages[e.data["stage"]] += 1
        waiting_since = None
        for e in events:
            if e.action in ("request_payment", "request_supplement") and e.at >= receipt.at:
                waiting_since = e.at
            elif e.action in ("confirm_payment", "complete_supplement"):
                waiting_since = None
            if e is close:
                break
        end = waiting_since or close.at
        late = end > d.on_time_due_at or max(stages.values(), default=0) > 1
        if close.action == "finish":
            row["finished"] += 1
            row["late" if late else "on_time"] += 1
        else:
            row["withdrawn" if close.action == "withdraw" else "stopped"] += 1
            row["closed_late"] += int(late)
    return {key: dict(counts) for key, counts in rows.items()}


def _table() -> dict:
    out = {}
    for r in AgencyMonthStats.objects.all():
        counts = {c: getattr(r, c) for c in stats.SUMMED}
        out[(r.agency_id, r.month)] = {c: n for c, n in counts.items() if n}
    return out


def test_month_table_equals_a_recount_from_the_events(world):
    """A generated mix of paths, some made late on the way; the table kept by the services
    must equal the table rebuilt from the events."""
    rng = random.Random(8)
    for _ in range(24):
        d = world.submit_online()
        path = rng.choice(["open", "finish", "stop", "withdraw", "refuse", "pay", "supplement"])
        if path == "refuse":
            services.refuse(d, world.desk, "Không thuộc thẩm quyền")
            continue
        d = services.receive(d, world.desk)
        if rng.random() < 0.4:
            d = _appointment_passed(d)
        if path == "pay":
            d = services.request_payment(_assigned(world, d), world.desk, 100_000)
            if rng.random() < 0.5:
                services.withdraw(d, world.desk, "Không nộp phí")
                continue
            d = services.confirm_payment(d, world.desk)
            path = "finish"
        if path == "supplement":
            d = services.request_supplement(d, world.desk, factories.missing("Bản vẽ"))
            if rng.random() < 0.5:
                services.stop(d, world.leader, "Không bổ sung đúng hạn")
                continue
            d = services.complete_supplement(d, world.desk, factories.uploads_for(world.proc)[:1])
            path = "finish"
        if path == "finish":
            _finish(world, d)
        elif path == "stop":
            services.stop(d, world.leader, "Không đủ điều kiện")
        elif path == "withdraw":
            services.withdraw(d, world.desk, "Người nộp xin rút")
    table = _table()
    assert table == _recomputed_from_events()
    counts = next(iter(table.values()))
    assert counts.get("late", 0) + counts.get("closed_late", 0) > 0  # the mix has late ones
    assert counts.get("on_time", 0) > 0


def test_overdue_rule_is_the_same_in_python_and_sql(world):
    from motcua.dossiers import selectors

    late_intake = world.submit_online()
    on_time_intake = world.submit_online()
    late = services.receive(world.submit_online(), world.desk)
    on_time = services.receive(world.submit_online(), world.desk)
    now = timezone.now()
    Dossier.objects.filter(pk=late_intake.pk).update(intake_due_at=now - dt.timedelta(hours=1))
    Dossier.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=1))
    in_python = {d.code for d in selectors.desk_queue(world.desk) if d.is_overdue}
    in_sql = set(
        selectors.desk_queue(world.desk)
        .filter(selectors.overdue_q(now))
        .values_list("code", flat=True)
    )
    assert in_python == in_sql == {late_intake.code, late.code}
    assert on_time_intake.code not in in_python and on_time.code not in in_python
