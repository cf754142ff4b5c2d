"""A dossier through its procedure's internal process (NĐ 118/2025; TT 03/2025): steps with
their own due times, parallel legs in other agencies, send-backs, opinions, a signed result."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.catalog import services as catalog_services
from motcua.core import audit
from motcua.core.calendar import calendar
from motcua.core.models import OutboxMessage
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.dossiers import policy, selectors, services
from motcua.dossiers.models import Attachment, DossierStep, Status
from motcua.signing.models import SignedResult
from tests.process_helpers import build_process
from tests.signing.helpers import give_key, result_pdf, use_test_keys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    use_test_keys(settings, tmp_path)


@pytest.fixture
def version(world):
    return build_process(world)


@pytest.fixture
def received(world, version):
    return services.receive(world.submit_online(), world.desk)


def _open(dossier):
    return list(dossier.steps.filter(finished_at=None).order_by("order"))


def _do(dossier, user, action, **kwargs):
    step = policy.steps_for(user, dossier, action)[0]
    return getattr(services, action)(dossier, user, step.pk, **kwargs)


def _draft():
    return services.Upload(SimpleUploadedFile("du-thao.pdf", result_pdf(), "application/pdf"))


def test_receipt_fixes_the_version_and_opens_the_first_step(world, version, received):
    """NĐ 118/2025: the dossier is handled by the process approved when it was received;
    its first step's due time is its start plus its budget, within the appointment."""
    assert received.process_version == version
    (first,) = _open(received)
    assert first.name == "Thẩm định hồ sơ" and first.agency == world.dept
    assert first.started_at == received.clock_started_at
    cal = calendar()
    assert first.due_at == min(cal.add_minutes(first.started_at, 6 * 60), received.due_at)
    # A new version published later does not change this dossier's steps.
    draft = catalog_services.new_process_draft(world.proc)
    catalog_services.publish_process(draft)
    received.refresh_from_db()
    assert received.process_version == version


def test_no_step_is_due_after_the_appointment(world):
    """NĐ 118/2025: each step's time is part of the procedure's time limit."""
    rows = [
        (1, "Thẩm định", "work", "specialist", None, "23", ""),
        (2, "Dự thảo", "draft", "specialist", None, "0.25", ""),
        (3, "Ký", "sign", "leader", None, "0.25", ""),
        (4, "Ban hành", "issue", "specialist", None, "0.25", ""),
    ]
    build_process(world, steps=rows)
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = _do(dossier, world.specialist, "complete_step", note="Xong")
    dossier = services.request_payment(dossier, world.desk, 1000)
    (step,) = _open(dossier)
    assert step.due_at <= dossier.due_at


def test_parallel_legs_start_together_and_the_next_step_waits_for_both(world, received):
    """NĐ 118/2025 (liên thông): legs in other agencies in parallel; the next step starts
    when all of the group are done. The other agency sees the dossier during its leg."""
    d = _do(received, world.specialist, "take_step")
    assert d.status == Status.PROCESSING and d.national_status == 4
    d = _do(d, world.specialist, "complete_step", note="Đủ điều kiện")
    opinion, site = _open(d)
    assert {opinion.agency, site.agency} == {world.other_dept, world.dept}
    assert opinion.started_at == site.started_at
    # The other department sees it and may act on its leg only.
    assert selectors.dossier_for(world.other_leader, d.code) == d
    with pytest.raises(NotAllowed):
        services.complete_step(d, world.other_leader, site.pk, note="Không phải việc của tôi")
    with pytest.raises(InvalidInput):  # an opinion needs its text
        services.complete_step(d, world.other_leader, opinion.pk, note="")
    d = services.complete_step(d, world.other_leader, opinion.pk, note="Đồng ý về pháp lý")
    assert [s.pk for s in _open(d)] == [site.pk]  # the draft waits for the site check
    d = services.complete_step(d, world.specialist, site.pk, note="Đúng hiện trạng")
    (draft,) = _open(d)
    assert draft.kind == "draft"


