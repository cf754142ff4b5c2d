"""Issue 11, item 2: on issue of the result the desk creates a postal order through the
adapter (via the outbox), the operator's tracking number comes back, and its events drive
the dossier: delivered -> returned; returned to sender -> back to the desk with a note.
While the parcel travels, the desk cannot mark the dossier returned by hand."""

from __future__ import annotations

import pytest

from motcua.core.models import AuditEntry, OutboxMessage
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Status
from motcua.postal import services
from motcua.postal.models import PostalEvent, PostalOrder
from tests import factories
from tests.postal.conftest import deliver, done_by_post, emit, post_signed


def _sent(world, units, postal) -> PostalOrder:
    dossier = done_by_post(world, units)
    order = services.create_outbound_order(dossier, world.desk)
    deliver()
    order.refresh_from_db()
    return order


def test_the_desk_creates_an_order_that_leaves_through_the_outbox(world, units, postal):
    dossier = done_by_post(world, units)
    order = services.create_outbound_order(dossier, world.desk, note="Gửi bản chính")
    assert order.status == PostalOrder.Status.PENDING and not order.tracking_number
    assert order.reference == f"{dossier.code}-BC1"
    message = OutboxMessage.objects.get(topic=services.TOPIC)
    assert message.payload["order_id"] == order.pk
    assert dossier.events.last().action == "postal_dispatch"
    assert AuditEntry.objects.filter(action="postal.create_order").exists()
    deliver()
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.CREATED
    assert order.tracking_number.startswith("EB") and order.fee_vnd == 22000
    [held] = postal.http.get("/_control/postal/orders").json()["orders"]
    assert held["MaVanDon"] == order.tracking_number
    body = held["DonHang"]
    assert body["NguoiNhan"]["MaXa"] == "14308"
    assert body["NguoiNhan"]["DiaChi"] == "Số 12 đường Trần Hưng Đạo"
    assert body["NguoiNhan"]["HoTen"] == dossier.applicant_name
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED


def test_only_an_issued_result_chosen_for_the_post_is_sent(world, units, postal):
    dossier = world.submit_online()
    with pytest.raises(NotAllowed):
        services.create_outbound_order(dossier, world.specialist)
    with pytest.raises(IllegalTransition):  # not processed yet
        services.create_outbound_order(dossier, world.desk)
    dossier = dossier_services.receive(dossier, world.desk)
    dossier = dossier_services.assign(
        dossier, world.desk, to_agency=world.dept, to_user=world.specialist
    )
    dossier = dossier_services.approve(dossier, world.leader)
    dossier = dossier_services.finish(dossier, world.specialist)
    with pytest.raises(IllegalTransition) as err:  # chose online return
        services.create_outbound_order(dossier, world.desk)
    assert "không đăng ký nhận kết quả qua bưu chính" in err.value.message
    assert not PostalOrder.objects.exists()


def test_delivered_returns_the_dossier(world, units, postal, client):
    order = _sent(world, units, postal)
    [picked] = emit(postal, order.tracking_number, "picked_up")["sent"]
    assert post_signed(client, picked).status_code == 200
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.PICKED_UP and order.handed_over_at
    assert order.dossier.status == Status.DONE
    [delivered] = emit(postal, order.tracking_number, "delivered")["sent"]
    response = post_signed(client, delivered)
    assert response.status_code == 200, response.content
    assert response.json()["su_kien"][0]["ket_qua"] == "applied"
    order.refresh_from_db()
    dossier = order.dossier
    dossier.refresh_from_db()
    assert order.status == PostalOrder.Status.DELIVERED
    assert dossier.status == Status.RETURNED and dossier.return_method == "post"
    assert dossier.returned_at == order.delivered_at
    event = dossier.events.last()
    assert event.action == "return_result" and event.actor is None
    assert event.data["tracking_number"] == order.tracking_number
    assert order.tracking_number in event.note


def test_returned_to_sender_goes_back_to_the_desk_with_a_note(world, units, postal, client):
    order = _sent(world, units, postal)
    [sent] = emit(postal, order.tracking_number, "returned", note="Người nhận đi vắng")["sent"]
    assert post_signed(client, sent).status_code == 200
    order.refresh_from_db()
    dossier = order.dossier
    dossier.refresh_from_db()
    assert order.status == PostalOrder.Status.RETURNED and order.returned_at
    assert dossier.status == Status.DONE
    event = dossier.events.last()
    assert event.action == "postal_returned"
    assert "Người nhận đi vắng" in event.note and order.tracking_number in event.note
    # Back at the desk: it may send again, or return at the desk after changing the channel.
    again = services.create_outbound_order(dossier, world.desk)
    assert again.reference.endswith("-BC2")


