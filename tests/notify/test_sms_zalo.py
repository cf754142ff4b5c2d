"""SMS and Zalo notices against the simulator: sent once, receipts signed and idempotent,
forged ones refused, faults (gateway down, 5xx, duplicated and reordered receipts) lose
nothing."""

import json

import pytest

from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.notify import services as notify
from motcua.notify import sms, zalo
from motcua.notify.models import Notice, Receipt
from tests.notify.conftest import SMS_RECEIPT_SECRET, ZALO_APP_ID, ZALO_SECRET, drain, replay

pytestmark = pytest.mark.django_db
SMS_HOOK = "/api/v1/notify/sms/receipts/"
ZALO_HOOK = "/api/v1/notify/zalo/events/"


@pytest.fixture
def zalo_on(world):
    notify.set_preferences(world.citizen, email=False, sms=True, zalo=True)


def received_dossier(world):
    return services.receive(world.submit_online(), world.desk)


def test_sms_and_zalo_are_sent_and_delivered(world, gateways, zalo_on, client):
    dossier = received_dossier(world)
    drain()
    (message,) = gateways.get("/_control/sms/messages").json()["items"]
    assert message["to"] == "84912345678" and message["from"] == "MOTCUA"
    assert message["encoding"] == "gsm7" and message["segments"] == 1
    assert message["text"].startswith(f"Ho so {dossier.code} da duoc tiep nhan. Hen tra ket qua:")
    (zns,) = gateways.get("/_control/zalo/messages").json()["items"]
    assert zns["phone"] == "84912345678"
    assert "đã được" in zns["template_data"]["noi_dung"]  # Zalo keeps the diacritics
    by_channel = {n.channel: n for n in Notice.objects.all()}
    assert by_channel["sms"].status == by_channel["zalo"].status == Notice.Status.SENT
    assert by_channel["sms"].segments == 1
    assert [a.json() for a in replay(client, gateways, SMS_HOOK, "sms/receipts")] == [
        {"ket_qua": "recorded"}
    ]
    assert [a.json() for a in replay(client, gateways, ZALO_HOOK, "zalo/events")] == [
        {"ket_qua": "recorded"}
    ]
    for notice in Notice.objects.all():
        assert notice.status == Notice.Status.DELIVERED and notice.delivered_at is not None


def test_duplicate_and_reordered_receipts_change_nothing(world, gateways, zalo_on, client):
    gateways.post(
        "/_control/faults",
        json={"rules": [{"endpoint": "sms", "duplicate_rate": 1.0, "reorder": True},
                        {"endpoint": "zalo", "duplicate_rate": 1.0}]},
    )  # fmt: skip
    received_dossier(world)
    drain()
    sms_answers = [a.json()["ket_qua"] for a in replay(client, gateways, SMS_HOOK, "sms/receipts")]
    zalo_answers = [a.json()["ket_qua"] for a in replay(client, gateways, ZALO_HOOK, "zalo/events")]
    assert sorted(sms_answers) == ["duplicate", "recorded"]
    assert sorted(zalo_answers) == ["duplicate", "recorded"]
    assert Receipt.objects.count() == 2
    notice = Notice.objects.get(channel="sms")
    delivered_at = notice.delivered_at
    # A late "failed" receipt for the same message cannot undo the delivery.
    late = {"receipt_id": "late-1", "message_id": notice.provider_message_id,
            "ref": notice.key, "status": "failed", "at": "2026-01-01T00:00:00+07:00"}  # fmt: skip
    body = json.dumps(late).encode()
    answer = client.post(
        SMS_HOOK, body, content_type="application/json",
        HTTP_X_SMS_SIGNATURE=sms.sign(body, SMS_RECEIPT_SECRET),
    )  # fmt: skip
    assert answer.json() == {"ket_qua": "recorded"}
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DELIVERED and notice.delivered_at == delivered_at


def test_forged_receipts_are_refused(world, gateways, client):
    received_dossier(world)
    drain()
    (item,) = gateways.get("/_control/sms/receipts").json()["items"]
    forged = item["body"].replace('"delivered"', '"failed"')
    answer = client.post(
        SMS_HOOK, forged, content_type="application/json",
        HTTP_X_SMS_SIGNATURE=item["headers"]["X-Sms-Signature"],
    )  # fmt: skip
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"] == "Chữ ký của báo nhận không hợp lệ."
    unsigned = client.post(SMS_HOOK, item["body"], content_type="application/json")
    assert unsigned.status_code == 401
    assert not Receipt.objects.exists()
    assert Notice.objects.get().status == Notice.Status.SENT


