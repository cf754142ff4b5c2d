"""The sender of a question, report or proposal is told when it is answered and when it is
published: e-mail to a real SMTP server, SMS to the simulator, through the outbox written
in the answer's transaction."""

import pytest
from django.core.exceptions import ValidationError

from motcua.core.models import OutboxMessage
from motcua.core.problems import InvalidInput, NotAllowed
from motcua.feedback import outgoing
from motcua.feedback import services as feedback
from motcua.feedback.models import Feedback
from motcua.notify import services as notify
from motcua.notify.models import Notice, Template
from tests.notify.conftest import drain

pytestmark = pytest.mark.django_db

ANSWER = "Hồ sơ đã có kết quả từ ngày 02/12; mời ông đến nhận tại quầy số 3."


def submit(world, contact="0912 345 678, dan@example.vn", **changes):
    data = dict(
        kind=Feedback.Kind.REPORT,
        content="Bộ phận một cửa hẹn trả kết quả nhưng không trả đúng ngày.",
        name="Nguyễn Văn Dân",
        contact=contact,
        consent_publish=True,
        agency_id=world.dept.pk,
    )
    data.update(changes)
    return feedback.submit_feedback(world.citizen, feedback.Submission(**data))


def test_contact_parts():
    assert outgoing.contact_parts("0912 345 678, dan@example.vn") == (
        "dan@example.vn",
        "0912 345 678",
    )
    assert outgoing.contact_parts("Email: a.b+c@so.gov.vn") == ("a.b+c@so.gov.vn", "")
    assert outgoing.contact_parts("ĐT (+84) 912.345.678") == ("", "(+84) 912.345.678")
    assert outgoing.contact_parts("gọi giờ hành chính") == ("", "")


def test_answer_is_mailed_to_the_sender(world, smtp):
    item = submit(world)
    assert not OutboxMessage.objects.filter(topic="notify.feedback").exists()
    feedback.answer(item, world.desk, ANSWER)
    # Written with the answer, in its transaction.
    message = OutboxMessage.objects.get(topic="notify.feedback")
    assert message.key == f"feedback:{item.pk}:feedback_answer"
    drain()
    (mail,) = smtp.messages
    assert mail["To"] == "dan@example.vn"
    assert mail["Subject"].lstrip() == f"{world.dept.name} đã trả lời phản ánh của ông/bà"
    body = mail.get_content()
    assert "Kính gửi Nguyễn Văn Dân" in body and ANSWER in body
    assert "/hoi-dap/cua-toi/" in body
    notice = Notice.objects.get(channel="email")
    assert notice.kind == "feedback_answer" and notice.status == Notice.Status.SENT


def test_a_refused_answer_sends_nothing(world, smtp):
    item = submit(world)
    with pytest.raises(InvalidInput, match="ít nhất 10"):
        feedback.answer(item, world.desk, "ngắn")
    assert not OutboxMessage.objects.filter(topic="notify.feedback").exists()


def test_sms_goes_to_the_phone_given(world, gateways):
    item = submit(world, contact="ĐT 0987 654 321")
    feedback.answer(item, world.desk, ANSWER)
    drain()
    (sms,) = gateways.get("/_control/sms/messages").json()["items"]
    assert sms["to"] == "84987654321" and sms["segments"] == 1
    assert "da tra loi phan anh" in sms["text"] and "/hoi-dap/cua-toi/" in sms["text"]
    assert Notice.objects.get().channel == "sms"


def test_no_usable_contact_falls_back_to_the_account_email(world, smtp, gateways):
    world.citizen.email = "tai-khoan@example.vn"
    world.citizen.save()
    item = submit(world, contact="nhà số 5, ngõ 3")
    feedback.answer(item, world.desk, ANSWER)
    drain()
    (mail,) = smtp.messages
    assert mail["To"] == "tai-khoan@example.vn"
    assert gateways.get("/_control/sms/messages").json()["items"] == []


def test_the_citizens_choices_are_kept(world, smtp, gateways):
    notify.set_preferences(world.citizen, email=True, sms=False, zalo=False)
    item = submit(world)
    feedback.answer(item, world.desk, ANSWER)
    drain()
    assert len(smtp.messages) == 1
    assert gateways.get("/_control/sms/messages").json()["items"] == []


def test_publication_is_told_once(world, smtp):
    item = submit(world)
    item = feedback.answer(item, world.desk, ANSWER)
    feedback.publish(item, world.desk)
    with pytest.raises(NotAllowed):  # published once
        feedback.publish(item, world.desk)
    drain()
    subjects = sorted(m["Subject"].lstrip() for m in smtp.messages)
    assert subjects == [
        f"{world.dept.name} đã trả lời phản ánh của ông/bà",
        "Đã công khai phản ánh của ông/bà",
    ]
    public = next(m for m in smtp.messages if "công khai" in m["Subject"])
    assert "/hoi-dap/" in public.get_content()
    assert Notice.objects.filter(kind="feedback_public").count() == 1


def test_smtp_down_then_up_loses_nothing(world, smtp):
    smtp.stop()
    feedback.answer(submit(world), world.desk, ANSWER)
    drain(rounds=3)
    assert Notice.objects.get().status == Notice.Status.QUEUED
    smtp.start()
    drain()
    assert Notice.objects.get().status == Notice.Status.SENT and len(smtp.messages) == 1


def test_feedback_templates_take_feedback_fields_only(world):
    template = Template.objects.get(kind="feedback_answer", channel="email")
    template.body = "Hồ sơ {ma_ho_so}: {tra_loi} — {ngay_hen}"
    with pytest.raises(ValidationError, match=r"\{ngay_hen\}"):
        template.full_clean()
