"""Status sync to the simulated national portal: complete records, delivered in order per
dossier through 5xx answers, timeouts and lost replies; a dead message blocks its dossier
until an administrator sends it again."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import AuditEntry, OutboxMessage
from motcua.core.services import retry_messages
from motcua.dossiers import services
from motcua.dvcqg import handlers, mapping, schemas
from motcua.dvcqg.client import DvcqgClient
from tests.simulators.conftest import DVCQG_CLIENT

assert handlers.push_status  # importing registers the handler even before the app is listed

pytestmark = pytest.mark.django_db
S = OutboxMessage.Status


@pytest.fixture
def portal(settings, simulator):
    settings.MOTCUA_DVCQG_URL = f"{simulator.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID, settings.MOTCUA_DVCQG_CLIENT_SECRET = DVCQG_CLIENT
    settings.MOTCUA_DVCQG_TIMEOUT = 0.5
    # The process's client keeps its token across tests; the simulator forgot it at reset.
    DvcqgClient.from_settings().token(renew=True)
    with httpx.Client(base_url=simulator.url, timeout=5) as control:
        yield control


def lifecycle(world):
    """1 submitted, 2 received, 4 assigned and approved, 9 finished, 10 returned."""
    desk = services.ReturnChoice("desk")
    dossier = services.receive(world.submit_online(return_choice=desk), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.approve(dossier, world.leader)
    dossier = services.finish(dossier, world.specialist)
    return services.return_result(dossier, world.desk)


def drain(rounds: int = 60) -> None:
    """Run the worker until nothing is pending, making retries due at once (no waiting for
    the backoff)."""
    for _ in range(rounds):
        OutboxMessage.objects.filter(status=S.PENDING).update(next_attempt_at=timezone.now())
        outbox.deliver_pending()
        if not OutboxMessage.objects.filter(status=S.PENDING).exists():
            return


def synced(portal, code):
    answer = portal.get(f"/_control/dvcqg/synced/{code}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def received(portal, **filters):
    return portal.get("/_control/received", params=filters).json()["items"]


def fault(portal, **rule):
    assert portal.post("/_control/faults", json=rule).status_code == 200


def test_every_status_arrives_in_order_with_the_full_record(world, portal):
    dossier = lifecycle(world)
    messages = OutboxMessage.objects.filter(ordering_key=f"dvcqg:{dossier.code}")
    assert messages.count() == 6
    drain()
    assert not messages.exclude(status=S.DELIVERED).exists()
    state = synced(portal, dossier.code)
    assert state["statuses"] == [1, 2, 4, 9, 10]
    calls = received(portal, dossier=dossier.code)
    assert all(c["valid"] and c["status"] == 200 for c in calls if c["endpoint"] != "dvcqg.token")
    first = calls[0]
    assert first["endpoint"] == "dvcqg.DongBoHoSoMC" and first["body"]["isUpdating"] is False
    record = state["record"]
    dossier.refresh_from_db()
    assert record["MaTTHC"] == world.proc.code and record["MaDonVi"] == world.dept.identifier
    assert record["TrangThaiHoSo"] == 10 and record["KenhThucHien"] == 2
    assert record["NgayTiepNhan"] == schemas.format_datetime(dossier.received_at)
    assert record["NgayHenTra"] == schemas.format_datetime(dossier.due_at)
    assert record["NgayKetThucXuLy"] == schemas.format_datetime(dossier.finished_at)
    assert record["HoSoCoThanhPhanSoHoa"] == 1 and record["DuocThanhToanTrucTuyen"] in (0, 1)


def test_one_call_per_step_full_record_only_when_it_changed(world, portal):
    dossier = lifecycle(world)
    drain()
    services_called = [
        c["endpoint"].split(".")[1]
        for c in received(portal, dossier=dossier.code)
        if c["endpoint"] != "dvcqg.token"
    ]
    assert len(services_called) == 6
    assert services_called[0] == "DongBoHoSoMC"
    # approve changes nothing but the step: its step alone
    assert services_called[3] == "CapNhatTienDoHoSoMC"
    assert services_called.count("DongBoHoSoMC") >= 3  # submit, receive, finish, return
    assert not any(c.get("warnings") for c in received(portal, dossier=dossier.code))


def test_snapshot_is_taken_at_the_step(world, portal):
    dossier = services.receive(world.submit_online(), world.desk)
    first, second = OutboxMessage.objects.filter(ordering_key=f"dvcqg:{dossier.code}")
    assert first.payload["dossier"]["received_at"] is None
    assert second.payload["dossier"]["received_at"] == dossier.received_at.isoformat()
    assert second.payload["step"]["actor_name"]
    assert not schemas.validate("HoSoMC", mapping.ho_so(second.payload))
    assert not schemas.validate("TienDoHoSoMC", mapping.tien_do(second.payload))


def test_order_holds_while_the_portal_answers_5xx_for_a_while(world, portal):
    fault(portal, endpoint="dvcqg", error_rate=1, error_status=503, times=7)
    dossiers = [lifecycle(world) for _ in range(2)]
    drain()
    for dossier in dossiers:
        assert synced(portal, dossier.code)["statuses"] == [1, 2, 4, 9, 10]
    assert len([c for c in received(portal, system="dvcqg") if c["status"] == 503]) == 7
    assert OutboxMessage.objects.filter(attempts__gt=1).exists()


def test_order_holds_through_timeouts(world, portal):
    fault(portal, endpoint="dvcqg.CapNhatTienDoHoSoMC", timeout_rate=1, hold_seconds=1, times=2)
    dossier = lifecycle(world)
    drain()
    assert synced(portal, dossier.code)["statuses"] == [1, 2, 4, 9, 10]
    assert OutboxMessage.objects.get(ordering_key=f"dvcqg:{dossier.code}", attempts=3)


def test_a_later_message_never_overtakes_one_that_is_retrying(world, portal):
    dossier = lifecycle(world)
    other = services.receive(world.submit_online(), world.desk)
    fault(portal, endpoint="dvcqg.DongBoHoSoMC", error_rate=1, times=1)
    # The other dossier goes on (its two status messages); the notices of the steps
    # (notify.dossier, no channel configured) are delivered beside them.
    assert (
        outbox.deliver_pending() == 2 + OutboxMessage.objects.filter(topic="notify.dossier").count()
    )
    assert OutboxMessage.objects.filter(topic="dvcqg.status", status=S.DELIVERED).count() == 2
    first = OutboxMessage.objects.filter(ordering_key=f"dvcqg:{dossier.code}").first()
    assert (
        first.status == S.PENDING
        and first.attempts == 1
        and first.next_attempt_at > (timezone.now())
    )
    assert not OutboxMessage.objects.filter(
        ordering_key=f"dvcqg:{dossier.code}", attempts__gt=0
    ).exclude(pk=first.pk)
    assert [c["status"] for c in received(portal, dossier=dossier.code)] == [503]
    assert synced(portal, other.code)["statuses"] == [1, 2]
    drain()
    assert synced(portal, dossier.code)["statuses"] == [1, 2, 4, 9, 10]


def test_a_lost_reply_is_replayed_not_applied_twice(world, portal):
    fault(portal, endpoint="dvcqg.DongBoHoSoMC", error_after_rate=1, times=3)
    dossier = lifecycle(world)
    drain()
    calls = [c for c in received(portal, dossier=dossier.code) if c["endpoint"] != "dvcqg.token"]
    assert sum(1 for c in calls if c.get("replay")) == 3
    keys = [c["headers"]["idempotency-key"] for c in calls]
    assert len(keys) == 9 and len(set(keys)) == 6  # three steps sent twice under one key
    state = synced(portal, dossier.code)
    assert state["statuses"] == [1, 2, 4, 9, 10]
    assert len(state["history"]) == 6  # each applied once


def test_a_dead_message_blocks_its_dossier_until_sent_again_from_the_admin(
    world, portal, client, monkeypatch
):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    fault(portal, endpoint="dvcqg.DongBoHoSoMC", error_rate=1, times=2)
    dossier = lifecycle(world)
    drain(rounds=3)
    messages = OutboxMessage.objects.filter(ordering_key=f"dvcqg:{dossier.code}")
    dead = messages.first()
    assert dead.status == S.FAILED and "503" in dead.last_error
    assert set(messages.exclude(pk=dead.pk).values_list("status", flat=True)) == {S.PENDING}
    assert not messages.exclude(pk=dead.pk).filter(attempts__gt=0).exists()
    assert dossier.code not in portal.get("/_control/dvcqg/synced").text

    admin = User.objects.create_superuser("quantri", "", "x")
    client.force_login(admin)
    page = client.get(reverse("admin:core_outboxmessage_changelist") + "?status=failed")
    assert dead.key in page.content.decode() and "Gửi lại" in page.content.decode()
    client.post(
        reverse("admin:core_outboxmessage_changelist"),
        {"action": "retry", "_selected_action": [dead.pk]},
    )
    dead.refresh_from_db()
    assert dead.status == S.PENDING and dead.attempts == 0
    assert AuditEntry.objects.filter(action="outbox.retry", object_id=dead.key).exists()
    drain()
    assert synced(portal, dossier.code)["statuses"] == [1, 2, 4, 9, 10]


def test_a_record_the_portal_refuses_goes_dead_at_once(world, portal):
    dossier = world.submit_online()
    message = OutboxMessage.objects.get(ordering_key=f"dvcqg:{dossier.code}")
    payload = message.payload
    payload["dossier"]["applicant_id_number"] = "12AB"  # not a CMND/CCCD number
    OutboxMessage.objects.filter(pk=message.pk).update(payload=payload)
    outbox.deliver_pending()
    message.refresh_from_db()
    assert message.status == S.FAILED and message.attempts == 1
    assert "MaDoiTuong" in message.last_error
    assert received(portal, endpoint="DongBoHoSoMC") == []  # checked before sending


def test_retry_only_touches_dead_messages(world):
    with transaction.atomic():
        a = outbox.enqueue("test.topic", "a", {}, ordering_key="k")
        b = outbox.enqueue("test.topic", "b", {}, ordering_key="k")
    OutboxMessage.objects.filter(pk=a.pk).update(status=S.FAILED, attempts=12)
    assert retry_messages([a.pk, b.pk], world.leader) == 1
    a.refresh_from_db()
    assert (a.status, a.attempts) == (S.PENDING, 0)
    assert AuditEntry.objects.filter(action="outbox.retry").count() == 1
