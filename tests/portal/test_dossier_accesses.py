"""The citizen's "who opened my dossier" section, and input normalised on the portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.dossiers.models import Dossier
from tests import factories

pytestmark = pytest.mark.django_db

SECTION = "Ai đã xem hồ sơ của bạn"


def _detail(client, user, dossier):
    client.force_login(user)
    return client.get(reverse("my_dossier_detail", args=[dossier.code]))


def test_citizen_sees_who_opened_the_dossier_by_role_and_agency(client, world):
    dossier = world.submit_online()
    client.force_login(world.leader)
    assert client.get(reverse("desk:dossier", args=[dossier.code])).status_code == 200
    client.force_login(world.desk)
    assert client.get(reverse("desk:queue")).status_code == 200

    body = _detail(client, world.citizen, dossier).content.decode()
    section = body[body.index(SECTION) :]
    assert "Lãnh đạo" in section and "Trang chi tiết hồ sơ" in section
    assert "Cán bộ một cửa" in section and "Danh sách hồ sơ" in section
    assert section.count("Sở Xây dựng") == 2
    # The role and the office, not the officer's login or name.
    assert "leader" not in section and "Cán bộ leader" not in section


def test_citizen_never_sees_another_dossiers_accesses(client, world):
    mine = world.submit_online()
    theirs = world.submit_online(user=world.other_citizen)
    client.force_login(world.leader)
    client.get(reverse("desk:dossier", args=[theirs.code]))
    body = _detail(client, world.citizen, mine).content.decode()
    assert SECTION in body
    assert "Chưa có cán bộ nào xem" in body and "Lãnh đạo" not in body
    assert "Lãnh đạo" in _detail(client, world.other_citizen, theirs).content.decode()


def test_nobody_else_sees_the_section(client, world):
    dossier = world.submit_online()
    for user in (world.desk, world.leader, world.other_desk, world.other_citizen):
        assert _detail(client, user, dossier).status_code == 404


def test_officer_file_download_appears_in_the_list(client, world):
    dossier = world.submit_online()
    attachment = dossier.attachments.first()
    client.force_login(world.specialist)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 200
    client.force_login(world.citizen)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 200
    body = _detail(client, world.citizen, dossier).content.decode()
    section = body[body.index(SECTION) :]
    assert "Chuyên viên" in section and "Tệp giấy tờ đính kèm" in section
    assert section.count("<tr>") == 2  # header + the specialist's line; the citizen's none


def test_portal_submission_with_full_width_digits_is_found_by_ascii_lookup(client, world):
    client.force_login(world.citizen)
    data = {
        "name": "Nguyễn\u200b Văn Dân",
        "id_number": "００１０９０ ０００ ４２２",
        "phone": "",
        "email": "",
        "address": "",
        "subject": "",
    }
    for c in world.proc.components.all():
        data[f"component_{c.pk}"] = factories.pdf(f"tp{c.pk}.pdf")
    response = client.post(reverse("submit", args=[world.proc.code]), data)
    assert response.status_code == 302, response.content.decode()
    dossier = Dossier.objects.get()
    assert dossier.applicant_id_number == "001090000422"
    assert dossier.applicant_name == "Nguyễn Văn Dân"
    client.logout()
    found = client.post(reverse("lookup"), {"code": dossier.code, "id_number": "001090000422"})
    assert found.status_code == 200
    assert dossier.procedure.name in found.content.decode()


def test_withdrawal_with_an_invisible_only_reason_is_refused(client, world):
    dossier = world.submit_online()
    client.force_login(world.citizen)
    response = client.post(
        reverse("my_dossier_withdraw", args=[dossier.code]), {"reason": "\u200b\u2060\u200b"}
    )
    assert response.status_code == 400
    assert "Vui lòng ghi rõ lý do rút hồ sơ." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
