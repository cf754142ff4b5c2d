"""Each indicator computed through the summary path agrees with the same indicator
recomputed from the raw dossiers (and the hook calls), for generated data."""

import datetime as dt
import io
import random

import pytest
from django.utils import timezone

from motcua.dossiers import services, stats
from motcua.dossiers.models import Attachment, Dossier, Event
from motcua.serviceindex import selectors, tracking
from motcua.serviceindex.models import IndexMonthStats, OpenDueCount
from motcua.serviceindex.rebuild import OWN, rebuild, rebuild_open, recount, recount_open
from tests import factories

pytestmark = pytest.mark.django_db


def _desk(world):
    return services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel="desk",
        uploads=factories.uploads_for(world.proc),
    ).dossier


def _late(dossier):
    past = timezone.now() - dt.timedelta(hours=1)
    Dossier.objects.filter(pk=dossier.pk).update(on_time_due_at=past, original_due_at=past)
    # An UPDATE beside the services is an import: the open dossiers' due-day rows are
    # rebuilt, as after one (the running counters are checked without it below).
    rebuild_open(Dossier, OpenDueCount)
    dossier.refresh_from_db()
    return dossier


def _finish(world, d, electronic):
    d = services.assign(d, world.desk, to_agency=world.dept)
    d = services.approve(d, world.leader)
    uploads = [services.Upload(factories.pdf())] if electronic else []
    return services.finish(d, world.specialist, uploads=uploads)


def _supplement(world, d):
    """Appraisal asks for a paper (the clock stops); the applicant sends it or not yet."""
    d = services.request_supplement(
        d, world.desk, [services.MissingItem("Bản vẽ thiết kế", "Còn thiếu bản vẽ")]
    )
    return d


def generate(world, n, seed, late_share=0.3):
    """n dossiers along random paths; returns the hook calls made (paid, rated, ...).
    late_share of them are made late by an UPDATE beside the services (an import)."""
    rng = random.Random(seed)
    calls = {"paid": 0, "rated": 0, "negative": 0, "complained": 0}
    for _ in range(n):
        d = world.submit_online() if rng.random() < 0.6 else _desk(world)
        if d.status == "submitted":
            if rng.random() < 0.1:
                services.refuse(d, world.desk, "Không thuộc thẩm quyền")
                continue
            d = services.receive(d, world.desk)
        if rng.random() < late_share:
            d = _late(d)
        path = rng.random()
        if path < 0.08:
            continue  # left open
        if path < 0.15:
            d = _supplement(world, d)
            if rng.random() < 0.5:
                services.complete_supplement(d, world.desk)
            continue  # left open, waiting or with a new appointment
        if path < 0.22:
            services.stop(d, world.leader, "Không đủ điều kiện")
            continue
        if path < 0.27:
            services.withdraw(d, world.desk, "Người nộp xin rút")
            continue
        if rng.random() < 0.3:
            d = services.assign(d, world.desk, to_agency=world.dept)
            d = services.request_payment(d, world.desk, 100_000)
            if rng.random() < 0.5:
                tracking.record_online_payment(d)
                calls["paid"] += 1
            d = services.confirm_payment(d, world.desk)
            uploads = [services.Upload(factories.pdf())] if d.return_channel == "online" else []
            d = services.finish(
                services.approve(d, world.leader), world.specialist, uploads=uploads
            )
        else:
            d = _finish(world, d, electronic=d.return_channel == "online")
        if rng.random() < 0.7:
            d = services.return_result(d, world.desk)
        if rng.random() < 0.5:
            satisfied = rng.random() < 0.8
            tracking.record_rating(d, satisfied=satisfied)
            calls["rated"] += 1
            calls["negative"] += int(not satisfied)
        if rng.random() < 0.1:
            tracking.record_complaint(d)
            calls["complained"] += 1
    return calls


