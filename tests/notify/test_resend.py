"""A notice the provider could not deliver is sent again, once per failure, as a new
notice with its own client reference; from the admin, audited."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.core.problems import DomainError
from motcua.dossiers import services
from motcua.notify import services as notify
from motcua.notify.models import Notice
from tests import factories
from tests.notify.conftest import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)


def expired_sms(world) -> Notice:
    """An SMS handed to the gateway, then reported expired (the phone stayed off)."""
    notify.set_preferences(world.citizen, email=False, sms=True, zalo=False)
    services.receive(world.submit_online(), world.desk)
    drain()
    notice = Notice.objects.get(channel="sms")
    assert notice.status == Notice.Status.SENT
    notify.record_receipt("sms", "rcpt-1", status="expired", message_id=notice.provider_message_id)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.FAILED
    return notice


def test_a_failed_notice_is_sent_again_once(world, gateways, admin_user):
    failed = expired_sms(world)
    retry = notify.resend(failed.pk, actor=admin_user)
    assert retry.retry_of == failed and retry.key == f"{failed.key}:r1"
    assert (retry.recipient, retry.body) == (failed.recipient, failed.body)
    drain()
    retry.refresh_from_db()
    assert retry.status == Notice.Status.SENT
    assert gateways.get("/_control/sms/messages").json()["count"] == 2
    entry = AuditEntry.objects.get(action="notice_resent")
    assert entry.actor == "quantri" and entry.data["retry"] == retry.pk

    with pytest.raises(DomainError, match="đã được gửi lại"):
        notify.resend(failed.pk, actor=admin_user)
    with pytest.raises(DomainError, match="chỉ gửi lại thông báo không gửi được"):
        notify.resend(retry.pk, actor=admin_user)

    # The retry fails too: it is the one sent again, under the chain's next reference.
    notify.record_receipt("sms", "rcpt-2", status="failed", message_id=retry.provider_message_id)
    second = notify.resend(retry.pk, actor=admin_user)
    assert second.key == f"{failed.key}:r2"


def test_admin_action_resends_the_failed_and_explains_the_rest(world, gateways, admin_user, client):
    failed = expired_sms(world)
    services.receive(world.submit_online(), world.desk)
    drain()
    sent = Notice.objects.filter(status=Notice.Status.SENT).get()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:notify_notice_changelist"),
        {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đã xếp 1 thông báo vào hàng đợi gửi lại." in html
    assert "chỉ gửi lại thông báo không gửi được" in html
    assert Notice.objects.filter(retry_of=failed).count() == 1
