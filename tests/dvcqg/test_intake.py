"""Intake of dossiers filed on the national portal, against the real simulator: the pull
takes each dossier once (second pull, restart mid-batch, duplicates and reordering, 5xx),
unmapped records wait in quarantine until the mapping is fixed, and the push endpoint takes
the same records, signed."""

import base64
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.dossiers.models import Attachment, Channel, Dossier, Event, Status
from motcua.dvcqg import intake
from motcua.dvcqg.models import FeedCursor, QuarantinedRecord
from motcua.dvcqg.webhooks import SIGNATURE_HEADER, sign
from tests import factories
from tests.simulators.conftest import DVCQG_CLIENT

PUSH_SECRET = "push-secret-for-tests"  # noqa: S105
PDF = factories.PDF


@pytest.fixture
def portal(portal, settings):
    """The shared client, and the secret of the portal's pushes."""
    settings.MOTCUA_DVCQG_PUSH_SECRET = PUSH_SECRET
    return portal


@pytest.fixture
def mapped(world):
    """Every procedure of the simulator's demo feed has a local one: 1.001193 (commune, by
    its own code), 1.009972 (national code of the world's provincial procedure), 1.000894."""
    world.proc.national_code = "1.009972"
    world.proc.save()
    factories.procedure(None, code="1.000894", name="Đăng ký kết hôn")
    return world


