"""API keys from the user's own page (create, rotate, revoke), revoked by administrators in
the admin; every change audited."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from motcua.core.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = reverse("accounts:api_tokens")


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.desk)
    return client


def _api_ok(client_factory, key: str) -> bool:
    response = client_factory.get("/api/v1/dossiers/", HTTP_AUTHORIZATION=f"Token {key}")
    return response.status_code == 200


def test_create_rotate_revoke(officer_client, world):
    from django.test import Client

    page = officer_client.get(URL).content.decode()
    assert "Tài khoản chưa có mã truy cập API." in page

    response = officer_client.post(URL, {"action": "issue"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    first = Token.objects.get(user=world.desk).key
    assert first in response.content.decode()
    assert _api_ok(Client(), first)
    # Shown once: a later visit shows only the last four characters.
    later = officer_client.get(URL).content.decode()
    assert first not in later and f"…{first[-4:]}" in later

    officer_client.post(URL, {"action": "issue"})
    second = Token.objects.get(user=world.desk).key
    assert second != first
    assert not _api_ok(Client(), first)
    assert _api_ok(Client(), second)

    response = officer_client.post(URL, {"action": "revoke"}, follow=True)
    assert "Đã thu hồi mã truy cập API" in response.content.decode()
    assert not Token.objects.filter(user=world.desk).exists()
    assert not _api_ok(Client(), second)
    actions = list(
        AuditEntry.objects.filter(object_id=str(world.desk.pk), action__startswith="api_token")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["api_token_issued", "api_token_rotated", "api_token_revoked"]
    assert officer_client.post(URL, {"action": "xoa-het"}).status_code == 302


def test_account_page_links_to_tokens(officer_client):
    assert URL in officer_client.get(reverse("accounts:account")).content.decode()


def test_anonymous_is_sent_to_login_with_the_reason(client):
    response = client.get(URL, follow=True)
    assert "Đăng nhập để quản lý mã truy cập API của bạn." in response.content.decode()


def test_administrator_revokes_in_the_admin(admin_client, world):
    from motcua.accounts import services

    token = services.issue_token(world.desk)
    listing = admin_client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    page = admin_client.get("/admin/").content.decode()
    assert "Mã truy cập API" in page
    response = admin_client.post(
        "/admin/authtoken/tokenproxy/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Đã thu hồi 1 mã truy cập." in response.content.decode()
    assert not Token.objects.filter(user=world.desk).exists()
    entry = AuditEntry.objects.filter(action="api_token_revoked").latest("id")
    assert entry.actor != world.desk.username


def test_admin_is_motcuas_and_vietnamese(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Motcua" in page and "Django" not in page.split("<body")[1].split("</header>")[0]
    for heading in ["Danh mục thủ tục hành chính", "Hồ sơ thủ tục hành chính", "Cổng dịch vụ công"]:
        assert heading in page
    for model in ["Thông báo", "Từ khóa tìm kiếm", "Thủ tục hành chính", "Khóa đăng nhập sai"]:
        assert model in page, model
