"""Submissions throttled per account and per address, through the API and the portal,
with the counts of motcua.core.ratelimit (database here, as without Redis)."""

import json

from rest_framework.test import APIClient


def _api(user, address="203.0.113.5"):
    client = APIClient(REMOTE_ADDR=address)
    client.force_authenticate(user)
    return client


def test_api_submissions_limited_per_account(world, settings):
    settings.MOTCUA_SUBMIT_LIMIT = 2
    client = _api(world.citizen)
    answers = [client.post("/api/v1/dossiers/", {}, format="multipart") for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    refused = answers[-1]
    assert refused["Content-Type"].startswith("application/problem+json")
    assert 3590 <= int(refused["Retry-After"]) <= 3600
    assert "quá nhiều hồ sơ" in json.loads(refused.content)["detail"]
    # Another account from another address is not affected.
    other = _api(world.other_citizen, "198.51.100.1")
    assert other.post("/api/v1/dossiers/", {}, format="multipart").status_code == 400


def test_api_submissions_limited_per_address(world, settings):
    settings.MOTCUA_SUBMIT_ADDRESS_LIMIT = 2
    assert _api(world.citizen).post("/api/v1/dossiers/", {}).status_code == 400
    assert _api(world.other_citizen).post("/api/v1/dossiers/", {}).status_code == 400
    assert _api(world.other_citizen).post("/api/v1/dossiers/", {}).status_code == 429


def test_portal_submissions_limited(client, world, settings):
    settings.MOTCUA_SUBMIT_LIMIT = 1
    client.force_login(world.citizen)
    url = f"/thu-tuc/{world.proc.code}/nop-ho-so/"
    assert client.post(url, {}).status_code == 400  # the form's errors
    refused = client.post(url, {})
    assert refused.status_code == 429
    assert "Bạn đã nộp quá nhiều hồ sơ" in refused.content.decode()
    assert "Retry-After" in refused
    assert client.get(url).status_code == 200  # reading the page is not counted


def test_portal_lookup_says_how_long_to_wait(client, world, settings):
    settings.MOTCUA_LOOKUP_LIMIT = 1
    client.post("/tra-cuu/", {"code": "X", "id_number": "001090000001"})
    refused = client.post("/tra-cuu/", {"code": "X", "id_number": "001090000001"})
    assert refused.status_code == 429
    assert "Vui lòng thử lại sau 10 phút" in refused.content.decode()
    assert 590 <= int(refused["Retry-After"]) <= 600
