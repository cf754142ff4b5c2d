"""The signature as people see it: the desk dossier page, the citizen's dossier page, the
public lookup (portal and API). "Đã ký số bởi …, lúc …, chữ ký hợp lệ / KHÔNG hợp lệ"."""

from __future__ import annotations

import html

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from motcua.signing import services


@pytest.fixture
def signed(world, draft, leader_key):
    return services.sign_result(draft, world.leader)


def _tamper(result) -> None:
    path = default_storage.path(result.signed.path)
    with open(path, "rb") as f:
        data = bytearray(f.read())
    at = data.index(b"GIAY PHEP")
    data[at : at + 4] = b"GIAX"
    with open(path, "wb") as f:
        f.write(bytes(data))


def _lookup_page(client, dossier) -> str:
    response = client.post(
        reverse("lookup"), {"code": dossier.code, "id_number": dossier.applicant_id_number}
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _lookup_api(dossier) -> dict:
    response = APIClient().post(
        "/api/v1/lookup/",
        {"code": dossier.code, "id_number": dossier.applicant_id_number},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _desk_page(client, world, dossier) -> str:
    client.force_login(world.desk)
    response = client.get(reverse("desk:dossier", args=[dossier.code]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _citizen_page(client, world, dossier) -> str:
    client.force_login(world.citizen)
    response = client.get(reverse("my_dossier_detail", args=[dossier.code]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_every_page_says_who_signed_and_that_it_is_valid(client, world, signed):
    expected = f"Đã ký số bởi {world.leader.get_full_name()}, lúc "
    dossier = signed.dossier
    for text in (
        _desk_page(client, world, dossier),
        _citizen_page(client, world, dossier),
        _lookup_page(client, dossier),
    ):
        assert expected in text
        assert "chữ ký hợp lệ" in text and "KHÔNG hợp lệ" not in text
    body = _lookup_api(dossier)["result_signature"]
    assert body["signed"] is True and body["valid"] is True
    assert body["signer"] == world.leader.get_full_name()
    assert body["label"].startswith(expected) and body["signed_at"]


def test_every_page_shows_a_tampered_result_as_invalid(client, world, signed):
    _tamper(signed)
    dossier = signed.dossier
    for text in (
        _desk_page(client, world, dossier),
        _citizen_page(client, world, dossier),
        _lookup_page(client, dossier),
    ):
        assert "chữ ký KHÔNG hợp lệ" in text
        assert "Tài liệu đã bị thay đổi sau khi ký" in text
    body = _lookup_api(dossier)["result_signature"]
    assert body["signed"] is True and body["valid"] is False


def test_unsigned_dossier_has_no_signature_line(client, world, received):
    assert _lookup_api(received)["result_signature"] is None
    assert "Đã ký số" not in _lookup_page(client, received)


def test_the_desk_page_verifies_once_per_file_content(client, world, signed, monkeypatch):
    from motcua.signing import selectors

    calls = []
    real = selectors.verify_pdf
    monkeypatch.setattr(selectors, "verify_pdf", lambda data: calls.append(1) or real(data))
    _desk_page(client, world, signed.dossier)
    _desk_page(client, world, signed.dossier)
    assert len(calls) == 1  # the second view hashes the file and finds the verdict
    _tamper(signed)
    _desk_page(client, world, signed.dossier)
    assert len(calls) == 2  # new bytes, new verification


def test_the_public_lookup_needs_no_account(client, signed):
    # The lookup is public: no session, code + ID number only.
    client.logout()
    assert "chữ ký hợp lệ" in _lookup_page(client, signed.dossier)
