"""Supplements per stage. NĐ 118/2025 and NĐ 45/2020 (docs/lifecycle.md): the desk may ask
once at intake (before receipt) and the appraising agency once during appraisal (after
receipt, within 3 working days); each request lists every missing paper with its reason
(form 02 of TT 03/2025). A second request in the same stage is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.core.problems import IllegalTransition, InvalidInput
from motcua.dossiers import policy, services
from motcua.dossiers.models import Status
from tests import factories
from tests.dossiers.test_api import act, assert_problem, client_for


def _reasons(dossier) -> list[dict[str, str]]:
    return dossier.events.filter(action="request_supplement").last().data["items"]


def test_one_request_at_intake_and_one_in_appraisal_are_lawful(world):
    """NĐ 118/2025, NĐ 45/2020: one request per stage, intake and appraisal."""
    dossier = world.submit_online()
    dossier = services.request_supplement(dossier, world.desk, factories.missing("Tờ khai"))
    assert (dossier.intake_supplement_count, dossier.appraisal_supplement_count) == (1, 0)
    assert dossier.events.last().data["stage"] == "intake"
    dossier = services.complete_supplement(dossier, world.citizen)
    assert dossier.status == Status.SUBMITTED
    # Still before receipt: a second intake request is not lawful.
    assert not policy.state_allows(dossier, "request_supplement")
    with pytest.raises(IllegalTransition) as err:
        services.request_supplement(dossier, world.desk, factories.missing("Bản vẽ"))
    assert "bước tiếp nhận" in err.value.message and "một lần" in err.value.message

    dossier = services.receive(dossier, world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    assert policy.state_allows(dossier, "request_supplement")
    dossier = services.request_supplement(dossier, world.specialist, factories.missing("Bản vẽ"))
    assert (dossier.intake_supplement_count, dossier.appraisal_supplement_count) == (1, 1)
    assert dossier.supplement_count == 2
    assert dossier.events.last().data["stage"] == "appraisal"
    dossier = services.complete_supplement(dossier, world.citizen)
    assert dossier.status == Status.PROCESSING
    with pytest.raises(IllegalTransition) as err:
        services.request_supplement(dossier, world.specialist, factories.missing("Giấy tờ đất"))
    assert "bước thẩm định" in err.value.message


def test_second_request_in_a_stage_over_the_api_is_a_vietnamese_409(world):
    dossier = services.receive(world.submit_online(), world.desk)
    body = {"missing": [{"item": "Bản vẽ thiết kế", "reason": "Thiếu chữ ký chủ đầu tư"}]}
    desk = client_for(world.desk)
    response = act(desk, dossier.code, "request_supplement", body)
    assert response.status_code == 200, response.content
    assert response.json()["appraisal_supplement_count"] == 1
    assert "request_supplement" not in response.json()["allowed_actions"]
    services.complete_supplement(dossier, world.citizen)
    problem = assert_problem(
        act(desk, dossier.code, "request_supplement", body), 409, "illegal_transition"
    )
    assert "chỉ được yêu cầu bổ sung một lần" in problem["detail"]


def test_each_missing_paper_carries_its_reason(world):
    """TT 03/2025 form 02: the reason for each paper to add."""
    dossier = services.request_supplement(
        world.submit_online(),
        world.desk,
        [
            services.MissingItem(" Bản vẽ thiết kế ", "Thiếu chữ ký của chủ đầu tư"),
            services.MissingItem("Giấy chứng nhận QSDĐ", "Bản sao chưa chứng thực"),
        ],
    )
    assert _reasons(dossier) == [
        {"item": "Bản vẽ thiết kế", "reason": "Thiếu chữ ký của chủ đầu tư"},
        {"item": "Giấy chứng nhận QSDĐ", "reason": "Bản sao chưa chứng thực"},
    ]
    # The plain list stays for the readers that only name the papers.
    assert dossier.events.last().data["missing"] == ["Bản vẽ thiết kế", "Giấy chứng nhận QSDĐ"]


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([services.MissingItem("Bản vẽ", "")], "missing_item_reason"),
        ([services.MissingItem("Bản vẽ", "\u200b" * 8)], "missing_item_reason"),
        ([services.MissingItem("", "Thiếu chữ ký")], "missing_item_name"),
        ([], "missing_items_required"),
    ],
)
def test_a_paper_without_a_reason_is_refused(world, items, code):
    dossier = world.submit_online()
    with pytest.raises(InvalidInput) as err:
        services.request_supplement(dossier, world.desk, items)
    assert err.value.code == code
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.supplement_count == 0


def test_api_requires_a_reason_per_item(world):
    dossier = world.submit_online()
    desk = client_for(world.desk)
    problem = assert_problem(
        act(desk, dossier.code, "request_supplement", {"missing": ["Bản vẽ thiết kế"]}), 400
    )
    assert "missing" in problem["errors"]
    problem = assert_problem(
        act(desk, dossier.code, "request_supplement", {"missing": [{"item": "Bản vẽ"}]}), 400
    )
    assert "missing" in problem["errors"]


def test_desk_form_takes_a_reason_per_component_and_free_lines(client, world):
    dossier = world.submit_online()
    first = world.proc.components.first()
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "request_supplement"])
    response = client.post(
        url,
        {
            f"request_supplement-reason_{first.pk}": "Thiếu trang 2",
            "request_supplement-missing": "Giấy ủy quyền: người nộp không phải chủ hộ\n\n",
        },
    )
    assert response.status_code == 302
    assert _reasons(dossier) == [
        {"item": first.name, "reason": "Thiếu trang 2"},
        {"item": "Giấy ủy quyền", "reason": "người nộp không phải chủ hộ"},
    ]
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Giấy ủy quyền: người nộp không phải chủ hộ" in page


def test_desk_form_line_without_a_reason_is_a_vietnamese_error(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "request_supplement"])
    response = client.post(url, {"request_supplement-missing": "Bản vẽ thiết kế"})
    assert response.status_code == 400
    assert "tên giấy tờ: lý do" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.supplement_count == 0


def test_applicant_sees_each_paper_with_its_reason_on_the_portal(client, world):
    dossier = services.request_supplement(
        world.submit_online(),
        world.desk,
        [services.MissingItem("Bản vẽ thiết kế", "Thiếu chữ ký của chủ đầu tư")],
    )
    client.force_login(world.citizen)
    page = client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    assert "Bản vẽ thiết kế: Thiếu chữ ký của chủ đầu tư" in page


def test_migration_splits_past_requests_by_stage(world):
    """Dossiers asked before this change keep their lawful count per stage."""
    from importlib import import_module

    from django.apps import apps

    from motcua.dossiers.models import Dossier

    migration = import_module("motcua.dossiers.migrations.0006_return_channel_supplement_stages")
    dossier = services.request_supplement(world.submit_online(), world.desk, factories.missing("A"))
    dossier = services.complete_supplement(dossier, world.citizen)
    dossier = services.receive(dossier, world.desk)
    services.request_supplement(dossier, world.desk, factories.missing("B"))
    Dossier.objects.update(intake_supplement_count=0, appraisal_supplement_count=0)
    migration.split_supplements(apps, None)
    dossier.refresh_from_db()
    assert (dossier.intake_supplement_count, dossier.appraisal_supplement_count) == (1, 1)
