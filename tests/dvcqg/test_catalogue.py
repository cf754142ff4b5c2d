"""Catalogue sync against the real simulator: every national version is stored once, the
version in force that differs waits as a pending change with its diff, an administrator
accepts (the procedure changes, a new version is current, old dossiers keep theirs) or
rejects it; pulling the same catalogue again creates nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from motcua.catalog import services as catalog_services
from motcua.catalog.models import NationalProcedureVersion, Procedure, ProcedureVersion
from motcua.core.models import AuditEntry
from motcua.core.problems import InvalidInput
from motcua.dvcqg import catalogue, schemas
from tests import factories

State = NationalProcedureVersion.State


@pytest.fixture
def mapped(world):
    """The world's provincial procedure (3 days, two components) is the national 1.009972,
    whose version 2 (in force since 01/07/2025) says 15 days."""
    world.proc.national_code = "1.009972"
    world.proc.save()
    return world


def change_on_portal(control, **fields):
    answer = control.post("/_control/dvcqg/procedures", json={"MaTTHC": "1.009972", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def versions(code="1.009972"):
    return {r.version: r.state for r in NationalProcedureVersion.objects.filter(national_code=code)}


def test_pull_stores_each_version_and_a_pending_change_with_its_diff(mapped, portal):
    report = catalogue.pull_catalogue(portal)
    assert not report.stopped and not report.invalid
    # v1 ended when v2 took effect: kept as history; v2 differs from the local procedure.
    assert versions() == {1: State.HISTORICAL, 2: State.PENDING}
    # The world's commune procedure is 1.001193 by its own code: changed there too.
    assert report.pending == ["1.001193 v2", "1.009972 v2"]
    # Procedures the province does not have are stored too, as unmapped.
    assert versions("2.001610") == {1: State.UNMAPPED}
    row = NationalProcedureVersion.objects.get(national_code="1.009972", version=2)
    assert row.procedure == mapped.proc
    assert row.effective_from == dt.date(2025, 7, 1)
    diff = {c["field"]: (c["local"], c["national"]) for c in row.diff}
    assert diff["processing_days"] == ("3", "15")
    assert diff["charge_vnd"] == (0, 150000)
    assert diff["legal_basis"][1].startswith("Luật Xây dựng 2014")
    assert [c["name"] for c in diff["components"][1]] == [
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Bản vẽ thiết kế",
    ]
    assert "name" in diff  # the national name is longer than the world's
    # Nothing changed locally until an administrator decides.
    proc = Procedure.objects.get(pk=mapped.proc.pk)
    assert proc.processing_days == Decimal("3") and proc.components.count() == 2


def test_pulling_the_same_catalogue_again_creates_nothing(mapped, portal):
    first = catalogue.pull_catalogue(portal)
    count = NationalProcedureVersion.objects.count()
    audits = AuditEntry.objects.filter(action="catalogue.national_version").count()
    assert first.new and count == len(first.new) == audits
    again = catalogue.pull_catalogue(portal)
    assert again.received == first.received and not again.new and not again.pending
    assert NationalProcedureVersion.objects.count() == count
    assert AuditEntry.objects.filter(action="catalogue.national_version").count() == audits
    assert versions() == {1: State.HISTORICAL, 2: State.PENDING}


def test_accept_applies_the_change_and_old_dossiers_keep_their_version(
    mapped, portal, control, client
):
    old = mapped.submit_online()
    assert old.procedure_version.number == 1  # the baseline, the procedure as it stood
    assert old.procedure_version.snapshot["processing_days"] == "3"

    catalogue.pull_catalogue(portal)
    row = NationalProcedureVersion.objects.get(national_code="1.009972", version=2)
    admin = factories.User.objects.create_superuser("qtv", "", "x")
    version = catalog_services.accept_national_version(row, actor=admin)

    proc = Procedure.objects.get(pk=mapped.proc.pk)
    assert proc.processing_days == Decimal("15") and proc.charge_vnd == 150000
    assert proc.legal_basis.startswith("Luật Xây dựng 2014")
    assert [c.name for c in proc.components.all()] == [
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Bản vẽ thiết kế",
    ]
    assert proc.current_version == version
    assert (version.number, version.national_version) == (2, 2)
    assert version.effective_from == dt.date(2025, 7, 1)
    row.refresh_from_db()
    assert row.state == State.ACCEPTED and row.applied_version == version
    assert row.decided_by == admin
    entry = AuditEntry.objects.get(action="catalogue.accept")
    assert entry.actor == "qtv" and entry.data["version"] == 2
    assert "processing_days" in entry.data["changes"]

    new = mapped.submit_online(procedure=proc, uploads=factories.uploads_for(proc))
    assert new.procedure_version == version
    old.refresh_from_db()
    assert old.procedure_version.number == 1
    assert old.procedure_version.snapshot["processing_days"] == "3"

    client.force_login(mapped.desk)
    page = client.get(reverse("desk:dossier", args=[old.code])).content.decode()
    assert "Hồ sơ nộp theo phiên bản 1" in page and "Cổng DVC quốc gia" not in page
    page = client.get(reverse("desk:dossier", args=[new.code])).content.decode()
    assert "phiên bản 2 (Cổng DVC quốc gia phiên bản 2), hiệu lực từ 01/07/2025" in page

    # The portal changes the procedure again: only the changed field is pending.
    today = schemas.format_date(timezone.localdate())
    change_on_portal(control, ThoiHanGiaiQuyet=12, NgayHieuLuc=today)
    report = catalogue.pull_catalogue(portal)
    assert report.pending == ["1.009972 v3"]
    assert versions() == {1: State.HISTORICAL, 2: State.ACCEPTED, 3: State.PENDING}
    row3 = NationalProcedureVersion.objects.get(national_code="1.009972", version=3)
    assert [(c["field"], c["local"], c["national"]) for c in row3.diff] == [
        ("processing_days", "15", "12")
    ]
    # Rejected: the procedure stays as it is, and a re-pull does not bring it back.
    catalog_services.reject_national_version(row3, actor=admin, note="Chưa có quyết định")
    catalogue.pull_catalogue(portal)
    assert versions()[3] == State.REJECTED
    assert Procedure.objects.get(pk=proc.pk).processing_days == Decimal("15")
    assert AuditEntry.objects.filter(action="catalogue.reject").count() == 1


def test_a_version_not_yet_in_force_cannot_be_applied(mapped, portal, control):
    later = timezone.localdate() + dt.timedelta(days=30)
    change_on_portal(control, ThoiHanGiaiQuyet=10, NgayHieuLuc=schemas.format_date(later))
    catalogue.pull_catalogue(portal)
    # v2 is still in force but v3 is the newest: only v3 waits for a decision.
    assert versions()[3] == State.PENDING and versions()[2] == State.SUPERSEDED
    row = NationalProcedureVersion.objects.get(national_code="1.009972", version=3)
    with pytest.raises(InvalidInput, match="hiệu lực từ"):
        catalog_services.accept_national_version(row)
    assert Procedure.objects.get(pk=mapped.proc.pk).processing_days == Decimal("3")
    assert ProcedureVersion.objects.filter(procedure=mapped.proc, number__gt=1).count() == 0


def test_a_procedure_mapped_later_becomes_pending_on_the_next_pull(world, portal):
    catalogue.pull_catalogue(portal)
    assert versions()[2] == State.UNMAPPED
    world.proc.national_code = "1.009972"
    world.proc.save()
    report = catalogue.pull_catalogue(portal)
    assert not report.new and versions()[2] == State.PENDING


def test_malformed_records_are_reported_and_taken_on_the_next_pull(mapped, portal, control):
    portal.token(renew=True)  # a fresh token: the one faulted request is the catalogue's
    control.post(
        "/_control/faults",
        json={"endpoint": "dvcqg.LayDanhSachTTHC", "malformed_rate": 1, "times": 1},
    )
    report = catalogue.pull_catalogue(portal)
    assert report.invalid and len(report.new) == report.received - len(report.invalid)
    again = catalogue.pull_catalogue(portal)
    assert not again.invalid
    assert NationalProcedureVersion.objects.count() == again.received


def test_portal_down_stops_the_pull_cleanly(mapped, portal, control):
    control.post("/_control/faults", json={"endpoint": "dvcqg.LayDanhSachTTHC", "error_rate": 1})
    report = catalogue.pull_catalogue(portal)
    assert report.stopped and NationalProcedureVersion.objects.count() == 0


def test_command_and_admin(mapped, portal, client, capsys):
    call_command("dvcqg", "catalogue")
    assert "thay đổi chờ duyệt" in capsys.readouterr().out
    admin = factories.User.objects.create_superuser("qtv", "", "x")
    client.force_login(admin)
    url = reverse("admin:catalog_nationalprocedureversion_changelist")
    page = client.get(url, {"state__exact": "pending"}).content.decode()
    assert "1.009972" in page and "Chờ duyệt" in page
    row = NationalProcedureVersion.objects.get(national_code="1.009972", version=2)
    detail = client.get(reverse("admin:catalog_nationalprocedureversion_change", args=[row.pk]))
    text = detail.content.decode()
    assert "Thời hạn giải quyết (ngày làm việc)" in text and "Cổng DVC quốc gia" in text
    answer = client.post(url, {"action": "accept", "_selected_action": [row.pk]}, follow=True)
    assert "Đã áp dụng" in answer.content.decode()
    row.refresh_from_db()
    assert row.state == State.ACCEPTED
    again = client.post(url, {"action": "accept", "_selected_action": [row.pk]}, follow=True)
    assert "Chỉ áp dụng được thay đổi đang chờ duyệt" in again.content.decode()
    versions_url = reverse("admin:catalog_procedureversion_change", args=[row.applied_version_id])
    assert "Bản vẽ thiết kế" in client.get(versions_url).content.decode()


def test_the_worker_pulls_catalogue_and_feedback_on_a_schedule(mapped, settings, portal):
    from django_q.models import Schedule

    from motcua.core.apps import register_schedules
    from motcua.dvcqg import feedback

    register_schedules()
    daily = Schedule.objects.get(name="dvcqg-catalogue")
    assert daily.func == "motcua.dvcqg.catalogue.scheduled_catalogue" and daily.minutes == 1440
    hourly = Schedule.objects.get(name="dvcqg-feedback")
    assert hourly.func == "motcua.dvcqg.feedback.scheduled_feedback" and hourly.minutes == 60
    # What the jobs run: the pulls, with the configured portal.
    assert "thay đổi chờ duyệt" in catalogue.scheduled_catalogue()
    assert NationalProcedureVersion.objects.filter(state=State.PENDING).exists()
    assert "đánh giá mới" in feedback.scheduled_feedback()
    settings.MOTCUA_DVCQG_URL = ""
    assert "chưa được cấu hình" in catalogue.scheduled_catalogue()
    assert "chưa được cấu hình" in feedback.scheduled_feedback()
