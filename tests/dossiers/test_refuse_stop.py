"""Refusal only before receipt (form 03, national status 3); after receipt the dossier is
stopped (status 8 "Dừng xử lý", form 05). NĐ 118/2025 and TT 03/2025/TT-VPCP: form 03 is
the refusal to receive a dossier; once received, processing is stopped with form 05."""

from __future__ import annotations

import pytest

from motcua.core.models import OutboxMessage
from motcua.core.problems import IllegalTransition
from motcua.dossiers import policy, services
from motcua.dossiers.models import Status
from tests.dossiers.test_api import act, assert_problem, client_for


def _sync_statuses(dossier) -> list[tuple[str, int]]:
    messages = OutboxMessage.objects.filter(
        topic="dvcqg.status", key__startswith=f"dvcqg:{dossier.code}:"
    ).order_by("id")
    return [(m.payload["action"], m.payload["status"]) for m in messages]


def test_refusal_before_receipt_is_synced_as_not_received_3(world):
    """NĐ 118/2025, TT 03/2025 form 03: refusing to receive a dossier."""
    dossier = services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền của Sở")
    assert dossier.status == Status.REJECTED
    assert _sync_statuses(dossier)[-1] == ("refuse", 3)


def test_refusal_after_receipt_is_refused_and_points_to_the_stop(world):
    """NĐ 118/2025: after receipt there is no refusal to receive; the leader stops (8)."""
    dossier = services.receive(world.submit_online(), world.desk)
    assert not policy.state_allows(dossier, "refuse")
    assert "refuse" not in policy.available_actions(world.desk, dossier)
    with pytest.raises(IllegalTransition) as err:
        services.refuse(dossier, world.leader, "Không đủ điều kiện giải quyết")
    assert "Dừng xử lý" in err.value.message and "mẫu 05" in err.value.message
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert ("refuse", 3) not in _sync_statuses(dossier)


def test_refusal_after_receipt_over_the_api_is_a_vietnamese_409(world):
    dossier = services.receive(world.submit_online(), world.desk)
    response = act(client_for(world.desk), dossier.code, "refuse", {"reason": "Không đủ hồ sơ"})
    problem = assert_problem(response, 409, "illegal_transition")
    assert "đã được tiếp nhận" in problem["detail"] and "Dừng xử lý" in problem["detail"]


def test_stop_after_receipt_is_synced_as_8(world):
    """TT 03/2025 form 05 and the DVCQG status list: a stop is 8 "Dừng xử lý", never 3."""
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.stop(dossier, world.leader, "Không đủ điều kiện cấp phép theo quy hoạch")
    assert dossier.status == Status.STOPPED and dossier.national_status == 8
    action, status = _sync_statuses(dossier)[-1]
    assert (action, status) == ("stop", 8)
    event = dossier.events.last()
    assert event.action == "stop" and event.national_status == 8
    assert event.note.startswith("Không đủ điều kiện")
