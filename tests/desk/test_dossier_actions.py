"""The dossier page: one action at a time, confirmations, previews, names in the history,
officers landing on their queue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.models import Attachment, Channel, Dossier, Status
from tests import factories

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_page_shows_buttons_and_no_open_form(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    body = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    for name in ("receive", "refuse", "request_supplement", "withdraw"):
        assert f'data-open="{name}"' in body
        assert f'hx-get="/mot-cua/ho-so/{dossier.code}/{name}/"' in body
    assert 'id="action-panel"' in body
    assert 'method="post"' not in body.split('id="action-panel"')[1].split("</section>")[0]
    assert "onclick" not in body and "<script>" not in body  # CSP: script-src 'self'
    opened = client.get(reverse("desk:dossier", args=[dossier.code]), {"thao_tac": "refuse"})
    assert 'id="action-refuse"' in opened.content.decode()


def test_irreversible_actions_need_the_confirmation(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "refuse"])
    form = client.get(url, headers=HX).content.decode()
    assert 'name="refuse-confirm"' in form and "không thể hoàn tác" in form
    response = client.post(url, {"refuse-reason": "Không thuộc thẩm quyền"})
    assert response.status_code == 400
    assert "Vui lòng đánh dấu xác nhận trước khi thực hiện." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    response = client.post(url, {"refuse-reason": "Không thuộc thẩm quyền", "refuse-confirm": "on"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.REJECTED


def test_reversible_actions_have_no_confirmation(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    form = client.get(
        reverse("desk:dossier_action", args=[dossier.code, "receive"]), headers=HX
    ).content.decode()
    assert "confirm" not in form


def test_unavailable_action_fragment_says_so(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    body = client.get(
        reverse("desk:dossier_action", args=[dossier.code, "approve"]), headers=HX
    ).content.decode()
    assert "không còn thực hiện được" in body


def test_apology_date_in_vietnamese_format(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "apologise"])
    form = client.get(url, headers=HX).content.decode()
    assert 'placeholder="dd/mm/yyyy hh:mm"' in form and 'type="datetime-local"' not in form
    new_due = timezone.localtime(dossier.due_at) + timezone.timedelta(days=7)
    bad = client.post(
        url, {"apologise-new_due_at": "12/31/2026 14:00", "apologise-reason": "Xác minh"}
    )
    assert bad.status_code == 400
    assert "ngày/tháng/năm" in bad.content.decode()
    ok = client.post(
        url,
        {
            "apologise-new_due_at": new_due.strftime("%d/%m/%Y %H:%M"),
            "apologise-reason": "Cần xác minh thực địa",
        },
    )
    assert ok.status_code == 302
    dossier.refresh_from_db()
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") == new_due.strftime(
        "%d/%m/%Y %H:%M"
    )


def test_pdf_and_image_preview_inline_from_our_own_url(client, world):
    dossier = world.submit_online()
    attachment = dossier.attachments.first()
    client.force_login(world.desk)
    body = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    preview = reverse("desk:preview", args=[dossier.code, attachment.pk])
    assert f'<iframe src="{preview}"' in body
    assert attachment.sha256 in body and "Mã băm SHA-256" in body  # still there, folded
    response = client.get(preview)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The dossier page itself still may not be framed.
    page = client.get(reverse("desk:dossier", args=[dossier.code]))
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_preview_is_checked_like_a_download(client, world):
    dossier = world.submit_online()
    attachment = dossier.attachments.first()
    client.force_login(world.other_desk)
    assert (
        client.get(reverse("desk:preview", args=[dossier.code, attachment.pk])).status_code == 404
    )
    client.force_login(world.citizen)
    assert (
        client.get(reverse("desk:preview", args=[dossier.code, attachment.pk])).status_code == 403
    )
    other = world.submit_online()
    client.force_login(world.desk)
    # An attachment of another dossier under this dossier's code: not found.
    wrong = reverse("desk:preview", args=[dossier.code, other.attachments.first().pk])
    assert client.get(wrong).status_code == 404
    Attachment.objects.filter(pk=attachment.pk).update(content_type="application/zip")
    assert (
        client.get(reverse("desk:preview", args=[dossier.code, attachment.pk])).status_code == 404
    )


def test_history_shows_names_not_identifiers(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    client.force_login(world.desk)
    body = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    history = body.split("(mẫu 06)</h2>")[-1]
    assert "→ Sở Xây dựng / Cán bộ specialist" in history
    assert "→ 000.00.01.H37" not in history and "/ specialist<" not in history
    assert "Cán bộ desk" in history


def test_officers_land_on_their_queue_citizens_on_home(client, world):
    for user, expected in [(world.desk, "/mot-cua/"), (world.citizen, "/")]:
        client.logout()
        response = client.post(
            reverse("login"), {"username": user.username, "password": factories.PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == expected
    # An explicit ?next= still wins.
    client.logout()
    response = client.post(
        reverse("login") + "?next=/tra-cuu/",
        {"username": world.desk.username, "password": factories.PASSWORD},
    )
    assert response["Location"] == "/tra-cuu/"


def test_desk_intake_takes_the_handover_time_in_vietnamese_format(client, world):
    client.force_login(world.desk)
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    body = client.get(url).content.decode()
    assert 'placeholder="dd/mm/yyyy hh:mm"' in body
    response = client.post(
        url,
        {
            "channel": Channel.POST,
            "handed_over_at": "01/12/2026 9:15",
            "name": "Lê Thị Hoa",
            "id_number": "001090000099",
            "return_channel": "desk",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    dossier = Dossier.objects.get(applicant_id_number="001090000099")
    assert timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y %H:%M") == "01/12/2026 09:15"