def file_on_portal(control, **fields):
    body = {"TaiLieuNop": [{"TenTepDinhKem": "don.pdf", "NoiDung": PDF.decode()}], **fields}
    response = control.post("/_control/dvcqg/dossiers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def feed(control):
    """What the portal still offers (not acknowledged)."""
    return [r["MaHoSo"] for r in _feed_page(control)]


def _feed_page(control):
    token = control.post(
        "/dvcqg/oauth/token", data={"grant_type": "client_credentials"}, auth=DVCQG_CLIENT
    ).json()["access_token"]
    answer = control.get(
        "/dvcqg/api/LayDanhSachHoSo",
        params={"so_luong": 500},
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.json()["data"]


def fault(control, **rule):
    assert control.post("/_control/faults", json=rule).status_code in (200, 201)


def national_ids():
    return sorted(Dossier.objects.exclude(national_id=None).values_list("national_id", flat=True))


# --- pull -----------------------------------------------------------------------------


def test_pull_takes_each_dossier_once_with_its_files(mapped, portal, control):
    waiting = feed(control)
    assert len(waiting) == 3

    report = intake.pull(portal)

    assert sorted(report.taken) == sorted(waiting) and not report.quarantined
    assert national_ids() == sorted(waiting)
    for dossier in Dossier.objects.exclude(national_id=None):
        assert dossier.channel == Channel.ONLINE and dossier.status == Status.SUBMITTED
        assert dossier.intake_due_at is not None  # in the desk's queue with its deadline
        files = list(dossier.attachments.filter(kind=Attachment.Kind.APPLICATION))
        assert files and all(f.content_type == "application/pdf" for f in files)
        event = Event.objects.get(dossier=dossier, action="submit")
        assert event.data["national_id"] == dossier.national_id
        assert event.actor is None
        assert AuditEntry.objects.filter(action="dossier.submit", object_id=dossier.code)
    # The portal was told, with the province's code: it offers none of them any more.
    assert feed(control) == []
    acks = control.get("/_control/received", params={"endpoint": "XacNhanHoSo"}).json()
    assert {a["body"]["MaHoSo"] for a in acks["items"]} == set(waiting)
    assert all(a["body"]["MaHoSoTinh"] for a in acks["items"])
    assert FeedCursor.objects.get(name=intake.FEED).position == report.cursor > 0


def test_a_stored_file_is_the_one_the_portal_hashed(mapped, portal, control):
    content = PDF + b"noi dung rieng"
    record = file_on_portal(
        control,
        MaTTHC="1.001193",
        TaiLieuNop=[
            {"TenTepDinhKem": "to-khai.pdf", "NoiDungBase64": base64.b64encode(content).decode()}
        ],
    )
    intake.pull(portal)
    attachment = Dossier.objects.get(national_id=record["MaHoSo"]).attachments.get()
    assert (
        attachment.sha256 == hashlib.sha256(content).hexdigest() == record["TaiLieuNop"][0]["MaBam"]
    )
    assert attachment.size == len(content)


def test_a_second_pull_takes_nothing(mapped, portal, control):
    intake.pull(portal)
    again = intake.pull(portal)
    assert again.taken == [] and Dossier.objects.exclude(national_id=None).count() == 3
    # Even reading the whole feed again (nothing acknowledged is offered) makes no dossier.
    from_start = intake.pull(portal, from_start=True)
    assert from_start.taken == [] and Dossier.objects.exclude(national_id=None).count() == 3


def test_command_pull(mapped, portal, control, capsys):
    call_command("dvcqg", "pull")
    assert "3 hồ sơ mới" in capsys.readouterr().out
    assert len(national_ids()) == 3


def test_command_pull_reports_a_portal_that_is_down(mapped, portal, control):
    fault(control, endpoint="dvcqg", error_rate=1, error_status=503)
    with pytest.raises(CommandError, match="pull stopped"):
        call_command("dvcqg", "pull")
    assert national_ids() == []


def test_restart_mid_batch_gives_each_dossier_once(mapped, portal, control, monkeypatch):
    """The 3rd attachment download fails (the demo feed has 5): the pull stops with the
    cursor before the page; the next pull takes the rest and none twice."""
    downloads = []
    real = portal.download

    def download(link):
        downloads.append(link)
        if len(downloads) == 3:  # this download request is answered 503
            fault(control, endpoint="dvcqg.LayTepDinhKem", error_rate=1, times=1)
        return real(link)

    monkeypatch.setattr(portal, "download", download)  # the client is shared: undone after
    first = intake.pull(portal)
    assert first.stopped and len(first.taken) == 1
    assert FeedCursor.objects.get(name=intake.FEED).position == 0  # the page is read again
    assert len(feed(control)) == 2

    second = intake.pull(portal)
    assert not second.stopped and len(second.taken) == 2
    assert len(national_ids()) == 3 and len(set(national_ids())) == 3
    assert feed(control) == []


def test_lost_acknowledgement_is_sent_again_without_a_second_dossier(mapped, portal, control):
    # The portal applies the acknowledgement but the answer is lost, every time this pull.
    fault(control, endpoint="dvcqg.XacNhanHoSo", error_after_rate=1, times=1)
    first = intake.pull(portal)
    # The dossier was made, then the pull stopped at the lost answer.
    assert first.stopped and len(national_ids()) == 1
    second = intake.pull(portal)
    assert len(second.taken) == 2
    assert len(national_ids()) == 3


def test_duplicates_reordering_and_small_pages(mapped, portal, control):
    for i in range(7):
        file_on_portal(control, MaTTHC="1.001193", TrichYeuHoSo=f"Hồ sơ {i}")
    waiting = feed(control)
    fault(control, endpoint="dvcqg.LayDanhSachHoSo", duplicate_rate=0.5, reorder=True)
    report = intake.pull(portal, page_size=3)
    assert not report.stopped
    assert national_ids() == sorted(waiting)  # 10, each once
    assert Dossier.objects.count() == 10


def test_5xx_from_the_portal_lose_nothing(mapped, portal, control):
    for i in range(4):
        file_on_portal(control, MaTTHC="1.001193", TrichYeuHoSo=f"Hồ sơ {i}")
    waiting = feed(control)
    fault(control, endpoint="dvcqg", error_rate=0.3, error_status=503)
    for _ in range(30):  # the schedule runs again and again
        intake.pull(portal, page_size=2)
        if len(national_ids()) == len(waiting):
            break
    control.delete("/_control/faults")
    intake.pull(portal)
    assert national_ids() == sorted(waiting)


def test_a_record_mangled_in_the_feed_is_fetched_again(mapped, portal, control):
    fault(control, endpoint="dvcqg.LayDanhSachHoSo", malformed_rate=1, times=1)
    report = intake.pull(portal)
    # MaHoSo survived the mangling for some: their clean copy came from LayHoSo.
    broken = QuarantinedRecord.objects.filter(reason_code=QuarantinedRecord.Reason.MALFORMED)
    assert len(report.taken) + broken.count() == 3
    assert all(not r.national_id for r in broken)  # only those without a usable MaHoSo wait


# --- quarantine -----------------------------------------------------------------------


def test_unknown_procedure_waits_until_the_mapping_is_fixed(world, portal, control):
    # In `world`, only 1.001193 exists: the two other demo dossiers cannot be mapped.
    report = intake.pull(portal)
    assert len(report.taken) == 1 and len(report.quarantined) == 2
    row = QuarantinedRecord.objects.get(procedure_code="1.009972")
    assert row.reason_code == QuarantinedRecord.Reason.UNKNOWN_PROCEDURE
    assert "1.009972" in row.reason and "mã thủ tục quốc gia" in row.reason
    assert row.is_open and row.count == 1 and row.raw["MaHoSo"] == row.national_id
    # Not acknowledged: still offered by the portal.
    assert row.national_id in feed(control)

    # Seen again (the whole feed read once more): counted, not duplicated.
    intake.pull(portal, from_start=True)
    row.refresh_from_db()
    assert row.count == 2 and QuarantinedRecord.objects.count() == 2

    # The administrator maps the national code to the local procedure, then retries.
    world.proc.national_code = "1.009972"
    world.proc.save()
    admin = factories.User.objects.create_superuser("qtv", "", "x")
    outcome = intake.retry(row, admin)
    assert outcome.status == "taken"
    row.refresh_from_db()
    assert not row.is_open and row.dossier == outcome.dossier and row.resolved_by == admin
    assert outcome.dossier.national_id == row.national_id
    assert outcome.dossier.procedure == world.proc
    assert row.national_id not in feed(control)


def test_unknown_unit_and_resolve(world, portal, control):
    record = file_on_portal(control, MaTTHC="1.001193", MaDonVi="999.99.99.H99")
    intake.pull(portal)
    row = QuarantinedRecord.objects.get(national_id=record["MaHoSo"])
    assert row.reason_code == QuarantinedRecord.Reason.UNKNOWN_UNIT
    assert "999.99.99.H99" in row.reason
    admin = factories.User.objects.create_superuser("qtv", "", "x")
    intake.resolve(row, admin, "Hồ sơ nộp nhầm tỉnh, đã hướng dẫn công dân")
    row.refresh_from_db()
    assert not row.is_open and row.resolved_by == admin and row.dossier is None
    assert record["MaHoSo"] not in feed(control)  # acknowledged once resolved
    assert AuditEntry.objects.filter(action="dvcqg.quarantine_resolved", object_id=row.key)


def test_bad_attachment_hash_is_quarantined(world, portal, control, simulator):
    record = file_on_portal(control, MaTTHC="1.001193")
    # The portal serves other bytes than those it hashed.
    dvcqg = simulator.app.systems["dvcqg"]
    data, media_type, name = dvcqg.files[(record["MaHoSo"], "T1")]
    dvcqg.files[(record["MaHoSo"], "T1")] = (data + b"tampered", media_type, name)
    intake.pull(portal)
    row = QuarantinedRecord.objects.get(national_id=record["MaHoSo"])
    assert row.reason_code == QuarantinedRecord.Reason.ATTACHMENT
    assert "mã băm" in row.reason
    assert not Dossier.objects.filter(national_id=record["MaHoSo"]).exists()
    assert record["MaHoSo"] in feed(control)


def test_a_malformed_record_is_kept_whole(world, portal, control):
    control.post(
        "/_control/dvcqg/dossiers",
        json={"raw": True, "MaTTHC": "1.001193", "MaDonVi": "001.10.00.H37", "TaiLieuNop": []},
    )
    intake.pull(portal)
    row = QuarantinedRecord.objects.get(reason_code=QuarantinedRecord.Reason.MALFORMED)
    assert "không đúng định dạng" in row.reason and row.raw["MaTTHC"] == "1.001193"


def test_admin_lists_and_retries(world, portal, control, client):
    intake.pull(portal)
    admin = factories.User.objects.create_superuser("qtv", "", "x")
    client.force_login(admin)
    url = reverse("admin:dvcqg_quarantinedrecord_changelist")
    page = client.get(url)
    assert page.status_code == 200 and "1.009972" in page.content.decode()
    row = QuarantinedRecord.objects.get(procedure_code="1.009972")
    assert (
        client.get(reverse("admin:dvcqg_quarantinedrecord_change", args=[row.pk])).status_code
        == 200
    )
    world.proc.national_code = "1.009972"
    world.proc.save()
    answer = client.post(
        url, {"action": "retry_records", "_selected_action": [row.pk]}, follow=True
    )
    assert "Đã tiếp nhận 1 hồ sơ" in answer.content.decode()
    row.refresh_from_db()
    assert row.dossier is not None and row.resolved_by == admin


# --- push -----------------------------------------------------------------------------


def push(client, record, secret=PUSH_SECRET, signature=None):
    body = json.dumps(record).encode()
    headers = {SIGNATURE_HEADER: signature if signature is not None else sign(body, secret)}
    return client.post(
        "/api/v1/dvcqg/ho-so/", body, content_type="application/json", headers=headers
    )


def test_push_takes_a_record_once(mapped, portal, control, client):
    record = file_on_portal(control, MaTTHC="1.001193")
    first = push(client, record)
    assert first.status_code == 201, first.content
    dossier = Dossier.objects.get(national_id=record["MaHoSo"])
    assert first.json() == {
        "ket_qua": "taken",
        "MaHoSo": record["MaHoSo"],
        "ma_ho_so": dossier.code,
    }
    again = push(client, record)
    assert again.status_code == 200 and again.json()["ket_qua"] == "duplicate"
    intake.pull(portal)  # and the pull does not take it a second time
    assert Dossier.objects.filter(national_id=record["MaHoSo"]).count() == 1


@pytest.mark.parametrize("signature", ["", "sha256=00", "sha256=" + "a" * 64])
def test_push_without_a_valid_signature_is_refused(mapped, portal, control, client, signature):
    record = file_on_portal(control, MaTTHC="1.001193")
    answer = push(client, record, signature=signature)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "bad_signature"
    assert push(client, record, secret="another secret").status_code == 401
    assert not Dossier.objects.filter(national_id=record["MaHoSo"]).exists()


def test_push_is_off_without_a_secret(mapped, portal, control, client, settings):
    settings.MOTCUA_DVCQG_PUSH_SECRET = ""
    record = file_on_portal(control, MaTTHC="1.001193")
    answer = push(client, record, secret="")
    assert answer.status_code == 404 and answer.json()["code"] == "push_disabled"


def test_push_of_an_unmapped_record_is_quarantined(world, portal, control, client):
    record = file_on_portal(control, MaTTHC="9.999999")
    answer = push(client, record)
    assert answer.status_code == 202
    assert answer.json()["ket_qua"] == "quarantined" and "9.999999" in answer.json()["detail"]
    row = QuarantinedRecord.objects.get(national_id=record["MaHoSo"])
    assert row.source == QuarantinedRecord.Source.PUSH
    push(client, record)
    row.refresh_from_db()
    assert row.count == 2


def test_push_not_json_and_portal_down(mapped, portal, control, client):
    body = b"not json"
    answer = client.post(
        "/api/v1/dvcqg/ho-so/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body, PUSH_SECRET)},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_json"
    record = file_on_portal(control, MaTTHC="1.001193")
    fault(control, endpoint="dvcqg.LayTepDinhKem", error_rate=1)
    answer = push(client, record)
    assert answer.status_code == 503 and answer["Retry-After"]
    control.delete("/_control/faults")
    assert push(client, record).status_code == 201


def test_desk_page_shows_the_national_id(mapped, portal, control, client):
    intake.pull(portal)
    dossier = Dossier.objects.get(procedure=mapped.proc)
    client.force_login(mapped.desk)
    page = client.get(reverse("desk:dossier", args=[dossier.code]))
    assert page.status_code == 200
    assert dossier.national_id in page.content.decode()


def test_desk_queue_lists_it(mapped, portal, control, client):
    intake.pull(portal)
    dossier = Dossier.objects.get(procedure=mapped.commune_proc)
    client.force_login(mapped.commune_desk)
    page = client.get(reverse("desk:queue"))
    assert dossier.code in page.content.decode()


def test_the_worker_pulls_on_a_schedule(db, settings):
    from django_q.models import Schedule

    from motcua.core.apps import register_schedules

    settings.MOTCUA_DVCQG_PULL_MINUTES = 7
    register_schedules()
    schedule = Schedule.objects.get(name="dvcqg-pull")
    assert schedule.func == "motcua.dvcqg.intake.scheduled_pull" and schedule.minutes == 7


def test_scheduled_pull_waits_for_a_configured_portal(mapped, settings):
    settings.MOTCUA_DVCQG_URL = ""
    assert "chưa được cấu hình" in intake.scheduled_pull()


def test_scheduled_pull_takes_the_feed(mapped, portal, control):
    assert intake.scheduled_pull().startswith("3 hồ sơ mới")
    assert len(national_ids()) == 3