def naive(calls, now):
    """The indicators' inputs counted from the dossiers themselves."""
    received = list(Dossier.objects.filter(received_at__isnull=False))
    late = [d for d in received if not stats.is_on_time(d, now)]
    paying = {d.pk for d in received if d.events.filter(action="request_payment").exists()}
    returned = [d for d in received if d.status == "returned"]
    with_files = {
        kind: set(Attachment.objects.filter(kind=kind).values_list("dossier_id", flat=True))
        for kind in ("application", "result")
    }
    return {
        "digitised_components": sum(d.pk in with_files["application"] for d in received)
        / len(received),
        "digitised_results": sum(d.pk in with_files["result"] for d in returned) / len(returned),
        "on_time": (len(received) - len(late)) / len(received),
        "online": sum(d.channel == "online" for d in received) / len(received),
        "electronic_result": sum(d.return_method == "online" for d in returned) / len(returned),
        "online_payment": calls["paid"] / len(paying),
        "satisfaction": max(
            0.0,
            1
            - len(late) / len(received)
            - (calls["negative"] + calls["complained"]) / len(received),
        ),
    }


def test_each_indicator_from_the_summary_equals_the_raw_count(world):
    calls = generate(world, 60, seed=12)
    now = timezone.now()
    ctx = selectors.Context.load(now)
    month = stats.month_of(now)
    period = selectors.Period("thang", month, month, "")
    card = selectors.unit_scorecard(selectors.province(), period, ctx)
    expected = naive(calls, now)
    for r in card.results:
        if r.indicator.formula in expected:
            assert r.rate == pytest.approx(expected[r.indicator.formula]), r.indicator.code
    # The progress indicator agrees with dossiers.stats as well.
    assert card.result("TD1").rate == pytest.approx(stats.progress_total(month, month).rate)
    # The agency's own card is the province's (all dossiers are the department's).
    agency_card = selectors.unit_scorecard(
        selectors.get_unit("co-quan", world.dept.pk), period, ctx
    )
    assert agency_card.result("TT1").rate == card.result("TT1").rate


def test_feeds_not_connected_are_no_data_never_zero(world):
    d = services.receive(world.submit_online(), world.desk)
    assert d.status == "received"
    now = timezone.now()
    ctx = selectors.Context.load(now)
    month = stats.month_of(now)
    card = selectors.unit_scorecard(
        selectors.province(), selectors.Period("thang", month, month, ""), ctx
    )
    for code in ("SH2", "SH3", "CK2", "TTTT1", "HL1", "HL2"):
        r = card.result(code)
        assert (r.rate, r.points) == (None, None), code
        assert r.reason
    assert card.result("SH2").reason == "Không có hồ sơ trong kỳ"  # none returned yet
    assert card.result("SH3").reason == "Chưa có nguồn dữ liệu"  # reuse: not recorded
    assert card.result("SH1").rate == 1.0  # filed online with its papers as files
    assert card.result("TD1").rate == 1.0  # received, not yet due: on time
    assert card.max_with_data < card.max_points
    # After the first payment the payment feed exists: a number, not "no data".
    tracking.record_online_payment(d)
    ctx = selectors.Context.load(now)
    card = selectors.unit_scorecard(
        selectors.province(), selectors.Period("thang", month, month, ""), ctx
    )
    assert card.result("TTTT1").reason == "Không có hồ sơ trong kỳ"  # none asked to pay


def _open_rows():
    return {(r.agency_id, r.month, r.due_day): r.count for r in OpenDueCount.objects.all()}


def test_open_dossiers_by_due_day_move_with_every_transition(world):
    """No UPDATE beside the services: the running rows are what a recount finds."""
    generate(world, 40, seed=5, late_share=0)
    rows = _open_rows()
    assert rows == recount_open(Dossier)
    assert rows and all(n > 0 for n in rows.values())  # emptied rows are deleted
    waiting = Dossier.objects.filter(status__in=["supplement", "payment"]).count()
    running = Dossier.objects.filter(status__in=stats.OPEN_AFTER_RECEIPT).count() - waiting
    assert sum(rows.values()) == running  # waiting in time: no row (on time while waiting)