def test_forged_zalo_events_are_refused(world, gateways, zalo_on, client):
    received_dossier(world)
    drain()
    (item,) = gateways.get("/_control/zalo/events").json()["items"]
    wrong = zalo.sign(ZALO_APP_ID, item["body"].encode(), "1", "not-the-secret")
    answer = client.post(
        ZALO_HOOK, item["body"], content_type="application/json",
        HTTP_X_ZEVENT_SIGNATURE=wrong, HTTP_X_ZEVENT_TIMESTAMP="1",
    )  # fmt: skip
    assert answer.status_code == 401
    stale = client.post(
        ZALO_HOOK, item["body"], content_type="application/json",
        HTTP_X_ZEVENT_SIGNATURE=item["headers"]["X-ZEvent-Signature"],
        HTTP_X_ZEVENT_TIMESTAMP=str(int(item["headers"]["X-ZEvent-Timestamp"]) + 1),
    )  # fmt: skip
    assert stale.status_code == 401
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "Nội dung gửi lên không phải JSON."),
        (b"[]", "Báo nhận thiếu trường hoặc sai kiểu dữ liệu: $: expected an object."),
        (
            b'{"receipt_id": "r", "message_id": "m", "status": "read", "at": "hom qua"}',
            "Báo nhận thiếu trường hoặc sai kiểu dữ liệu: status: invalid value; at: invalid "
            "value.",
        ),
    ],
)
def test_bad_receipts_answer_problem_documents(gateways, client, body, detail):
    answer = client.post(
        SMS_HOOK, body, content_type="application/json",
        HTTP_X_SMS_SIGNATURE=sms.sign(body, SMS_RECEIPT_SECRET),
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"] == detail


def test_zalo_event_with_a_huge_timestamp_is_bad_input_not_a_crash(gateways, client):
    stamp = "9" * 40
    event = {"event_name": "user_received_message", "app_id": ZALO_APP_ID, "timestamp": stamp,
             "event_id": "e1", "message": {"msg_id": "m1"}}  # fmt: skip
    body = json.dumps(event).encode()
    answer = client.post(
        ZALO_HOOK, body, content_type="application/json",
        HTTP_X_ZEVENT_SIGNATURE=zalo.sign(ZALO_APP_ID, body, stamp, ZALO_SECRET),
        HTTP_X_ZEVENT_TIMESTAMP=stamp,
    )  # fmt: skip
    assert answer.status_code == 400


def test_receipt_for_an_unknown_message_is_kept_unmatched(gateways, client):
    body = json.dumps({"receipt_id": "x1", "message_id": "SMS99", "status": "delivered",
                       "at": "2026-01-01T08:00:00+07:00"}).encode()  # fmt: skip
    answer = client.post(
        SMS_HOOK, body, content_type="application/json",
        HTTP_X_SMS_SIGNATURE=sms.sign(body, SMS_RECEIPT_SECRET),
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json() == {"ket_qua": "unmatched"}
    assert Receipt.objects.get().notice is None


def test_webhooks_off_without_secrets(settings, client):
    settings.MOTCUA_NOTIFY_SMS_RECEIPT_SECRET = ""
    settings.MOTCUA_NOTIFY_ZALO_SECRET = ""
    assert client.post(SMS_HOOK, b"{}", content_type="application/json").status_code == 404
    assert client.post(ZALO_HOOK, b"{}", content_type="application/json").status_code == 404


def test_gateway_down_then_5xx_then_up_sends_once(world, gateways):
    gateways.post("/_control/faults", json={"endpoint": "sms.send", "drop_rate": 1.0, "times": 1})
    received_dossier(world)
    drain(rounds=1)
    notice = Notice.objects.get(channel="sms")
    assert notice.status == Notice.Status.QUEUED and "RemoteProtocolError" in notice.error
    gateways.post("/_control/faults", json={"endpoint": "sms.send", "error_rate": 1.0, "times": 2})
    drain(rounds=2)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.QUEUED and "HTTP 503" in notice.error
    # A lost answer: the gateway took it, we retry under the same key, it is sent once.
    gateways.post(
        "/_control/faults", json={"endpoint": "sms.send", "error_after_rate": 1.0, "times": 1}
    )
    drain()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    assert gateways.get("/_control/sms/messages").json()["count"] == 1
    assert OutboxMessage.objects.get(topic="notify.send").attempts == 5


def test_unreachable_numbers_and_bad_numbers(world, gateways, zalo_on, client):
    from tests.factories import applicant

    base = applicant()
    unreachable = type(base)(name=base.name, id_number=base.id_number, phone="0912340000",
                             email="")  # fmt: skip
    received = services.receive(world.submit_online(applicant=unreachable), world.desk)
    bad = type(base)(name=base.name, id_number=base.id_number, phone="024 3823 4567", email="")
    services.receive(world.submit_online(applicant=bad), world.desk)
    drain()
    replay(client, gateways, SMS_HOOK, "sms/receipts")
    replay(client, gateways, ZALO_HOOK, "zalo/events")
    states = {
        (n.dossier_code == received.code, n.channel): (n.status, n.error)
        for n in Notice.objects.all()
    }
    assert states[(True, "sms")] == (Notice.Status.FAILED, "unreachable")
    assert states[(True, "zalo")] == (Notice.Status.FAILED, "user has no Zalo account")
    # A landline cannot take an SMS: refused before sending, never retried.
    assert states[(False, "sms")][0] == Notice.Status.FAILED
    assert "số điện thoại không hợp lệ" in states[(False, "sms")][1]
    dead = OutboxMessage.objects.filter(topic="notify.send", status=OutboxMessage.Status.FAILED)
    assert dead.count() == 2 and all(m.attempts == 1 for m in dead)


def test_a_wrong_api_key_is_retried_not_dropped(world, gateways, settings):
    settings.MOTCUA_NOTIFY_SMS_API_KEY = "wrong"
    received_dossier(world)
    drain(rounds=2)
    notice = Notice.objects.get(channel="sms")
    assert notice.status == Notice.Status.QUEUED and "HTTP 401" in notice.error
    settings.MOTCUA_NOTIFY_SMS_API_KEY = "motcua-sms-key"
    drain()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
