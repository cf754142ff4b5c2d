"""Daily reconciliation with the simulated national portal: the per-day digest computed in
SQL equals the portal's, differences are found dossier by dossier only on the days whose
digests differ, re-sent through the outbox, and reported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from motcua.core.models import AuditEntry, OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dvcqg import reconcile, schemas
from motcua.dvcqg.client import DvcqgClient
from motcua.dvcqg.models import ReconciliationRow, ReconciliationRun
from tests.dvcqg.test_sync import drain, fault, lifecycle, portal, received  # noqa: F401

pytestmark = pytest.mark.django_db
S = OutboxMessage.Status
Kind, Outcome = ReconciliationRow.Kind, ReconciliationRow.Outcome


def national(simulator):
    return simulator.app.systems["dvcqg"]


def today() -> dt.date:
    return dt.datetime.now(schemas.VIETNAM).date()


def move(simulator, dossier: Dossier, when: dt.datetime) -> None:
    """As if the dossier had been filed at `when`, here and on the portal."""
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=when)
    portal_ = national(simulator)
    state = portal_.synced[dossier.code]
    portal_.load_synced([{**state["record"], "NgayNopHoSo": schemas.format_datetime(when)}])


@pytest.fixture
def province(world, portal, simulator):  # noqa: F811 - the fixture imported above
    """Dossiers at every stage, filed over three days (one early in the morning, Vietnam
    time, which is the day before in UTC), all synced to the portal."""
    done = [lifecycle(world) for _ in range(2)]
    received_ = [services.receive(world.submit_online(), world.desk) for _ in range(2)]
    waiting = [world.submit_online() for _ in range(2)]
    drain()
    assert not OutboxMessage.objects.exclude(status=S.DELIVERED).exists()
    base = dt.datetime.combine(today(), dt.time(9), schemas.VIETNAM)
    move(simulator, done[0], base - dt.timedelta(days=2))
    move(simulator, done[1], base - dt.timedelta(days=1, hours=4))  # 05:00, 22:00 UTC
    move(simulator, received_[0], base - dt.timedelta(days=1))
    return [*done, *received_, *waiting]


def test_the_local_digest_is_the_portals(province, simulator):
    first, last = today() - dt.timedelta(days=5), today()
    local = reconcile.local_digests(first, last)
    there = reconcile.national_digests(DvcqgClient.from_settings(), first, last)
    assert local == there
    assert sorted(local) == [schemas.format_date(today() - dt.timedelta(days=d)) for d in (2, 1, 0)]
    assert sum(n for n, _ in local.values()) == len(province)
    # 05:00 in Vietnam is the day it is in Vietnam, not in UTC
    early = province[1]
    early.refresh_from_db()
    assert local[schemas.format_date(today() - dt.timedelta(days=1))][0] == 2
    assert early.submitted_at.astimezone(dt.UTC).date() == today() - dt.timedelta(days=2)
    # and the digest is schemas' own definition over the portal's records
    held = national(simulator).synced
    day = schemas.format_date(today())
    lines = [schemas.doi_soat_line(held[c]["record"]) for c in sorted(held)]
    lines = [
        line for c, line in zip(sorted(held), lines, strict=True)
        if schemas.doi_soat_day(held[c]["record"]) == day
    ]  # fmt: skip
    assert local[day] == (len(lines), schemas.doi_soat_digest(lines))


def test_local_rows_are_the_portals_lines(province, simulator):
    day = schemas.format_date(today())
    here = {code: line for code, (_, line) in reconcile.local_rows(day).items()}
    there = reconcile.national_rows(DvcqgClient.from_settings(), day)
    assert here == {code: schemas.doi_soat_line(record) for code, record in there.items()}
    assert len(here) == 3


def test_nothing_differs_after_a_clean_sync(province):
    run = reconcile.run(7, trigger="test")
    assert run.status == ReconciliationRun.Status.DONE and not run.error
    assert (run.days_checked, run.days_differing, run.differing, run.requeued) == (3, 0, 0, 0)
    assert run.dossiers_local == run.dossiers_national == len(province)
    assert not run.rows.exists()


def test_differences_are_found_resent_and_gone_the_next_day(province, simulator, portal):  # noqa: F811
    portal_ = national(simulator)
    lost, stale, stale_due, *_ = province
    # the portal lost one dossier, shows an old status for another, an old appointment for
    # a third, and holds one Motcua never had
    del portal_.synced[lost.code]
    for codes in portal_.by_day.values():
        codes.discard(lost.code)
    portal_.synced[stale.code]["record"]["TrangThaiHoSo"] = 4
    stale_due.refresh_from_db()
    portal_.synced[stale_due.code]["record"]["NgayHenTra"] = "20200101080000"
    stranger = {**portal_.synced[stale_due.code]["record"], "MaHoSo": "000.00.09.H37-X"}
    portal_.load_synced([stranger])
    before = len(received(portal, endpoint="LayDanhSachDoiSoat"))

    run = reconcile.run(7, trigger="test")
    rows = {r.code: r for r in run.rows.all()}
    assert set(rows) == {lost.code, stale.code, stale_due.code, stranger["MaHoSo"]}
    assert rows[lost.code].kind == Kind.MISSING_NATIONAL and rows[lost.code].national is None
    assert rows[stale.code].kind == Kind.DIFFERS and rows[stale.code].fields == ["TrangThaiHoSo"]
    assert rows[stale.code].national["TrangThaiHoSo"] == "4"
    assert rows[stale.code].local["TrangThaiHoSo"] == "10"
    assert rows[stale_due.code].fields == ["NgayHenTra"]
    assert rows[stranger["MaHoSo"]].kind == Kind.MISSING_LOCAL
    assert rows[stranger["MaHoSo"]].outcome == Outcome.REPORTED
    assert {rows[c].outcome for c in (lost.code, stale.code, stale_due.code)} == {Outcome.REQUEUED}
    assert (run.differing, run.requeued) == (4, 3)
    # dossier by dossier only on the days whose digests differ (2 of 3 here), and only
    # asked of the portal for a day it has (it holds nothing of the lost dossier's day)
    assert run.days_differing == 2
    assert len(received(portal, endpoint="LayDanhSachDoiSoat")) - before == 1
    message = OutboxMessage.objects.get(key=rows[lost.code].message_key)
    assert message.payload["full"] and message.ordering_key == f"dvcqg:{lost.code}"
    assert AuditEntry.objects.filter(action="dvcqg.reconcile_resend", object_id=lost.code).exists()

    drain()
    calls = received(portal, dossier=lost.code, endpoint="DongBoHoSoMC")
    assert calls[-1]["body"]["data"][0]["TrangThaiHoSo"] == 10
    again = reconcile.run(7)
    assert [(r.code, r.kind) for r in again.rows.all()] == [
        (stranger["MaHoSo"], Kind.MISSING_LOCAL)
    ]


def test_a_dossier_still_sending_is_not_sent_twice_and_a_dead_one_is_shown(province, world):
    sending = services.receive(world.submit_online(), world.desk)  # messages pending
    dead = province[5]
    dead = services.receive(dead, world.desk)
    OutboxMessage.objects.filter(ordering_key=f"dvcqg:{dead.code}", status=S.PENDING).update(
        status=S.FAILED, last_error="503"
    )
    run = reconcile.run(7)
    outcomes = {r.code: r.outcome for r in run.rows.all()}
    assert outcomes == {sending.code: Outcome.IN_FLIGHT, dead.code: Outcome.BLOCKED}
    assert run.requeued == 0
    assert not OutboxMessage.objects.filter(key__contains=":doisoat:").exists()


def test_report_only_sends_nothing(province, simulator):
    national(simulator).synced[province[0].code]["record"]["TrangThaiHoSo"] = 2
    run = reconcile.run(7, requeue=False)
    assert [r.outcome for r in run.rows.all()] == [Outcome.REPORTED]
    assert not OutboxMessage.objects.filter(status=S.PENDING).exists()


def test_days_are_read_page_by_page(province, simulator, monkeypatch, portal):  # noqa: F811
    monkeypatch.setattr(reconcile, "PAGE", 1)
    day = schemas.format_date(today())
    rows = reconcile.national_rows(DvcqgClient.from_settings(), day)
    assert len(rows) == 3
    assert len(received(portal, endpoint="LayDanhSachDoiSoat")) == 3


def test_a_portal_that_does_not_answer_leaves_a_failed_run(province, portal):  # noqa: F811
    fault(portal, endpoint="dvcqg.LayTomTatDoiSoat", error_rate=1, error_status=503)
    run = reconcile.run(7)
    assert run.status == ReconciliationRun.Status.FAILED and "503" in run.error
    assert run.finished_at is not None
    with pytest.raises(CommandError, match="503"):
        call_command("dvcqg", "reconcile", "--days", "7", stdout=io.StringIO())


def test_an_answer_that_is_not_the_format_fails_the_run(province, simulator, monkeypatch):
    record = national(simulator).synced[province[0].code]["record"]
    record["TrangThaiHoSo"] = "mười"  # the portal's list would carry a string status
    record["NgayHenTra"] = "x"
    run = reconcile.run(7)
    assert run.status == ReconciliationRun.Status.FAILED and "LayDanhSachDoiSoat" in run.error


def test_command(province, simulator):
    national(simulator).synced[province[2].code]["record"]["TrangThaiHoSo"] = 1
    out = io.StringIO()
    call_command("dvcqg", "reconcile", "--days", "3", stdout=out)
    assert "1 hồ sơ lệch, 1 gửi lại" in out.getvalue()
    run = ReconciliationRun.objects.get()
    assert (run.period_start, run.period_end) == (today() - dt.timedelta(days=2), today())
    with pytest.raises(CommandError):
        call_command("dvcqg", "reconcile", "--days", "0", stdout=io.StringIO())


def test_not_configured(settings, db):
    settings.MOTCUA_DVCQG_URL = ""
    with pytest.raises(CommandError):
        call_command("dvcqg", "reconcile", stdout=io.StringIO())
    assert reconcile.scheduled() == "MOTCUA_DVCQG_URL chưa được cấu hình"
    assert not ReconciliationRun.objects.exists()


def test_daily_schedule_and_default_period(settings, db):
    from django_q.models import Schedule

    from motcua.core.apps import register_schedules

    settings.MOTCUA_DVCQG_RECONCILE_AT = "02:30"
    register_schedules()
    schedule = Schedule.objects.get(name=reconcile.SCHEDULE_NAME)
    assert schedule.func == "motcua.dvcqg.reconcile.scheduled"
    assert schedule.schedule_type == Schedule.DAILY
    local = schedule.next_run.astimezone(schemas.VIETNAM)
    assert (local.hour, local.minute) == (2, 30)
    register_schedules()  # idempotent
    assert Schedule.objects.filter(name=reconcile.SCHEDULE_NAME).count() == 1
    settings.MOTCUA_DVCQG_RECONCILE_DAYS = 90
    first, last = reconcile.period(today=dt.date(2026, 12, 1))
    assert (first, last) == (dt.date(2026, 9, 3), dt.date(2026, 12, 1))


def test_scheduled_job_runs_a_reconciliation(province):
    assert "0 hồ sơ lệch" in reconcile.scheduled()
    assert ReconciliationRun.objects.get().trigger == "lịch hằng ngày"


def test_admin_shows_the_report_in_vietnamese(province, simulator, client):
    from django.contrib.auth.models import User

    national(simulator).synced[province[0].code]["record"]["TrangThaiHoSo"] = 2
    run = reconcile.run(7)
    client.force_login(User.objects.create_superuser("quantri", "", "x"))
    page = client.get(reverse("admin:dvcqg_reconciliationrun_change", args=[run.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert province[0].code in text and "Cổng hiển thị khác" in text
    listing = client.get(reverse("admin:dvcqg_reconciliationrow_changelist"))
    assert "Đã đưa lại vào hàng đợi gửi Cổng" in listing.content.decode()
    assert client.get(reverse("admin:dvcqg_reconciliationrun_add")).status_code == 403