@pytest.mark.parametrize("days", [0, 1, 3, 8, 60])
def test_open_and_late_is_exact_as_time_passes(world, days):
    """Nothing happens to the dossiers; their appointments pass. At every moment the
    summary's open-and-late count and the what-if equal a recount from the dossiers."""
    generate(world, 40, seed=8)
    now = timezone.now() + dt.timedelta(days=days, hours=days * 5 % 24)
    month = stats.month_of(timezone.now())
    period = selectors.Period("thang", month, month, "")
    ctx = selectors.Context.load(now)
    counts = selectors.unit_counts(selectors.province(), period, ctx)
    open_ = list(Dossier.objects.filter(status__in=stats.OPEN_AFTER_RECEIPT))
    assert counts["open_late"] == sum(not stats.is_on_time(d, now) for d in open_)
    horizon_end = selectors.day_start(now) + dt.timedelta(days=8)
    soon = [
        d
        for d in open_
        if stats.is_on_time(d, now)
        and d.paused_at is None
        and stats.deadline(d) < horizon_end
        and not stats.too_many_supplements(d)
    ]
    what = selectors.what_if(selectors.province(), period, ctx)
    assert what.at_risk_total == len(soon)
    assert {d.pk for d in what.at_risk} == {d.pk for d in soon}
    assert what.already_late == counts["open_late"]


def test_rebuild_recounts_what_the_transitions_counted(world):
    generate(world, 25, seed=3)
    running = {
        (s.agency_id, s.month): {c: getattr(s, c) for c in OWN}
        for s in IndexMonthStats.objects.all()
    }
    assert {k: dict(v) for k, v in recount(Dossier, Event).items()} == running
    # The rebuild writes the same numbers and keeps the hooks' counters.
    before = list(IndexMonthStats.objects.values_list("paid_online", "rated").order_by("pk"))
    IndexMonthStats.objects.update(online=0, returned=0)
    rebuild(Dossier, Event, IndexMonthStats)
    after = {
        (s.agency_id, s.month): {c: getattr(s, c) for c in OWN}
        for s in IndexMonthStats.objects.all()
    }
    assert after == running
    assert (
        list(IndexMonthStats.objects.values_list("paid_online", "rated").order_by("pk")) == before
    )


def _statistics_rows(table):
    """The planner's row count of a table (PostgreSQL's reltuples; SQLite: the first
    number of ANALYZE's sqlite_stat1 rows for it), None when never analysed."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            value = cursor.fetchone()[0]
            return None if value < 0 else int(value)
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
        return None if row is None else int(row[0].split()[0])


def _rebuild_command_leaves_statistics(world):
    from django.core.management import call_command

    generate(world, 6, seed=5)
    call_command("serviceindex_rebuild", stdout=io.StringIO())
    for model in (IndexMonthStats, OpenDueCount):
        rows = model.objects.count()
        assert rows
        assert _statistics_rows(model._meta.db_table) == rows


def test_rebuild_command_analyses_the_rewritten_tables(world):
    """In a transaction (as the tests run it): ANALYZE, the planner sees the rows."""
    _rebuild_command_leaves_statistics(world)


@pytest.mark.django_db(transaction=True)
def test_rebuild_command_vacuums_outside_a_transaction(world):
    """Out of one (as `motcua serviceindex_rebuild` runs): VACUUM ANALYZE on PostgreSQL."""
    _rebuild_command_leaves_statistics(world)


def _card(now=None):
    now = now or timezone.now()
    month = stats.month_of(now)
    period = selectors.Period("thang", month, month, "")
    return selectors.unit_scorecard(selectors.province(), period, selectors.Context.load(now))


def test_payment_counts_once_per_dossier_and_feedback_on_time(world):
    d = services.receive(world.submit_online(), world.desk)
    d = services.assign(d, world.desk, to_agency=world.dept)
    for amount in (100_000, 50_000):  # two requests, one dossier asked to pay
        d = services.request_payment(d, world.desk, amount)
        d = services.confirm_payment(d, world.desk)
    row = IndexMonthStats.objects.get(agency=world.dept)
    assert (row.payment_due, row.paid_online) == (1, 0)
    assert _card().result("TTTT1").rate is None  # no payment feed yet: no data, not 0 %
    tracking.record_online_payment(d)
    assert _card().result("TTTT1").rate == 1.0
    # Feedback: 3 answered, 2 within the limit -> 2/3 of 6 points = 4.00.
    for on_time in (True, True, False):
        tracking.record_feedback_answered(world.dept.pk, timezone.now(), on_time=on_time)
    hl2 = _card().result("HL2")
    assert hl2.rate == pytest.approx(2 / 3)
    assert str(hl2.points) == "4.00"
