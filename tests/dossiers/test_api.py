"""Dossier API: submission, idempotency, files, lookup, authorization and actions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from motcua.core.models import AuditEntry
from motcua.dossiers import policy, services
from motcua.dossiers.api import ACTIONS
from motcua.dossiers.models import Attachment, Dossier, Event, IdempotencyRecord
from tests import factories

PROBLEM = "application/problem+json"
DOSSIERS = "/api/v1/dossiers/"


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def submit_body(proc, **overrides: Any) -> dict[str, Any]:
    """A valid multipart body: the applicant and one PDF per component."""
    body: dict[str, Any] = {
        "procedure_code": proc.code,
        "applicant_name": "Nguyễn Văn Dân",
        "applicant_id_number": "001090000001",
        "applicant_phone": "0912345678",
        "applicant_email": "dan@example.vn",
        "applicant_address": "Phường Hoa Lư, Ninh Bình",
        "subject": "Xin cấp phép xây nhà",
    }
    for component in proc.components.all():
        body[f"component_{component.pk}"] = factories.pdf(f"tp{component.pk}.pdf")
    body.update(overrides)
    return body


def submit(client: APIClient, body: dict[str, Any], key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(DOSSIERS, body, format="multipart", headers=headers)


def act(client: APIClient, code: str, action: str, body: dict | None = None, **kwargs):
    return client.post(
        f"{DOSSIERS}{code}/actions/{action}/", body or {}, format=kwargs.pop("format", "json")
    )


def assert_problem(response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- submission -----------------------------------------------------------------------


def test_submit_online(world):
    response = submit(client_for(world.citizen), submit_body(world.proc))

    assert response.status_code == 201, response.content
    body = response.json()
    today = timezone.localdate().strftime("%y%m%d")
    assert re.fullmatch(rf"000\.00\.01\.H37-{today}-\d{{4}}", body["code"])
    assert body["code"].endswith("-0001")
    assert response["Location"].endswith(f"/api/v1/dossiers/{body['code']}/")
    assert (body["status"], body["national_status"]) == ("submitted", 1)
    assert body["national_status_name"] == "Mới đăng ký"
    assert body["channel"] == "online"
    assert body["applicant_id_number"] == "001090000001"
    assert body["allowed_actions"] == ["withdraw"]

    expected = hashlib.sha256(factories.PDF).hexdigest()
    assert [a["sha256"] for a in body["attachments"]] == [expected, expected]
    assert {a["kind"] for a in body["attachments"]} == {"application"}
    dossier = Dossier.objects.get(code=body["code"])
    assert dossier.applicant == world.citizen
    for attachment in dossier.attachments.all():
        with default_storage.open(attachment.path, "rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == attachment.sha256
        assert attachment.size == len(factories.PDF)


def test_submit_answers_what_a_later_read_shows(world):
    """The 201 body is built from the objects just created (no re-read): it must equal
    the detail read afterwards, online and at the desk (received in the same step)."""
    citizen = client_for(world.citizen)
    created = submit(citizen, submit_body(world.proc)).json()
    assert created == citizen.get(f"{DOSSIERS}{created['code']}/").json()

    desk = client_for(world.desk)
    response = desk.post(f"{DOSSIERS}desk/", submit_body(world.proc), format="multipart")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "received" and len(created["attachments"]) == 2
    assert created == desk.get(f"{DOSSIERS}{created['code']}/").json()


def test_submit_several_files_per_component_and_loose_files(world):
    first, second = world.proc.components.all()
    body = submit_body(
        world.proc,
        **{
            f"component_{first.pk}": [factories.pdf("a.pdf"), factories.pdf("b.pdf")],
            "files": factories.pdf("ghi-chu.pdf"),
        },
    )
    response = submit(client_for(world.citizen), body)
    assert response.status_code == 201, response.content
    attachments = Dossier.objects.get(code=response.json()["code"]).attachments.all()
    assert sorted((a.component_id or 0, a.original_name) for a in attachments) == [
        (0, "ghi-chu.pdf"),
        (first.pk, "a.pdf"),
        (first.pk, "b.pdf"),
        (second.pk, f"tp{second.pk}.pdf"),
    ]


def test_commune_procedure_goes_to_the_chosen_commune(world):
    citizen = client_for(world.citizen)
    proc = world.commune_proc

    assert_problem(submit(citizen, submit_body(proc)), 400, "agency_required")
    assert_problem(
        submit(citizen, submit_body(proc, agency="999.99.99.H37")), 400, "unknown_agency"
    )
    assert_problem(
        submit(citizen, submit_body(proc, agency=world.dept.identifier)), 400, "agency_not_commune"
    )
    response = submit(citizen, submit_body(proc, agency=world.commune.identifier))
    assert response.status_code == 201, response.content
    assert response.json()["code"].startswith("001.10.00.H37-")


def test_provincial_procedure_cannot_be_sent_to_another_agency(world):
    body = submit_body(world.proc, agency=world.other_dept.identifier)
    assert_problem(submit(client_for(world.citizen), body), 400, "agency_mismatch")
    assert not Dossier.objects.exists()


def test_unknown_procedure(world):
    body = submit_body(world.proc, procedure_code="9.999999")
    problem = assert_problem(submit(client_for(world.citizen), body), 400, "unknown_procedure")
    assert "9.999999" in problem["detail"]


def test_invalid_fields_are_listed(world):
    body = submit_body(world.proc, applicant_email="không-phải-email", applicant_id_number="12ab")
    problem = assert_problem(submit(client_for(world.citizen), body), 400)
    assert set(problem["errors"]) == {"applicant_email", "applicant_id_number"}


def test_missing_component(world):
    first = world.proc.components.first()
    body = submit_body(world.proc)
    del body[f"component_{first.pk}"]
    problem = assert_problem(submit(client_for(world.citizen), body), 400, "missing_components")
    assert problem["missing"] == [first.name]
    assert not Dossier.objects.exists()


def test_unknown_file_field_is_refused_not_dropped(world):
    body = submit_body(world.proc, attachment=factories.pdf())
    problem = assert_problem(submit(client_for(world.citizen), body), 400)
    assert "attachment" in problem["errors"]


def test_idempotent_retry_returns_the_same_dossier(world):
    citizen = client_for(world.citizen)
    first = submit(citizen, submit_body(world.proc), key="retry-1")
    files_after_first = media_files()
    again = submit(citizen, submit_body(world.proc), key="retry-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert media_files() == files_after_first  # the retry stored nothing


def test_same_key_with_another_body_is_refused(world):
    citizen = client_for(world.citizen)
    assert submit(citizen, submit_body(world.proc), key="k-2").status_code == 201
    other = submit_body(world.proc, subject="Một yêu cầu khác")
    assert_problem(submit(citizen, other, key="k-2"), 400, "idempotency_key_reused")
    assert Dossier.objects.count() == 1


def test_keys_belong_to_their_owner(world):
    # Another citizen using the same key gets their own dossier, not the first one.
    first = submit(client_for(world.citizen), submit_body(world.proc), key="shared")
    second = submit(client_for(world.other_citizen), submit_body(world.proc), key="shared")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["code"] != second.json()["code"]


def test_oversized_file_leaves_nothing(world, settings):
    settings.MOTCUA_MAX_ATTACHMENT_BYTES = 1024
    first = world.proc.components.first()
    body = submit_body(world.proc, **{f"component_{first.pk}": factories.pdf(size=4096)})
    assert_problem(submit(client_for(world.citizen), body), 400, "file_too_large")
    assert not Dossier.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cai-dat.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("to-khai.pdf", b"MZ\x90\x00 not a pdf at all"),
    ],
)
def test_forbidden_file_leaves_nothing(world, name, content):
    last = world.proc.components.last()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    body = submit_body(world.proc, **{f"component_{last.pk}": upload})
    assert_problem(submit(client_for(world.citizen), body), 400, "forbidden_file_type")
    assert not Dossier.objects.exists()
    assert media_files() == []


def test_anonymous_cannot_submit(world):
    response = submit(client_for(None), submit_body(world.proc))
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM
    assert not Dossier.objects.exists()


def test_officer_cannot_submit_online(world):
    assert_problem(submit(client_for(world.desk), submit_body(world.proc)), 403, "forbidden")


def test_desk_submission_is_received_at_once(world):
    desk = client_for(world.desk)
    body = submit_body(world.proc)
    response = desk.post(f"{DOSSIERS}desk/", body, format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["channel"], data["status"], data["national_status"]) == ("desk", "received", 2)
    assert data["code"].startswith("000.00.01.H37-")
    assert data["due_at"] and data["received_at"]
    # Only the desk may do it.
    other = client_for(world.specialist).post(f"{DOSSIERS}desk/", body, format="multipart")
    assert_problem(other, 403)


def test_postal_submission_keeps_the_handover_time(world):
    handed = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    body = {**submit_body(world.proc), "channel": "post", "handed_over_at": handed}
    response = client_for(world.desk).post(f"{DOSSIERS}desk/", body, format="multipart")
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.channel == "post"
    assert dossier.submitted_at == dt.datetime.fromisoformat(handed)
    # A desk-channel dossier has no handover time.
    bad = {**submit_body(world.proc), "channel": "desk", "handed_over_at": handed}
    response = client_for(world.desk).post(f"{DOSSIERS}desk/", bad, format="multipart")
    assert "handed_over_at" in assert_problem(response, 400)["errors"]


# --- reading --------------------------------------------------------------------------


def test_list_shows_what_the_caller_may_see(world):
    mine = world.submit_online()
    theirs = world.submit_online(world.other_citizen)
    received = services.receive(world.submit_online(), world.desk)

    def listed(user, **params) -> set[str]:
        response = client_for(user).get(DOSSIERS, params)
        assert response.status_code == 200, response.content
        return {d["code"] for d in response.json()["results"]}

    assert listed(world.citizen) == {mine.code, received.code}
    assert listed(world.other_citizen) == {theirs.code}
    assert listed(world.desk) == {mine.code, theirs.code, received.code}
    assert listed(world.desk, status="received") == {received.code}
    assert listed(world.other_desk) == set()
    assert_problem(client_for(world.desk).get(DOSSIERS, {"status": "lost"}), 400)
    assert client_for(None).get(DOSSIERS).status_code in (401, 403)


def test_detail_and_audited_officer_read(world):
    dossier = world.submit_online()
    url = f"{DOSSIERS}{dossier.code}/"
    reads = AuditEntry.objects.filter(action="read", object_id=dossier.code)

    body = client_for(world.citizen).get(url).json()
    assert body["code"] == dossier.code
    assert body["legs"] == [] and body["result_code"] == "" and body["return_method"] is None
    assert reads.count() == 0  # the applicant reading their own data is not logged

    body = client_for(world.desk).get(url).json()
    assert body["applicant_name"] == "Nguyễn Văn Dân"
    assert "receive" in body["allowed_actions"] and "approve" not in body["allowed_actions"]
    entry = reads.get()
    assert entry.actor == "desk"
    assert "applicant_id_number" in entry.data["fields"]


def test_events(world):
    dossier = world.submit_online()
    response = client_for(world.citizen).get(f"{DOSSIERS}{dossier.code}/events/")
    assert response.status_code == 200
    [event] = response.json()
    assert event["action"] == "submit"
    assert (event["from_status"], event["to_status"], event["national_status"]) == (
        "",
        "submitted",
        1,
    )
    assert event["actor_name"] == "Nguyễn Văn Dân"
    assert event["agency"] is None
    assert event["data"]["channel"] == "online"


# --- authorization --------------------------------------------------------------------


def test_other_citizen_gets_404_everywhere(world):
    dossier = world.submit_online()
    stranger = client_for(world.other_citizen)
    assert_problem(stranger.get(f"{DOSSIERS}{dossier.code}/"), 404)
    assert_problem(stranger.get(f"{DOSSIERS}{dossier.code}/events/"), 404)
    assert_problem(act(stranger, dossier.code, "withdraw", {"reason": "Tôi muốn rút hồ sơ"}), 404)
    dossier.refresh_from_db()
    assert dossier.status == "submitted"


def test_officer_of_another_agency_gets_404(world):
    dossier = world.submit_online()
    outsider = client_for(world.other_desk)
    assert_problem(outsider.get(f"{DOSSIERS}{dossier.code}/"), 404)
    assert_problem(outsider.get(f"{DOSSIERS}{dossier.code}/events/"), 404)
    assert_problem(act(outsider, dossier.code, "receive"), 404)
    dossier.refresh_from_db()
    assert dossier.status == "submitted"


def test_roles_inside_the_agency(world):
    code = world.submit_online().code
    assert act(client_for(world.specialist), code, "receive").status_code == 403
    assert act(client_for(world.desk), code, "receive").status_code == 200
    assigned = act(
        client_for(world.desk),
        code,
        "assign",
        {"to_agency": world.dept.identifier, "to_user": "specialist"},
    )
    assert assigned.status_code == 200, assigned.content
    problem = assert_problem(act(client_for(world.specialist), code, "approve"), 403, "forbidden")
    assert code in problem["detail"]
    approved = act(client_for(world.leader), code, "approve", {"note": "Đồng ý"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"


def test_illegal_transition_is_409_and_changes_nothing(world):
    dossier = world.submit_online()
    response = act(client_for(world.leader), dossier.code, "approve")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "illegal_transition"
    assert problem["action"] == "approve"
    assert "Mới đăng ký" in problem["detail"]
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
    assert Event.objects.filter(dossier=dossier).count() == 1


def test_illegal_transition_problem_keeps_its_status_member(world):
    dossier = world.submit_online()
    assert act(client_for(world.leader), dossier.code, "approve").json()["status"] == 409


# --- action bodies --------------------------------------------------------------------


def test_malformed_json_is_a_problem(world):
    dossier = world.submit_online()
    response = client_for(world.desk).post(
        f"{DOSSIERS}{dossier.code}/actions/receive/",
        data='{"note": "thiếu ngoặc"',
        content_type="application/json",
    )
    problem = assert_problem(response, 400, "parse_error")
    assert problem["detail"] == "Nội dung JSON gửi lên không hợp lệ."


def test_bad_types_are_listed(world):
    dossier = world.submit_online()
    desk = client_for(world.desk)
    act(desk, dossier.code, "receive")
    problem = assert_problem(
        act(desk, dossier.code, "request_payment", {"amount_vnd": "nhiều"}), 400
    )
    assert "amount_vnd" in problem["errors"]
    problem = assert_problem(act(desk, dossier.code, "assign", {"to_agency": "999.99.99.H37"}), 400)
    assert "999.99.99.H37" in problem["errors"]["to_agency"][0]
    problem = assert_problem(act(desk, dossier.code, "request_supplement", {"missing": "x"}), 400)
    assert "missing" in problem["errors"]


def test_every_action_of_the_policy_has_an_endpoint():
    assert set(ACTIONS) == set(policy.OFFICER_ACTIONS) | policy.APPLICANT_ACTIONS


def test_unknown_action_is_404(world):
    dossier = world.submit_online()
    assert_problem(act(client_for(world.desk), dossier.code, "teleport"), 404, "not_found")


def test_supplement_round_trip(world):
    dossier = world.submit_online()
    desk, citizen = client_for(world.desk), client_for(world.citizen)
    missing = [{"item": "Bản vẽ thiết kế", "reason": "Chưa có trong hồ sơ"}]
    response = act(desk, dossier.code, "request_supplement", {"missing": missing, "note": "Thiếu"})
    assert response.json()["national_status"] == 5
    shown = citizen.get(f"{DOSSIERS}{dossier.code}/").json()["allowed_actions"]
    assert shown == ["complete_supplement", "withdraw"]
    # Only components of the dossier's own procedure.
    foreign = world.commune_proc.components.first()
    bad = act(
        citizen,
        dossier.code,
        "complete_supplement",
        {f"component_{foreign.pk}": factories.pdf()},
        format="multipart",
    )
    assert_problem(bad, 400)
    component = world.proc.components.first()
    done = act(
        citizen,
        dossier.code,
        "complete_supplement",
        {f"component_{component.pk}": factories.pdf("ban-ve.pdf"), "files": factories.pdf()},
        format="multipart",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"
    supplements = dossier.attachments.filter(kind=Attachment.Kind.SUPPLEMENT)
    assert sorted(a.component_id or 0 for a in supplements) == [0, component.pk]


def test_withdraw_needs_a_reason(world):
    dossier = world.submit_online()
    citizen = client_for(world.citizen)
    assert_problem(act(citizen, dossier.code, "withdraw", {}), 400)
    assert_problem(act(citizen, dossier.code, "withdraw", {"reason": "vì"}), 400, "reason_required")
    response = act(citizen, dossier.code, "withdraw", {"reason": "Tôi nộp nhầm thủ tục"})
    assert (response.json()["status"], response.json()["national_status"]) == ("withdrawn", 7)


def test_apologise_needs_an_offset(world):
    dossier = world.submit_online()
    desk = client_for(world.desk)
    due = dt.datetime.fromisoformat(act(desk, dossier.code, "receive").json()["due_at"])
    later = due + dt.timedelta(days=5)
    naive = {"new_due_at": later.replace(tzinfo=None).isoformat(), "reason": "Cần xác minh thêm"}
    assert (
        "new_due_at" in assert_problem(act(desk, dossier.code, "apologise", naive), 400)["errors"]
    )
    response = act(
        desk, dossier.code, "apologise", {"new_due_at": later.isoformat(), "reason": "Cần xác minh"}
    )
    assert response.status_code == 200, response.content
    assert dt.datetime.fromisoformat(response.json()["due_at"]) == later


# --- the whole life of a dossier ------------------------------------------------------


def test_full_lifecycle(world):
    citizen, desk = client_for(world.citizen), client_for(world.desk)
    specialist, leader = client_for(world.specialist), client_for(world.leader)
    code = submit(citizen, submit_body(world.proc), key="life").json()["code"]

    assert act(desk, code, "receive", {"note": "Đủ hồ sơ"}).json()["national_status"] == 2
    assigned = act(
        desk,
        code,
        "assign",
        {
            "to_agency": world.dept.identifier,
            "to_user": "specialist",
            "budget_days": "2",
            "note": "Chuyển chuyên viên thẩm định",
        },
    ).json()
    assert assigned["national_status"] == 4
    [leg] = assigned["legs"]
    assert leg["assignee"]["username"] == "specialist"
    assert leg["budget_minutes"] == 2 * 8 * 60
    assert act(leader, code, "approve", {"note": "Đồng ý cấp phép"}).json()["status"] == "approved"

    result = factories.pdf("giay-phep.pdf")
    finished = act(
        specialist, code, "finish", {"note": "Đã ký", "files": result}, format="multipart"
    )
    assert finished.status_code == 200, finished.content
    finished = finished.json()
    assert finished["national_status"] == 9
    assert finished["result_code"] == f"{code}-KQ1"
    [result_file] = [a for a in finished["attachments"] if a["kind"] == "result"]
    assert result_file["sha256"] == hashlib.sha256(factories.PDF).hexdigest()

    returned = act(desk, code, "return_result", {"method": "online"})
    assert returned.status_code == 200, returned.content

    mine = citizen.get(f"{DOSSIERS}{code}/").json()
    assert (mine["status"], mine["national_status"]) == ("returned", 10)
    assert mine["national_status_name"] == "Đã trả kết quả"
    assert mine["return_method"] == "online"
    assert mine["allowed_actions"] == []
    events = citizen.get(f"{DOSSIERS}{code}/events/").json()
    assert [e["action"] for e in events] == [
        "submit",
        "receive",
        "assign",
        "approve",
        "finish",
        "return_result",
    ]
    assert [e["national_status"] for e in events] == [1, 2, 4, 4, 9, 10]
    assert events[2]["agency"] == {"identifier": "000.00.01.H37", "name": "Sở Xây dựng"}
    assert events[3]["actor_name"] == "Cán bộ leader"


# --- public lookup ----------------------------------------------------------------------

LOOKUP = "/api/v1/lookup/"


def test_public_lookup_shows_the_status_and_nothing_personal(world):
    dossier = world.submit_online()
    services.receive(dossier, world.desk)
    response = APIClient().post(
        LOOKUP, {"code": f" {dossier.code} ", "id_number": "001090000001"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == dossier.code
    assert (body["status"], body["national_status"]) == ("received", 2)
    assert body["national_status_name"] == "Được tiếp nhận"
    assert body["procedure"] == {"code": world.proc.code, "name": world.proc.name}
    assert body["received_at"] is not None and body["due_at"] is not None
    assert not any(key.startswith("applicant") for key in body)
    assert "attachments" not in body and "legs" not in body


def test_public_lookup_needs_the_matching_id_number(world):
    dossier = world.submit_online()
    client = APIClient()
    body = assert_problem(
        client.post(LOOKUP, {"code": dossier.code, "id_number": "001090000999"}, format="json"),
        404,
    )
    assert "Không tìm thấy hồ sơ" in body["detail"]
    body = assert_problem(client.post(LOOKUP, {"code": dossier.code}, format="json"), 400)
    assert "id_number" in body["errors"]
    assert client.get(LOOKUP).status_code == 405


def test_public_lookup_is_rate_limited_per_client(world, settings):
    settings.MOTCUA_LOOKUP_LIMIT = 2
    dossier = world.submit_online()
    client = APIClient()
    form = {"code": dossier.code, "id_number": "001090000001"}
    statuses = [client.post(LOOKUP, form, format="json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.post(LOOKUP, form, format="json")
    body = assert_problem(response, 429)
    assert "quá nhiều lần" in body["detail"]
    assert int(response["Retry-After"]) > 0
    # Another address has its own window.
    other = client.post(LOOKUP, form, format="json", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200
