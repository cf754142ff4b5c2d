"""The return channel is chosen at submission (NĐ 118/2025; TT 03/2025/TT-VPCP form 01
records it): at the desk, online, or by post to an address (street + commune of the
province). The desk may change it until the result is returned; the return uses it; a
desk return records who collected the result (the applicant or an authorised person)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.core.problems import IllegalTransition, InvalidInput
from motcua.dossiers import policy, services
from motcua.dossiers.models import Channel, Dossier, Status
from tests import factories
from tests.dossiers.test_api import act, assert_problem, client_for, submit, submit_body


@pytest.fixture
def units(world):
    province = factories.unit("37", "Tỉnh Ninh Bình")
    other = factories.unit("01", "Thành phố Hà Nội")
    return {
        "province": province,
        "commune": factories.unit("14308", "Phường Hoa Lư", parent=province),
        "other_province": other,
        "other_commune": factories.unit("00004", "Phường Ba Đình", parent=other),
    }


def _post_choice(units) -> services.ReturnChoice:
    return services.ReturnChoice("post", "Số 12 đường Trần Hưng Đạo", units["commune"])


def _done(world, **kwargs) -> Dossier:
    dossier = services.receive(world.submit_online(**kwargs), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.approve(dossier, world.leader)
    return services.finish(dossier, world.specialist)


# --- at submission --------------------------------------------------------------------


def test_postal_return_is_stored_with_its_address(world, units):
    """NĐ 118/2025: the applicant chooses the return channel at submission."""
    dossier = world.submit_online(return_choice=_post_choice(units))
    assert dossier.return_channel == "post"
    assert dossier.return_address == "Số 12 đường Trần Hưng Đạo"
    assert dossier.return_unit == units["commune"]
    submitted = dossier.events.get(action="submit")
    assert submitted.data["return_channel"] == "post"
    assert submitted.data["return_unit"] == "14308"


def test_default_channel_follows_the_submission(world):
    assert world.submit_online().return_channel == "online"
    paper = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel=Channel.DESK,
    ).dossier
    assert paper.return_channel == "desk"


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        (lambda u: services.ReturnChoice("post", "", u["commune"]), "return_address_required"),
        (
            lambda u: services.ReturnChoice("post", "\u200b\u200b", u["commune"]),
            "return_address_required",
        ),
        (lambda u: services.ReturnChoice("post", "Số 12", None), "return_unit_required"),
        (
            lambda u: services.ReturnChoice("post", "Số 12", u["province"]),
            "return_unit_not_commune",
        ),
        (
            lambda u: services.ReturnChoice("post", "Số 12", u["other_commune"], u["province"]),
            "return_unit_outside_province",
        ),
        (lambda u: services.ReturnChoice("pigeon"), "invalid_return_channel"),
    ],
)
def test_postal_return_needs_a_street_and_a_commune_of_the_province(world, units, choice, code):
    """A postal return without an address is not accepted (issue 8, item 6)."""
    with pytest.raises(InvalidInput) as err:
        world.submit_online(return_choice=choice(units))
    assert err.value.code == code
    assert not Dossier.objects.exists()


def test_desk_intake_cannot_promise_an_online_return(world):
    with pytest.raises(InvalidInput) as err:
        services.submit(
            procedure=world.proc,
            applicant=factories.applicant(),
            actor=world.desk,
            channel=Channel.DESK,
            return_choice=services.ReturnChoice("online"),
        )
    assert err.value.code == "online_return_needs_account"


def test_api_submission_takes_the_return_channel(world, units):
    citizen = client_for(world.citizen)
    body = submit_body(world.proc, return_channel="post", return_address="Số 12 Trần Hưng Đạo")
    assert_problem(submit(citizen, body), 400, "return_unit_required")
    body = submit_body(
        world.proc,
        return_channel="post",
        return_address="Số 12 Trần Hưng Đạo",
        return_unit="00004",
        return_province="37",
    )
    problem = assert_problem(submit(citizen, body), 400, "return_unit_outside_province")
    assert "không thuộc Tỉnh Ninh Bình" in problem["detail"]
    assert_problem(
        submit(citizen, {**body, "return_unit": "99999"}), 400, "unknown_administrative_unit"
    )
    # A fresh body: the files of the refused ones have been read.
    response = submit(citizen, {**submit_body(world.proc), **_fields(body), "return_unit": "14308"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["return_channel"] == "post"
    assert data["return_address"] == "Số 12 Trần Hưng Đạo"
    assert data["return_unit"] == {"code": "14308", "name": "Phường Hoa Lư"}


def _fields(body: dict) -> dict:
    return {k: v for k, v in body.items() if k.startswith("return_")}


def test_portal_submission_offers_the_channels_and_stores_the_address(client, world, units):
    client.force_login(world.citizen)
    url = reverse("submit", args=[world.proc.code])
    page = client.get(url).content.decode()
    for value in ("desk", "online", "post"):
        assert f'name="return_channel" value="{value}"' in page
    assert "Phường Hoa Lư" in page  # the procedure's province's communes
    assert "Phường Ba Đình" not in page
    form = forms_module().SubmissionForm(
        {"return_channel": "post", "return_province": "01", "return_unit": "14308"},
        procedure=world.proc,
        province_code="37",
    )
    assert not form.is_valid()
    assert "không thuộc tỉnh, thành phố đã chọn" in str(form.errors["return_unit"])
    assert "cần địa chỉ nhận" in str(form.errors["return_address"])


def forms_module():
    from motcua.portal import forms

    return forms


def test_desk_intake_records_a_postal_return(client, world, units):
    client.force_login(world.desk)
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    page = client.get(url).content.decode()
    assert 'name="return_channel" value="online"' not in page
    response = client.post(
        url,
        {
            "channel": "desk",
            "name": "Trần Thị Bưu",
            "id_number": "001090000002",
            "return_channel": "post",
            "return_address": "Thôn Đông, số 5",
            "return_province": "37",
            "return_unit": "14308",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert (dossier.return_channel, dossier.return_unit_id) == ("post", units["commune"].pk)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Thôn Đông, số 5, Phường Hoa Lư, Tỉnh Ninh Bình" in page


# --- changed by the desk, used by the return -----------------------------------------


def test_desk_changes_the_channel_with_an_event_and_an_audit_entry(world, units):
    dossier = services.receive(world.submit_online(), world.desk)
    assert "change_return_channel" in policy.available_actions(world.desk, dossier)
    assert "change_return_channel" not in policy.available_actions(world.specialist, dossier)
    dossier = services.change_return_channel(
        dossier, world.desk, _post_choice(units), note="Người nộp gọi điện đề nghị"
    )
    assert dossier.return_channel == "post" and dossier.status == Status.RECEIVED
    event = dossier.events.last()
    assert event.action == "change_return_channel"
    assert event.data["old"]["return_channel"] == "online"
    assert event.data["return_channel"] == "post" and event.data["return_unit"] == "14308"
    audit = AuditEntry.objects.filter(action="dossier.change_return_channel").last()
    assert audit is not None and audit.object_id == dossier.code
    with pytest.raises(InvalidInput):  # nothing to change
        services.change_return_channel(dossier, world.desk, _post_choice(units))


def test_return_uses_the_chosen_channel(world, units):
    """A different method must first change the channel (issue 8, item 6)."""
    dossier = _done(world, return_choice=_post_choice(units))
    with pytest.raises(IllegalTransition) as err:
        services.return_result(dossier, world.desk, "desk")
    assert "thay đổi hình thức nhận kết quả" in err.value.message
    dossier = services.return_result(dossier, world.desk)
    assert dossier.return_method == "post"
    data = dossier.events.last().data
    assert (data["method"], data["address"], data["unit"]) == (
        "post",
        "Số 12 đường Trần Hưng Đạo",
        "14308",
    )
    # Returned: the channel can no longer change.
    assert not policy.state_allows(dossier, "change_return_channel")
    with pytest.raises(IllegalTransition):
        services.change_return_channel(dossier, world.desk, services.ReturnChoice("desk"))


def test_api_change_then_return_at_the_desk(world):
    dossier = _done(world)
    desk = client_for(world.desk)
    problem = assert_problem(
        act(desk, dossier.code, "return_result", {"method": "desk"}), 409, "illegal_transition"
    )
    assert "Trả trực tuyến" in problem["detail"]
    assert_problem(
        act(desk, dossier.code, "change_return_channel", {"return_channel": "post"}),
        400,
        "return_address_required",
    )
    response = act(desk, dossier.code, "change_return_channel", {"return_channel": "desk"})
    assert response.status_code == 200, response.content
    assert response.json()["return_channel"] == "desk"
    response = act(
        desk,
        dossier.code,
        "return_result",
        {
            "recipient": "authorised",
            "recipient_name": "Lê Văn Nhận",
            "recipient_id_number": "００１０９０００００９９",  # full-width digits
            "recipient_note": "Giấy ủy quyền số 12/UQ ngày 01/12/2026",
        },
    )
    assert response.status_code == 200, response.content
    recipient = Dossier.objects.get().events.last().data["recipient"]
    assert recipient == {
        "kind": "authorised",
        "name": "Lê Văn Nhận",
        "id_number": "001090000099",
        "note": "Giấy ủy quyền số 12/UQ ngày 01/12/2026",
    }


# --- who collected the result at the desk ---------------------------------------------


def test_desk_return_records_the_applicant_by_default(world):
    dossier = _done(world)
    dossier = services.change_return_channel(dossier, world.desk, services.ReturnChoice("desk"))
    dossier = services.return_result(dossier, world.desk)
    assert dossier.events.last().data["recipient"] == {
        "kind": "applicant",
        "name": "Nguyễn Văn Dân",
        "id_number": "001090000001",
        "note": "",
    }


@pytest.mark.parametrize(
    "recipient",
    [
        services.RecipientData("authorised", "", "001090000099", "Giấy ủy quyền số 12"),
        services.RecipientData("authorised", "Lê Văn Nhận", "12345", "Giấy ủy quyền số 12"),
        services.RecipientData("authorised", "Lê Văn Nhận", "001090000099", ""),
        services.RecipientData("someone", "Lê Văn Nhận", "001090000099", "Giấy ủy quyền"),
    ],
)
def test_an_authorised_recipient_needs_name_id_and_authorisation(world, recipient):
    dossier = _done(world)
    dossier = services.change_return_channel(dossier, world.desk, services.ReturnChoice("desk"))
    with pytest.raises(InvalidInput) as err:
        services.return_result(dossier, world.desk, recipient=recipient)
    assert err.value.code == "invalid_recipient"
    dossier.refresh_from_db()
    assert dossier.status == Status.DONE


def test_desk_page_return_form_records_and_shows_the_recipient(client, world):
    dossier = _done(world)
    dossier = services.change_return_channel(dossier, world.desk, services.ReturnChoice("desk"))
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "return_result"])
    response = client.post(url, {"return_result-recipient": "authorised"})
    assert response.status_code == 400
    assert "Cần họ tên người được ủy quyền" in response.content.decode()
    response = client.post(
        url,
        {
            "return_result-recipient": "authorised",
            "return_result-recipient_name": "Lê Văn Nhận",
            "return_result-recipient_id_number": "001 090 000 099",
            "return_result-recipient_note": "Con trai, giấy ủy quyền số 12",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Lê Văn Nhận – 001090000099" in page
    assert "người được ủy quyền" in page


def test_online_return_needs_an_account(world):
    paper = services.submit(
        procedure=world.proc, applicant=factories.applicant(), actor=world.desk, channel="desk"
    ).dossier
    with pytest.raises(InvalidInput) as err:
        services.change_return_channel(paper, world.desk, services.ReturnChoice("online"))
    assert err.value.code == "online_return_needs_account"


def test_applicant_sees_the_chosen_channel_on_the_portal(client, world, units):
    dossier = world.submit_online(return_choice=_post_choice(units))
    client.force_login(world.citizen)
    page = client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    assert "Trả qua dịch vụ bưu chính công ích: Số 12 đường Trần Hưng Đạo, Phường Hoa Lư" in page