def test_while_the_parcel_travels_the_desk_cannot_return_by_hand(world, units, postal):
    order = _sent(world, units, postal)
    dossier = order.dossier
    with pytest.raises(IllegalTransition) as err:
        dossier_services.return_result(dossier, world.desk)
    assert "đang được gửi qua bưu chính" in err.value.message
    with pytest.raises(IllegalTransition):
        dossier_services.change_return_channel(
            dossier, world.desk, dossier_services.ReturnChoice("desk")
        )
    with pytest.raises(IllegalTransition):  # one parcel at a time
        services.create_outbound_order(dossier, world.desk)
    dossier.refresh_from_db()
    assert dossier.status == Status.DONE


def test_operator_down_the_order_waits_and_is_sent_later(world, units, postal):
    dossier = done_by_post(world, units)
    postal.http.post("/_control/postal/settings", json={"down": True})
    order = services.create_outbound_order(dossier, world.desk)
    deliver()
    message = OutboxMessage.objects.get(topic=services.TOPIC)
    assert message.status == OutboxMessage.Status.PENDING and "503" in message.last_error
    postal.http.post("/_control/postal/settings", json={"down": False})
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    deliver()
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.CREATED and order.tracking_number


def test_a_lost_answer_gives_the_same_tracking_number_again(world, units, postal):
    """The operator created the order but its answer was lost: the redelivery carries the
    same reference (idempotency key), so there is one parcel, not two."""
    dossier = done_by_post(world, units)
    postal.http.post(
        "/_control/faults", json={"endpoint": "postal.order", "error_after_rate": 1, "times": 1}
    )
    order = services.create_outbound_order(dossier, world.desk)
    deliver()
    OutboxMessage.objects.filter(topic=services.TOPIC).update(next_attempt_at=order.created_at)
    deliver()
    order.refresh_from_db()
    held = postal.http.get("/_control/postal/orders").json()["orders"]
    assert len(held) == 1 and held[0]["MaVanDon"] == order.tracking_number


def test_an_order_the_operator_would_refuse_is_shown_refused(world, units, postal):
    """A refusal (content the operator's schema rejects) is not retried: the desk sees it
    and, no parcel travelling, may correct the address and send again."""
    from motcua.catalog.models import AdministrativeUnit

    dossier = done_by_post(world, units)
    order = services.create_outbound_order(dossier, world.desk)
    AdministrativeUnit.objects.filter(pk=units["commune"].pk).update(code="1430")
    deliver()
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.REFUSED
    assert "MaXa" in order.note
    assert OutboxMessage.objects.get(topic=services.TOPIC).status == "delivered"
    assert services.create_outbound_order(dossier, world.desk).reference.endswith("-BC2")


# --- faults: duplicates, reorder, unknown orders -----------------------------------------


def test_the_same_event_twice_changes_nothing(world, units, postal, client):
    order = _sent(world, units, postal)
    [sent] = emit(postal, order.tracking_number, "delivered")["sent"]
    assert post_signed(client, sent).status_code == 200
    answer = post_signed(client, sent)
    assert answer.status_code == 200
    assert answer.json()["su_kien"][0]["ket_qua"] == "duplicate"
    event = PostalEvent.objects.get()
    assert event.times_received == 2
    assert order.dossier.events.filter(action="return_result").count() == 1


def test_events_out_of_order_never_move_an_order_back(world, units, postal, client):
    order = _sent(world, units, postal)
    picked = emit(postal, order.tracking_number, "picked_up", at="2026-12-01T08:00:00+07:00")
    delivered = emit(postal, order.tracking_number, "delivered", at="2026-12-01T15:00:00+07:00")
    assert post_signed(client, delivered["sent"][0]).status_code == 200
    answer = post_signed(client, picked["sent"][0])
    assert answer.json()["su_kien"][0]["ket_qua"] == "stale"
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.DELIVERED
    assert order.handed_over_at.isoformat().startswith("2026-12-01T01:00")  # UTC
    assert order.dossier.status == Status.RETURNED


