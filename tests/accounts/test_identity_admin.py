"""Citizens' identities in the admin: every read logged, a declared identity released
(audited) so the citizen declares again, a VNeID one never."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from motcua.accounts import services
from motcua.accounts.models import CitizenIdentity
from motcua.core.models import AuditEntry
from motcua.core.problems import NotAllowed
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_citizenidentity_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)
    )
    return client


def declared(username: str, id_number: str) -> CitizenIdentity:
    user = User.objects.create_user(username, password=factories.PASSWORD)
    return services.declare_identity(user, id_number=id_number, full_name="Trần Thị Khai")


def vneid(username: str, id_number: str) -> CitizenIdentity:
    user = User.objects.create_user(username, password=factories.PASSWORD)
    return CitizenIdentity.objects.create(
        user=user, id_number=id_number, full_name="Lê Văn Xác", source="vneid"
    )


def test_list_and_page_reads_are_logged(admin_client):
    one = declared("khai", "001090000421")
    response = admin_client.get(reverse(CHANGELIST), {"q": "001090000421"})
    assert response.status_code == 200
    assert "Trần Thị Khai" in response.content.decode()
    entry = AuditEntry.objects.get(action="read", object_type="citizen_identity")
    assert entry.object_id == "list:admin.identity_changelist"
    assert entry.data["ids"] == [str(one.pk)]

    page = admin_client.get(reverse("admin:accounts_citizenidentity_change", args=[one.pk]))
    assert page.status_code == 200
    assert "001090000421" in page.content.decode()
    assert AuditEntry.objects.filter(object_id=str(one.pk), action="read").count() == 1
    # Read-only: nothing is edited here.
    edit = admin_client.post(
        reverse("admin:accounts_citizenidentity_change", args=[one.pk]),
        {"id_number": "079090000001"},
    )
    assert edit.status_code == 403
    one.refresh_from_db()
    assert one.id_number == "001090000421"


def test_release_of_a_declared_identity_lets_the_citizen_declare_again(admin_client):
    wrong = declared("khai", "001090000421")
    kept = vneid("xac", "079090000001")
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "release", "_selected_action": [wrong.pk, kept.pk]},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đã gỡ 1 định danh tự khai báo." in html
    assert "Định danh đã xác thực qua VNeID không gỡ được." in html
    assert list(CitizenIdentity.objects.values_list("pk", flat=True)) == [kept.pk]
    entry = AuditEntry.objects.get(action="identity_released")
    assert entry.actor == "quantri" and entry.data["id_number"] == "001090000421"

    again = services.declare_identity(
        wrong.user, id_number="001090000422", full_name="Trần Thị Khai"
    )
    assert again.id_number == "001090000422"


def test_release_needs_a_reason_and_refuses_vneid():
    with pytest.raises(NotAllowed):
        services.release_declared_identity(vneid("xac", "079090000001"), actor=None, reason="x")
    identity = declared("khai", "001090000421")
    with pytest.raises(services.InvalidInput):
        services.release_declared_identity(identity, actor=None, reason="   ")
    assert CitizenIdentity.objects.filter(pk=identity.pk).exists()
