"""The dossier lifecycle through its services: statuses, clocks, events, audit, outbox."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core import audit
from motcua.core.calendar import calendar
from motcua.core.models import AuditEntry, OutboxMessage
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.dossiers import services
from motcua.dossiers.models import NATIONAL_STATUS, Attachment, Dossier, Status
from tests import factories

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def _received(world):
    dossier = world.submit_online()
    return services.receive(dossier, world.desk)


def _processing(world):
    dossier = _received(world)
    return services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)


def test_online_submission_gets_code_and_intake_deadline(world):
    dossier = world.submit_online()
    today = timezone.localdate()
    assert re.fullmatch(rf"000\.00\.01\.H37-{today:%y%m%d}-0001", dossier.code)
    assert dossier.status == Status.SUBMITTED
    assert dossier.national_status == 1
    assert calendar().minutes_between(timezone.now(), dossier.intake_due_at) <= 480
    assert dossier.attachments.count() == 2
    second = world.submit_online()
    assert second.code.endswith("-0002")


def test_attachment_hash_is_sha256_of_the_stored_bytes(world):
    import hashlib

    from django.core.files.storage import default_storage

    dossier = world.submit_online()
    for att in dossier.attachments.all():
        with default_storage.open(att.path, "rb") as f:
            body = f.read()
        assert att.sha256 == hashlib.sha256(body).hexdigest()
        assert att.size == len(body)


def test_full_lifecycle_maps_to_national_codes_and_logs_every_step(world):
    dossier = world.submit_online()
    dossier = services.receive(dossier, world.desk, note="Đủ thành phần")
    assert dossier.national_status == 2 and dossier.due_at > dossier.received_at
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    assert dossier.national_status == 4
    dossier = services.approve(dossier, world.leader)
    dossier = services.finish(dossier, world.specialist, uploads=[services.Upload(factories.pdf())])
    assert dossier.national_status == 9
    assert dossier.result_code == f"{dossier.code}-KQ1"
    dossier = services.return_result(dossier, world.desk, "online")
    assert dossier.national_status == 10
    actions = list(dossier.events.values_list("action", "national_status"))
    assert actions == [
        ("submit", 1),
        ("receive", 2),
        ("assign", 4),
        ("approve", 4),
        ("finish", 9),
        ("return_result", 10),
    ]
    # Each event has its audit entry and its DVCQG sync message.
    assert AuditEntry.objects.filter(object_id=dossier.code).count() == 6
    assert OutboxMessage.objects.filter(key__startswith=f"dvcqg:{dossier.code}:").count() == 6
    assert audit.verify().ok


def test_every_internal_status_maps_to_one_of_ten_national_codes():
    assert set(NATIONAL_STATUS) == set(Status.values)
    assert set(NATIONAL_STATUS.values()) == set(range(1, 11))


def test_desk_submission_is_received_at_once_and_paper_cutoff_applies(world, settings):
    result = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.other_desk,  # boundary-free intake: another department's desk
        channel="desk",
    )
    dossier = result.dossier
    assert dossier.status == Status.RECEIVED
    assert dossier.agency == world.other_dept
    assert dossier.code.startswith("000.00.03.H37-")
    assert [e.action for e in result.events] == ["submit", "receive"]
    # Paper dossier: the 15:00 cut-off rule decides when the clock starts.
    assert dossier.clock_started_at == calendar().clock_start(dossier.received_at, paper=True)
    assert dossier.due_at == calendar().add_days(
        dossier.clock_started_at, world.proc.processing_days
    )


def test_postal_submission_counts_from_the_handover(world):
    handed = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)  # a Friday morning
    dossier = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel="post",
        handed_over_at=handed,
    ).dossier
    assert dossier.submitted_at == handed
    assert dossier.clock_started_at == handed
    assert dossier.due_at == calendar().add_days(handed, 3)


def test_online_submission_must_include_every_required_component(world):
    first = world.proc.components.first()
    with pytest.raises(InvalidInput) as err:
        world.submit_online(uploads=[services.Upload(factories.pdf(), first.pk)])
    assert "Giấy tờ số 2" in err.value.message
    assert Dossier.objects.count() == 0


def test_bad_files_are_refused_before_anything_is_written(world, settings, tmp_path):
    settings.MOTCUA_MAX_ATTACHMENT_BYTES = 1000
    comps = list(world.proc.components.all())
    big = [services.Upload(factories.pdf(size=5000), comps[0].pk)]
    exe = [services.Upload(factories.SimpleUploadedFile("x.exe", b"MZ\x90\x00"), comps[0].pk)]
    fake = [services.Upload(factories.SimpleUploadedFile("x.pdf", b"MZ\x90\x00"), comps[0].pk)]
    ok = services.Upload(factories.pdf(), comps[1].pk)
    for bad, code in (
        (big, "file_too_large"),
        (exe, "forbidden_file_type"),
        (fake, "forbidden_file_type"),
    ):
        with pytest.raises(InvalidInput) as err:
            world.submit_online(uploads=[ok, *bad])
        assert err.value.code == code
    assert Dossier.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_failed_transaction_leaves_no_file_behind(world, settings, monkeypatch):
    from motcua.dossiers import services as svc

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(svc, "_attach", broken)
    with pytest.raises(RuntimeError):
        world.submit_online()
    assert Dossier.objects.count() == 0
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_invalid_applicant_is_refused(world):
    with pytest.raises(InvalidInput):
        world.submit_online(applicant=services.ApplicantData(name=" ", id_number="12ab"))


def test_commune_procedure_needs_a_commune(world):
    with pytest.raises(InvalidInput):
        world.submit_online(procedure=world.commune_proc)
    dossier = world.submit_online(procedure=world.commune_proc, agency=world.commune)
    assert dossier.code.startswith("001.10.00.H37-")


def test_illegal_transitions_are_refused_and_change_nothing(world):
    dossier = world.submit_online()
    with pytest.raises(IllegalTransition) as err:
        services.approve(dossier, world.leader)
    assert "Mới đăng ký" in err.value.message
    with pytest.raises(IllegalTransition):
        services.return_result(dossier, world.desk)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.events.count() == 1


def test_refusal_needs_a_reason(world):
    dossier = world.submit_online()
    with pytest.raises(InvalidInput):
        services.refuse(dossier, world.desk, "")
    dossier = services.refuse(dossier, world.desk, "Thủ tục không thuộc thẩm quyền của Sở")
    assert dossier.national_status == 3
    assert dossier.events.last().note.startswith("Thủ tục không")


def test_supplement_lists_everything_once_and_restarts_the_clock(world):
    dossier = _processing(world)
    with pytest.raises(InvalidInput):
        services.request_supplement(dossier, world.specialist, factories.missing(" "))
    dossier = services.request_supplement(
        dossier,
        world.specialist,
        factories.missing("Bản vẽ thiết kế", "Giấy tờ về đất"),
        note="Thiếu 2 giấy tờ",
    )
    assert dossier.national_status == 5
    assert dossier.events.last().data["missing"] == ["Bản vẽ thiết kế", "Giấy tờ về đất"]
    dossier = services.complete_supplement(
        dossier, world.citizen, uploads=[services.Upload(factories.pdf("ban-ve.pdf"))]
    )
    assert dossier.status == Status.PROCESSING
    assert dossier.clock_started_at > dossier.received_at
    assert dossier.due_at == calendar().add_days(
        dossier.clock_started_at, world.proc.processing_days
    )
    assert dossier.attachments.filter(kind=Attachment.Kind.SUPPLEMENT).count() == 1
    with pytest.raises(IllegalTransition) as err:
        services.request_supplement(
            dossier, world.specialist, factories.missing("Một giấy tờ khác")
        )
    assert "một lần" in err.value.message


def test_supplement_at_intake_returns_to_the_desk(world):
    dossier = world.submit_online()
    dossier = services.request_supplement(
        dossier, world.desk, factories.missing("Tờ khai có chữ ký")
    )
    dossier = services.complete_supplement(dossier, world.citizen)
    assert dossier.status == Status.SUBMITTED and dossier.received_at is None


def test_supplement_after_three_working_days_is_refused(world):
    dossier = _processing(world)
    Dossier.objects.filter(pk=dossier.pk).update(received_at=timezone.now() - dt.timedelta(days=10))
    with pytest.raises(IllegalTransition) as err:
        services.request_supplement(dossier, world.specialist, factories.missing("Bản vẽ"))
    assert "3 ngày làm việc" in err.value.message


def test_payment_wait_does_not_count_against_the_agency(world):
    dossier = _processing(world)
    due = dossier.due_at
    dossier = services.request_payment(dossier, world.specialist, 500_000)
    assert dossier.national_status == 6
    # Pretend the applicant paid ten days later.
    Dossier.objects.filter(pk=dossier.pk).update(paused_at=timezone.now() - dt.timedelta(days=10))
    dossier = services.confirm_payment(dossier, world.desk)
    assert dossier.status == Status.PROCESSING
    assert dossier.paused_minutes > 0
    assert dossier.due_at == calendar().add_minutes(due, dossier.paused_minutes)


def test_legs_have_their_own_budgets_within_the_due_date(world):
    dossier = _received(world)
    dossier = services.assign(
        dossier, world.desk, to_agency=world.dept, to_user=world.specialist, budget_days="1"
    )
    leg = dossier.legs.get()
    assert calendar().minutes_between(leg.started_at, leg.due_at) == 480
    with pytest.raises(InvalidInput) as err:
        services.assign(dossier, world.specialist, to_agency=world.other_dept, budget_days="30")
    assert err.value.code == "budget_exceeds_due"
    dossier = services.assign(
        dossier, world.specialist, to_agency=world.other_dept, budget_days="0.5", note="Lấy ý kiến"
    )
    legs = list(dossier.legs.order_by("seq"))
    assert [leg.seq for leg in legs] == [1, 2]
    assert legs[0].finished_at is not None and legs[1].finished_at is None
    assert dossier.current_agency == world.other_dept
    # The other agency now holds it: its leader may approve; the first desk may not.
    with pytest.raises(NotAllowed):
        services.approve(dossier, world.specialist)
    services.approve(dossier, world.other_leader)


def test_assignee_must_belong_to_the_target_agency(world):
    dossier = _received(world)
    with pytest.raises(InvalidInput):
        services.assign(dossier, world.desk, to_agency=world.other_dept, to_user=world.specialist)


def test_apology_once_and_at_least_one_working_day_before_due(world):
    dossier = _processing(world)
    new_due = dossier.due_at + dt.timedelta(days=7)
    with pytest.raises(InvalidInput):
        services.apologise(dossier, world.leader, dossier.due_at, "Cần xác minh thực địa")
    dossier = services.apologise(dossier, world.leader, new_due, "Cần xác minh thực địa")
    assert dossier.due_at == new_due and dossier.original_due_at < new_due
    assert dossier.events.last().action == "apologise"
    with pytest.raises(IllegalTransition):
        services.apologise(dossier, world.leader, new_due + dt.timedelta(days=1), "Lần hai")


def test_apology_too_late_is_refused(world):
    dossier = _processing(world)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=calendar().add_minutes(timezone.now(), 120))
    with pytest.raises(IllegalTransition) as err:
        services.apologise(
            dossier, world.leader, timezone.now() + dt.timedelta(days=9), "Chậm do thiên tai"
        )
    assert "1 ngày làm việc" in err.value.message


def test_withdraw_and_stop(world):
    a = world.submit_online()
    with pytest.raises(NotAllowed):
        services.withdraw(a, world.other_citizen, "Không còn nhu cầu")
    a = services.withdraw(a, world.citizen, "Không còn nhu cầu")
    assert a.national_status == 7
    b = _processing(world)
    with pytest.raises(NotAllowed):
        services.stop(b, world.specialist, "Không đủ điều kiện cấp phép")
    b = services.stop(b, world.leader, "Không đủ điều kiện cấp phép")
    assert b.national_status == 8
    assert not b.legs.filter(finished_at__isnull=True).exists()


def test_online_return_needs_an_electronic_result(world):
    dossier = services.approve(_processing(world), world.leader)
    dossier = services.finish(dossier, world.specialist)
    assert dossier.return_channel == "online"  # filed online: the default choice
    with pytest.raises(InvalidInput):
        services.return_result(dossier, world.desk, "online")
    dossier = services.change_return_channel(dossier, world.desk, services.ReturnChoice("desk"))
    dossier = services.return_result(dossier, world.desk)
    assert dossier.return_method == "desk"


def test_idempotency_key_returns_the_first_dossier(world):
    first = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.citizen,
        uploads=factories.uploads_for(world.proc),
        idempotency_key="abc-123",
    )
    again = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.citizen,
        uploads=factories.uploads_for(world.proc),
        idempotency_key="abc-123",
    )
    assert first.created and not again.created
    assert again.dossier.pk == first.dossier.pk
    assert Dossier.objects.count() == 1
    with pytest.raises(InvalidInput) as err:
        services.submit(
            procedure=world.proc,
            applicant=factories.applicant(),
            actor=world.citizen,
            uploads=factories.uploads_for(world.proc),
            subject="Một yêu cầu khác",
            idempotency_key="abc-123",
        )
    assert err.value.code == "idempotency_key_reused"


def test_a_transition_locks_the_dossier_row_only(world):
    """Not the joined procedure and agency rows: that would serialise every transition
    of an agency (and every desk that submits to it) behind one row lock."""
    dossier = world.submit_online()
    with CaptureQueriesContext(connection) as queries:
        services.receive(dossier, world.desk)
    locking = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "dossiers_dossier"' in q["sql"] and "FOR UPDATE" in q["sql"]
    ]
    if connection.features.has_select_for_update_of:
        assert locking, "the dossier row is locked before its status changes"
        assert all(sql.endswith('FOR UPDATE OF "dossiers_dossier"') for sql in locking), locking
    else:  # SQLite: BEGIN IMMEDIATE serialises writers; there is no row lock to take
        assert locking == []