def test_draft_needs_a_pdf_then_review_sends_back_with_a_reason(world, received):
    """TT 03/2025: the result is drafted (a file) before it is submitted for signature; the
    reviewer may send it back to an earlier step, with the reason recorded."""
    d = _do(received, world.specialist, "complete_step", note="Đủ")
    d = _do(d, world.other_leader, "complete_step", note="Đồng ý")
    d = _do(d, world.specialist, "complete_step", note="Đúng")
    with pytest.raises(InvalidInput) as err:
        _do(d, world.specialist, "complete_step", note="")
    assert err.value.code == "draft_file_required"
    d = _do(d, world.specialist, "complete_step", uploads=[_draft()])
    assert d.attachments.filter(kind=Attachment.Kind.DRAFT).count() == 1
    (review,) = _open(d)
    assert review.kind == "review"
    with pytest.raises(InvalidInput):
        services.send_back(d, world.leader, review.pk, 4, "")
    with pytest.raises(InvalidInput):
        services.send_back(d, world.leader, review.pk, 6, "Sai bước")  # not an earlier one
    d = services.send_back(d, world.leader, review.pk, 4, "Sai tên chủ đầu tư trong dự thảo")
    review.refresh_from_db()
    assert review.outcome == DossierStep.Outcome.SENT_BACK
    (again,) = _open(d)
    assert (again.order, again.round) == (4, 2)
    event = d.events.get(action="send_back")
    assert event.note == "Sai tên chủ đầu tư trong dự thảo"
    assert event.national_status == 4


def _to_signature(world, d):
    d = _do(d, world.specialist, "complete_step", note="Đủ")
    d = _do(d, world.other_leader, "complete_step", note="Đồng ý")
    d = _do(d, world.specialist, "complete_step", note="Đúng")
    d = _do(d, world.specialist, "complete_step", uploads=[_draft()])
    return _do(d, world.leader, "complete_step", note="Trình ký")


def test_the_leader_signs_the_drafted_result_and_issuing_numbers_it(world, received):
    """NĐ 118/2025 and Luật Giao dịch điện tử 2023: the electronic result is the leader's
    digitally signed document; issuing it (ban hành) ends processing (status 9)."""
    give_key(world.leader)
    d = _to_signature(world, received)
    with pytest.raises(NotAllowed):  # only the leader signs
        services.sign(d, world.specialist, _open(d)[0].pk)
    d = _do(d, world.leader, "sign")
    signed = SignedResult.objects.get(dossier=d)
    assert signed.signer == world.leader
    assert d.status == Status.PROCESSING
    d = _do(d, world.specialist, "complete_step", note="Vào sổ")
    assert d.status == Status.DONE and d.national_status == 9
    assert d.result_code == f"{d.code}-KQ1"
    assert not _open(d)
    d = services.return_result(d, world.desk, "online")
    assert d.national_status == 10
    actions = list(d.events.values_list("action", flat=True))
    assert actions[:2] == ["submit", "receive"] and actions[-3:] == [
        "sign",
        "finish",
        "return_result",
    ]
    assert "sign_result" in actions  # the signing app's own line
    # Each step's event has its audit entry and its status message, in one transaction.
    assert OutboxMessage.objects.filter(key__startswith=f"dvcqg:{d.code}:").count() == len(
        [a for a in actions if a != "sign_result"]
    )
    assert audit.verify().ok


def test_without_a_certificate_the_sign_step_fails_and_nothing_moves(world, received):
    d = _to_signature(world, received)
    (step,) = _open(d)
    with pytest.raises(Exception) as err:
        services.sign(d, world.leader, step.pk)
    assert "chứng thư số" in str(err.value)
    assert _open(d) == [step]


def test_the_sign_step_is_only_passed_by_signing(world, received):
    """The result is signed before it is issued: the sign step cannot be "completed"."""
    d = _to_signature(world, received)
    (step,) = _open(d)
    assert step.kind == "sign"
    with pytest.raises(IllegalTransition):
        services.complete_step(d, world.leader, step.pk, note="Đồng ý")
    assert _open(d) == [step]