def test_an_event_for_an_unknown_order_is_kept_and_matched_later(world, units, postal, client):
    dossier = done_by_post(world, units)
    order = services.create_outbound_order(dossier, world.desk)
    # The operator's event arrives before our order has its tracking number.
    [sent] = postal.http.post(
        "/_control/postal/unknown", json={"status": "picked_up", "tracking": "EB037000001VN"}
    ).json()["sent"]
    answer = post_signed(client, sent)
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "unknown_order"
    assert "EB037000001VN" in answer.json()["detail"]
    kept = PostalEvent.objects.get()
    assert kept.outcome == PostalEvent.Outcome.UNMATCHED and kept.order is None
    deliver()  # the operator gives that tracking number to our order
    order.refresh_from_db()
    assert order.tracking_number == "EB037000001VN"
    kept.refresh_from_db()
    assert kept.order == order and kept.outcome == PostalEvent.Outcome.APPLIED
    assert order.status == PostalOrder.Status.PICKED_UP


def test_polling_brings_what_the_webhook_lost(world, units, postal):
    order = _sent(world, units, postal)
    emit(postal, order.tracking_number, "picked_up")
    emit(postal, order.tracking_number, "delivered")
    report = services.poll()
    assert (report.orders, report.events, report.new) == (1, 2, 2)
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.DELIVERED
    assert order.dossier.status == Status.RETURNED
    assert services.poll().orders == 0  # nothing open any more


def test_polling_survives_the_operator_being_down(world, units, postal):
    order = _sent(world, units, postal)
    postal.http.post("/_control/postal/settings", json={"down": True})
    report = services.poll()
    assert (report.orders, report.failed) == (1, 1)
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.CREATED


def test_poll_command(world, units, postal):
    from io import StringIO

    from django.core.management import call_command

    order = _sent(world, units, postal)
    emit(postal, order.tracking_number, "delivered")
    out = StringIO()
    call_command("postal", "poll", stdout=out)
    assert "1 đơn đang gửi đã tra cứu" in out.getvalue()
    order.refresh_from_db()
    assert order.status == PostalOrder.Status.DELIVERED


# --- inbound ------------------------------------------------------------------------------


def test_a_paper_dossier_sent_by_post_keeps_its_parcel(world, units):
    import datetime as dt

    from django.utils import timezone

    handed = timezone.now() - dt.timedelta(days=2)
    dossier = dossier_services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel="post",
        handed_over_at=handed,
    ).dossier
    order = services.attach_inbound(dossier, " eb 123456789 vn ", world.desk)
    assert order.direction == PostalOrder.Direction.INBOUND
    assert order.tracking_number == "EB123456789VN"
    assert order.handed_over_at == dossier.submitted_at
    assert services.attach_inbound(dossier, "EB123456789VN", world.desk) == order  # again
    other = dossier_services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel="post",
        handed_over_at=handed,
    ).dossier
    with pytest.raises(InvalidInput) as err:
        services.attach_inbound(other, "EB123456789VN", world.desk)
    assert err.value.code == "tracking_number_taken"


def test_migrate_schedules_the_polling(db, settings):
    from django_q.models import Schedule

    from motcua.postal import apps

    job = Schedule.objects.get(name="postal-poll")
    assert job.func == "motcua.postal.services.scheduled_poll" and job.minutes == 15
    settings.MOTCUA_POSTAL_URL = ""
    assert services.scheduled_poll() == "MOTCUA_POSTAL_URL not set"
    settings.MOTCUA_POSTAL_POLL_MINUTES = 5
    apps.register_schedules()
    assert Schedule.objects.get(name="postal-poll").minutes == 5


def test_the_postal_steps_reach_the_national_portal(world, units, postal, client, settings):
    """Dispatch, return to sender and delivery are steps of the dossier like any other:
    each is synced to DVCQG, and the portal's schemas accept them."""
    settings.MOTCUA_DVCQG_URL = f"{postal.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID = "motcua"
    settings.MOTCUA_DVCQG_CLIENT_SECRET = "motcua-dvcqg-secret"
    order = _sent(world, units, postal)
    for status in ("returned", None, "delivered"):
        if status is None:  # sent again after the return to sender
            order = services.create_outbound_order(order.dossier, world.desk)
            deliver()
            order.refresh_from_db()
            continue
        [sent] = emit(postal, order.tracking_number, status)["sent"]
        assert post_signed(client, sent).status_code == 200
    deliver()
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED).exists()
    steps = postal.http.get(
        "/_control/received", params={"dossier": order.dossier.code, "system": "dvcqg"}
    ).json()["items"]
    assert all(s["valid"] is not False for s in steps)
    assert any("chuyển hoàn" in str(s["body"]) for s in steps)
    assert steps[-1]["body"]["data"][0]["TrangThaiHoSo"] == 10
