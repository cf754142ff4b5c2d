"""E-mail notices through Django's SMTP backend to a real SMTP server started here."""

import pytest

from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.notify import services as notify
from motcua.notify.models import Notice, Template
from tests.notify.conftest import drain

pytestmark = pytest.mark.django_db


def test_receipt_notice_arrives_in_vietnamese(world, smtp):
    dossier = services.receive(world.submit_online(), world.desk)
    drain()
    (mail,) = smtp.messages
    assert mail["To"] == "dan@example.vn"
    # Django folds a long encoded subject onto a continuation line; the parser keeps the
    # folding space in front, which mail readers drop.
    assert mail["Subject"].lstrip() == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    body = mail.get_content()
    assert "Kính gửi Nguyễn Văn Dân" in body
    assert dossier.procedure.name in body
    assert "Ngày hẹn trả kết quả: " in body and "/20" in body
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.SENT and notice.channel == "email"
    assert mail["Message-ID"] == notice.provider_message_id


def test_an_edited_template_is_used(world, smtp):
    Template.objects.filter(kind="received", channel="email").update(
        subject="Đã nhận hồ sơ {ma_ho_so} — {co_quan}"
    )
    dossier = services.receive(world.submit_online(), world.desk)
    drain()
    assert smtp.messages[0]["Subject"].lstrip() == f"Đã nhận hồ sơ {dossier.code} — Sở Xây dựng"


def test_server_down_then_up_loses_nothing(world, smtp):
    smtp.stop()
    services.receive(world.submit_online(), world.desk)
    drain(rounds=3)
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.QUEUED and "SMTP" in notice.error
    send = OutboxMessage.objects.get(topic="notify.send")
    assert send.status == OutboxMessage.Status.PENDING and send.attempts == 3
    smtp.start()
    drain()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and len(smtp.messages) == 1


def test_a_refused_address_fails_once_and_is_not_retried(world, smtp):
    smtp.mailbox.refuse.add("dan@example.vn")
    services.receive(world.submit_online(), world.desk)
    drain()
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.FAILED and "dan@example.vn" in notice.error
    send = OutboxMessage.objects.get(topic="notify.send")
    assert send.status == OutboxMessage.Status.FAILED and send.attempts == 1
    assert smtp.messages == []


def test_sending_again_after_a_crash_sends_once(world, smtp):
    services.receive(world.submit_online(), world.desk)
    drain()
    notice = Notice.objects.get()
    notify.send(notice.pk)  # a redelivered outbox message
    assert len(smtp.messages) == 1


def test_account_email_when_the_dossier_has_none(world, smtp):
    from tests.factories import applicant

    world.citizen.email = "tai-khoan@example.vn"
    world.citizen.save()
    data = applicant()
    data = type(data)(name=data.name, id_number=data.id_number, phone="", email="")
    services.receive(world.submit_online(applicant=data), world.desk)
    drain()
    assert [m["To"] for m in smtp.messages] == ["tai-khoan@example.vn"]


def test_preferences_turn_email_off(world, smtp):
    notify.set_preferences(world.citizen, email=False, sms=True, zalo=False)
    services.receive(world.submit_online(), world.desk)
    drain()
    assert smtp.messages == [] and not Notice.objects.exists()
