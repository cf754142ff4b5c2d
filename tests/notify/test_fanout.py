"""The hook: steps that matter to the applicant write one notify.dossier message in the
transaction of the change; the worker turns it into one notice per chosen channel."""

import pytest
from django.db import transaction

from motcua.core.models import OutboxMessage
from motcua.dossiers import notices, services
from motcua.feedback import outgoing
from motcua.notify import services as notify
from motcua.notify.models import Kind, Notice, Template
from tests.notify.conftest import drain

pytestmark = pytest.mark.django_db


def notify_messages():
    return OutboxMessage.objects.filter(topic="notify.dossier")


def test_every_kind_in_the_table_is_a_notice_kind_with_templates():
    # Dossier steps and the feedback notices (answered, published) are every citizen kind.
    kinds = set(notices.NOTICE_KINDS.values()) | {outgoing.ANSWERED, outgoing.PUBLISHED}
    assert kinds == set(Kind.values) - {Kind.OVERDUE_DIGEST}
    for kind in kinds:
        channels = set(Template.objects.filter(kind=kind).values_list("channel", flat=True))
        assert channels == {"email", "sms", "zalo"}, kind


def test_submission_is_not_told_receipt_is(world):
    dossier = world.submit_online()
    assert not notify_messages().exists()
    services.receive(dossier, world.desk)
    message = notify_messages().get()
    assert message.payload["kind"] == "received"
    assert message.payload["dossier"]["code"] == dossier.code
    assert message.payload["dossier"]["applicant_id"] == world.citizen.pk
    assert message.payload["dossier"]["due_at"]


def test_no_message_when_the_change_rolls_back(world):
    dossier = world.submit_online()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive(dossier, world.desk)
        raise RuntimeError("the change fails after the event")
    assert not notify_messages().exists()


def test_refusal_supplement_and_stop_are_told(world):
    from tests.factories import missing

    refused = services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    supplement = services.request_supplement(
        world.submit_online(), world.desk, missing("Bản vẽ thiết kế")
    )
    stopped = services.stop(
        services.receive(world.submit_online(), world.desk), world.leader, "Người nộp đề nghị"
    )
    kinds = {m.payload["dossier"]["code"]: m.payload["kind"] for m in notify_messages()}
    assert kinds[refused.code] == "refused"
    assert kinds[supplement.code] == "supplement"
    assert kinds[stopped.code] == "stopped"
    values = notify.values_for(
        next(m.payload for m in notify_messages() if m.payload["kind"] == "supplement")
    )
    assert values["giay_to"] == "Bản vẽ thiết kế"


def test_channels_off_means_no_notice(world, settings):
    settings.MOTCUA_NOTIFY_EMAIL_ENABLED = False
    settings.MOTCUA_NOTIFY_SMS_URL = ""
    settings.MOTCUA_NOTIFY_ZALO_URL = ""
    services.receive(world.submit_online(), world.desk)
    drain()
    assert notify_messages().get().status == OutboxMessage.Status.DELIVERED
    assert not Notice.objects.exists()


def test_fan_out_twice_adds_nothing(world, smtp):
    services.receive(world.submit_online(), world.desk)
    message = notify_messages().get()
    first = notify.fan_out(message.key, message.payload)
    assert [n.channel for n in first] == ["email"]
    assert notify.fan_out(message.key, message.payload) == []
    assert Notice.objects.count() == 1
    assert OutboxMessage.objects.filter(topic="notify.send").count() == 1
