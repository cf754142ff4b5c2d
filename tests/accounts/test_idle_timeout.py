"""Officer sessions end after MOTCUA_OFFICER_IDLE_MINUTES without a request; citizens'
sessions keep Django's age."""

from __future__ import annotations

import time

from django.urls import reverse

from motcua.accounts.twofactor import LAST_SEEN

QUEUE = "/mot-cua/"


def idle_for(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_officer_is_logged_out_after_the_idle_time(client, world, settings):
    settings.MOTCUA_OFFICER_IDLE_MINUTES = 30
    client.force_login(world.desk)
    assert client.get(QUEUE).status_code == 200
    idle_for(client, 31 * 60)
    response = client.get(QUEUE, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "không hoạt động quá 30 phút" in response.content.decode()
    assert not response.context["user"].is_authenticated
    # And it stays logged out.
    assert client.get(QUEUE).status_code == 302


def test_activity_within_the_limit_keeps_the_session(client, world, settings):
    settings.MOTCUA_OFFICER_IDLE_MINUTES = 30
    client.force_login(world.desk)
    idle_for(client, 29 * 60)
    assert client.get(QUEUE).status_code == 200
    # The request refreshed the timestamp.
    assert time.time() - client.session[LAST_SEEN] < 5


def test_idle_api_session_is_anonymous_afterwards(client, world, settings):
    client.force_login(world.desk)
    idle_for(client, (settings.MOTCUA_OFFICER_IDLE_MINUTES + 1) * 60)
    response = client.get("/api/v1/dossiers/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_citizen_session_survives_a_long_pause(client, world):
    client.force_login(world.citizen)
    idle_for(client, 8 * 3600)
    response = client.get(reverse("my_dossiers"))
    assert response.status_code == 200
    assert response.context["user"] == world.citizen


def test_session_cookie_flags(client, world):
    response = client.post(
        reverse("login"), {"username": world.citizen.username, "password": "test-pass-123"}
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