def test_opinion_request_has_its_own_deadline_and_blocks_the_asking_step(world, received):
    """NĐ 118/2025: an agency asked for its opinion answers by a deadline; the step that
    asked waits for the answer (transfer slip in the event)."""
    (step,) = _open(received)
    with pytest.raises(InvalidInput):  # beyond the step's own due time
        services.request_opinion(
            received,
            world.specialist,
            step.pk,
            to_agency=world.other_dept,
            budget_hours="40",
            question="Cho ý kiến về tính pháp lý",
        )
    d = services.request_opinion(
        received,
        world.specialist,
        step.pk,
        to_agency=world.other_dept,
        budget_hours="2",
        question="Cho ý kiến về tính pháp lý",
    )
    opinion = d.steps.get(requested_by=step)
    assert opinion.due_at == calendar().add_minutes(opinion.started_at, 120)
    slip = d.events.get(action="request_opinion").data["slip"]
    assert slip == {
        "from": world.dept.identifier,
        "to": world.other_dept.identifier,
        "step": step.pk,
    }
    with pytest.raises(IllegalTransition):
        services.complete_step(d, world.specialist, step.pk, note="Xong")
    d = services.complete_step(d, world.other_leader, opinion.pk, note="Đồng ý, đủ căn cứ")
    d = services.complete_step(d, world.specialist, step.pk, note="Xong")
    assert {s.order for s in _open(d)} == {2, 3}


def test_overdue_steps_are_flagged_and_listed_for_the_leader(world, received):
    """NĐ 118/2025: the leader is told of late steps (in the app)."""
    (step,) = _open(received)
    DossierStep.objects.filter(pk=step.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    step.refresh_from_db()
    assert step.is_overdue
    assert [s.pk for s in selectors.overdue_steps(world.leader)] == [step.pk]
    assert list(selectors.overdue_steps(world.specialist)) == []  # leaders only
    assert list(selectors.overdue_steps(world.other_leader)) == []  # their agency only


def test_legacy_actions_are_refused_on_a_process_dossier(world, received):
    assert "assign" not in policy.available_actions(world.desk, received)
    with pytest.raises(IllegalTransition):
        services.assign(received, world.desk, to_agency=world.dept)


def test_stop_cancels_open_steps(world, received):
    d = services.stop(received, world.leader, "Không đủ điều kiện giải quyết")
    assert not _open(d)
    assert set(d.steps.values_list("outcome", flat=True)) == {DossierStep.Outcome.CANCELLED}


def test_supplement_restarts_the_open_steps_clock(world, received):
    """NĐ 118/2025: after a supplement the time limit counts again in full, so does the step."""
    d = _do(received, world.specialist, "take_step")
    (step,) = _open(d)
    d = services.request_supplement(
        d, world.specialist, [services.MissingItem("Bản vẽ", "Thiếu chữ ký chủ đầu tư")]
    )
    d = services.complete_supplement(d, world.desk)
    assert d.status == Status.PROCESSING
    step.refresh_from_db()
    assert step.started_at >= d.clock_started_at


def test_desk_page_shows_the_process_and_the_leader_queue_flags_late_steps(world, received, client):
    """NĐ 118/2025: the desk shows each step's due time; the leader is told of late steps."""
    (step,) = _open(received)
    client.force_login(world.specialist)
    page = client.get(f"/mot-cua/ho-so/{received.code}/").content.decode()
    assert 'id="process"' in page and "Thẩm định hồ sơ" in page
    assert timezone.localtime(step.due_at).strftime("%H:%M %d/%m/%Y") in page
    # One action at a time: a button per action the specialist may take now.
    assert 'data-open="take_step"' in page and 'data-open="complete_step"' in page
    response = client.post(
        f"/mot-cua/ho-so/{received.code}/complete_step/",
        {"complete_step-step": step.pk, "complete_step-note": "Đủ điều kiện"},
    )
    assert response.status_code == 302
    assert not DossierStep.objects.filter(pk=step.pk, finished_at=None).exists()
    late = next(s for s in _open(received) if s.agency == world.dept)
    DossierStep.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    client.force_login(world.leader)
    queue = client.get("/mot-cua/").content.decode()
    assert 'id="attention"' in queue and received.code in queue
    client.force_login(world.specialist)
    assert 'id="attention"' not in client.get("/mot-cua/").content.decode()
