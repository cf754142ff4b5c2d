"""Officers' pages through Django's test client: access, queue, dossier page, actions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.core.models import AuditEntry
from motcua.dossiers import services
from motcua.dossiers.models import Attachment, Channel, Dossier, Event, Status
from tests import factories

pytestmark = pytest.mark.django_db


def _action_names(body: str, code: str) -> set[str]:
    prefix = re.escape(f"/mot-cua/ho-so/{code}/")
    return set(re.findall(rf'action="{prefix}([a-z_]+)/"', body))


def _page(client, dossier) -> str:
    response = client.get(reverse("desk:dossier", args=[dossier.code]))
    assert response.status_code == 200
    return response.content.decode()


# --- access ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_non_officer_gets_403_in_vietnamese(client, world):
    client.force_login(world.citizen)
    for url in [
        reverse("desk:queue"),
        reverse("desk:intake"),
        reverse("desk:dossier", args=["000.00.01.H37-250101-0001"]),
    ]:
        response = client.get(url)
        assert response.status_code == 403
        assert "Trang này dành cho cán bộ, công chức" in response.content.decode()


def test_officer_of_another_agency_gets_404_on_the_dossier(client, world):
    dossier = world.submit_online()
    client.force_login(world.other_desk)
    assert client.get(reverse("desk:dossier", args=[dossier.code])).status_code == 404
    response = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "receive"]), {"receive-note": ""}
    )
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


# --- queue ----------------------------------------------------------------------------


def test_queue_lists_the_agency_dossiers_with_counts_and_filter(client, world):
    waiting = world.submit_online()
    received = services.receive(world.submit_online(), world.desk)
    elsewhere = world.submit_online(procedure=world.commune_proc, agency=world.commune)
    client.force_login(world.desk)

    body = client.get(reverse("desk:queue")).content.decode()
    assert waiting.code in body and received.code in body
    assert elsewhere.code not in body
    assert "Nguyễn Văn Dân" in body and "Trực tuyến" in body
    assert re.search(r'data-status="submitted">Mới đăng ký <span class="count">1<', body)
    assert re.search(r'data-status="received">Được tiếp nhận <span class="count">1<', body)
    # Not yet received: the intake deadline stands in for the due date.
    assert "hạn tiếp nhận" in body

    body = client.get(reverse("desk:queue"), {"trang_thai": "received"}).content.decode()
    assert received.code in body and waiting.code not in body


def test_overdue_rows_are_highlighted(client, world):
    late = world.submit_online()
    on_time = world.submit_online()
    Dossier.objects.filter(pk=late.pk).update(intake_due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(world.desk)
    body = client.get(reverse("desk:queue")).content.decode()
    late_row = re.search(
        rf'<tr class="([^"]*)" data-code="{re.escape(late.code)}">(.*?)</tr>', body, re.S
    )
    ok_row = re.search(
        rf'<tr class="([^"]*)" data-code="{re.escape(on_time.code)}">(.*?)</tr>', body, re.S
    )
    assert late_row.group(1) == "overdue" and "Quá hạn" in late_row.group(2)
    assert ok_row.group(1) == "" and "Quá hạn" not in ok_row.group(2)

    body = client.get(reverse("desk:queue"), {"qua_han": "1"}).content.decode()
    assert late.code in body and on_time.code not in body


def test_received_dossier_past_due_date_is_overdue(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(world.desk)
    body = client.get(reverse("desk:queue")).content.decode()
    assert 'class="overdue"' in body
    assert "Quá hạn" in _page(client, dossier)


def test_queue_rows_escape_what_applicants_typed_and_link_each_dossier(client, world):
    # The rows are written out in Python (desk_tags.queue_rows), not by the template
    # engine: they must escape as it does.
    hostile = world.submit_online()
    Dossier.objects.filter(pk=hostile.pk).update(applicant_name='<script>x("&")</script>')
    received = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    body = client.get(reverse("desk:queue")).content.decode()
    assert "<script>x(" not in body
    assert "&lt;script&gt;x(&quot;&amp;&quot;)&lt;/script&gt;" in body
    row = re.search(
        rf'<tr class="" data-code="{re.escape(received.code)}">(.*?)</tr>', body, re.S
    ).group(1)
    href = reverse("desk:dossier", args=[received.code])
    assert f'<a href="{href}">{received.code}</a>' in row
    due = timezone.localtime(received.due_at).strftime("%H:%M %d/%m/%Y")
    assert due in row and "hạn tiếp nhận" not in row
    assert "Được tiếp nhận" in row and world.dept.name in row


def test_queue_is_paginated(client, world, settings):
    from motcua.desk import views

    for _ in range(3):
        world.submit_online()
    client.force_login(world.desk)
    original = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        body = client.get(reverse("desk:queue")).content.decode()
    finally:
        views.PAGE_SIZE = original
    assert "Trang 1/2" in body and "trang=2" in body


# --- dossier page ---------------------------------------------------------------------


def test_dossier_page_shows_everything_and_logs_the_read(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = services.assign(
        dossier, world.desk, to_agency=world.dept, to_user=world.specialist, budget_days="1.5"
    )
    client.force_login(world.desk)
    before = AuditEntry.objects.filter(action="read", object_id=dossier.code).count()
    body = _page(client, dossier)
    after = AuditEntry.objects.filter(action="read", object_id=dossier.code)
    assert after.count() == before + 1
    assert "applicant_id_number" in after.last().data["fields"]
    for text in [
        dossier.code,
        "001090000001",
        "0912345678",
        "dan@example.vn",
        world.proc.name,
        "Sở Xây dựng",
        "Phiếu kiểm soát quá trình",
        "Tiếp nhận",
        "Chuyển xử lý",
        "1,5",  # the leg's budget in working days
    ]:
        assert text in body, text
    for attachment in dossier.attachments.all():
        assert attachment.sha256 in body
        assert reverse("attachment_download", args=[attachment.pk]) in body
    assert reverse("desk:receipt", args=[dossier.code]) in body


def test_desk_page_shows_only_the_allowed_action_forms(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    assert _action_names(_page(client, dossier), dossier.code) == {
        "receive",
        "refuse",
        "request_supplement",
        "withdraw",
        "change_return_channel",
    }
    client.force_login(world.leader)
    assert _action_names(_page(client, dossier), dossier.code) == {"refuse", "request_supplement"}
    client.force_login(world.specialist)
    assert _action_names(_page(client, dossier), dossier.code) == {"request_supplement"}

    dossier = services.receive(dossier, world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    client.force_login(world.leader)
    names = _action_names(_page(client, dossier), dossier.code)
    assert {"approve", "stop", "assign", "request_payment", "apologise"} <= names
    assert "receive" not in names and "finish" not in names and "return_result" not in names
    client.force_login(world.desk)
    names = _action_names(_page(client, dossier), dossier.code)
    assert "approve" not in names and "withdraw" in names


def test_illegal_action_shows_the_error_and_changes_nothing(client, world):
    dossier = world.submit_online()
    events = Event.objects.count()
    client.force_login(world.leader)
    # Lifecycle refuses: nothing to approve before the dossier is processed.
    response = client.post(reverse("desk:dossier_action", args=[dossier.code, "approve"]), {})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Không thể phê duyệt hồ sơ" in body and "Mới đăng ký" in body

    client.force_login(world.desk)
    # Role refuses: a desk officer does not approve.
    response = client.post(reverse("desk:dossier_action", args=[dossier.code, "approve"]), {})
    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này" in response.content.decode()

    # Form refuses: a refusal needs its reason.
    response = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "refuse"]), {"refuse-reason": ""}
    )
    assert response.status_code == 400
    assert "Vui lòng ghi rõ lý do." in response.content.decode()

    # Unknown action.
    response = client.post(reverse("desk:dossier_action", args=[dossier.code, "explode"]), {})
    assert response.status_code == 404

    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert Event.objects.count() == events


def test_action_url_get_opens_its_form_and_changes_nothing(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "receive"])
    page = client.get(url)  # without JavaScript: the whole page, that form open
    assert page.status_code == 200
    assert 'id="action-receive"' in page.content.decode()
    assert "<html" in page.content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"})  # htmx: the form only
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'id="action-receive"' in body and "<html" not in body
    assert client.put(url).status_code == 405
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_receive_redirects_with_a_success_message(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    response = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "receive"]),
        {"receive-note": "Đủ thành phần"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("desk:dossier", args=[dossier.code])
    assert f"Đã tiếp nhận hồ sơ {dossier.code}." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None
    assert dossier.events.last().note == "Đủ thành phần"


def test_supplement_request_takes_one_item_per_line(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    client.post(
        reverse("desk:dossier_action", args=[dossier.code, "request_supplement"]),
        {
            "request_supplement-missing": (
                "Bản vẽ thiết kế: thiếu chữ ký\n\n  Giấy chứng nhận QSDĐ : bản sao mờ \n"
            )
        },
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT
    assert dossier.events.last().data["missing"] == ["Bản vẽ thiết kế", "Giấy chứng nhận QSDĐ"]
    # Once only: the form is no longer offered.
    names = _action_names(_page(client, dossier), dossier.code)
    assert "request_supplement" not in names and "complete_supplement" in names


def test_full_processing_through_the_desk_pages(client, world):
    dossier = world.submit_online()
    code = dossier.code

    def act(user, action, data, files=None):
        client.force_login(user)
        payload = {f"{action}-{k}": v for k, v in data.items()}
        response = client.post(reverse("desk:dossier_action", args=[code, action]), payload)
        assert response.status_code == 302, response.content.decode()[:3000]

    act(world.desk, "receive", {"note": ""})
    act(
        world.desk,
        "assign",
        {
            "to_agency": world.dept.pk,
            "to_user": world.specialist.pk,
            "budget_days": "2",
            "note": "",
        },
    )
    world.proc.charge_vnd = 500_000  # the amount comes from the procedure, not the form
    world.proc.save()
    # A typed amount is ignored.
    act(world.specialist, "request_payment", {"amount_vnd": "1", "note": "Lệ phí cấp phép"})
    assert dossier.events.get(action="request_payment").data["amount_vnd"] == 500_000
    act(world.desk, "confirm_payment", {"method": "cash", "receipt_number": "0000123", "note": ""})
    assert dossier.payments.get(method="cash").receipt_number == "0000123"
    act(world.leader, "approve", {"note": "Đồng ý"})
    act(world.specialist, "finish", {"files": factories.pdf("giay-phep.pdf"), "note": ""})
    act(world.desk, "return_result", {"method": "online", "note": ""})

    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert dossier.return_method == "online"
    assert dossier.attachments.filter(kind=Attachment.Kind.RESULT).count() == 1
    client.force_login(world.desk)
    body = _page(client, dossier)
    assert "500.000 đồng" in body and dossier.result_code in body
    assert _action_names(body, code) == set()


def test_assign_offers_agencies_and_officers(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    url = reverse("desk:dossier_action", args=[dossier.code, "assign"])
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="assign-to_agency"' in body and 'name="assign-to_user"' in body
    # The holder agency is chosen: only its officers are offered.
    assert "Cán bộ specialist" in body and "Cán bộ other-leader" not in body
    officers_url = reverse("desk:assign_officers", args=[dossier.code])
    assert f'hx-get="{officers_url}"' in body
    # Another agency picked: htmx fetches that agency's list.
    other = client.get(officers_url, {"assign-to_agency": world.other_dept.pk}).content.decode()
    assert 'id="id_assign-to_user"' in other
    assert "Cán bộ other-leader" in other and "Cán bộ specialist" not in other
    assert (
        "Cán bộ specialist"
        not in client.get(officers_url, {"assign-to_agency": "x"}).content.decode()
    )


def test_assign_to_an_officer_of_another_agency_is_refused(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    response = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "assign"]),
        {"assign-to_agency": world.dept.pk, "assign-to_user": world.other_leader.pk},
    )
    assert response.status_code == 400
    assert "Cán bộ này không thuộc cơ quan đã chọn." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_apology_with_new_date(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    new_due = timezone.localtime(dossier.due_at) + dt.timedelta(days=7)
    response = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "apologise"]),
        {
            "apologise-new_due_at": new_due.strftime("%Y-%m-%dT%H:%M"),
            "apologise-reason": "Cần xác minh thực địa",
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.apologised_at is not None
    assert "apologise" not in _action_names(_page(client, dossier), dossier.code)


# --- desk intake ----------------------------------------------------------------------


def test_desk_intake_finds_procedures_without_diacritics(client, world):
    client.force_login(world.desk)
    body = client.get(reverse("desk:intake"), {"q": "dang ky khai sinh"}).content.decode()
    assert "Đăng ký khai sinh" in body
    assert f"?thu_tuc={world.commune_proc.code}" in body


def test_desk_intake_receives_a_paper_dossier_of_any_procedure(client, world):
    client.force_login(world.desk)
    # Boundary-free intake: a provincial desk receives a commune procedure.
    url = reverse("desk:intake") + f"?thu_tuc={world.commune_proc.code}"
    body = client.get(url).content.decode()
    assert "Đăng ký khai sinh" in body and 'name="channel"' in body
    first = world.commune_proc.components.first()
    response = client.post(
        url,
        {
            "channel": "desk",
            "name": "Trần Thị Bích",
            "id_number": "037190000002",
            "phone": "",
            "email": "",
            "address": "",
            "subject": "",
            f"component_{first.pk}": factories.pdf("to-khai.pdf"),
        },
        follow=True,
    )
    dossier = Dossier.objects.get()
    assert response.redirect_chain[-1][0] == reverse("desk:dossier", args=[dossier.code])
    assert f"Đã tiếp nhận hồ sơ {dossier.code}" in response.content.decode()
    assert dossier.channel == Channel.DESK
    assert dossier.status == Status.RECEIVED
    assert dossier.agency == world.dept
    assert dossier.attachments.count() == 1


def test_desk_intake_by_post_needs_the_handover_time(client, world):
    client.force_login(world.desk)
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    data = {"channel": "post", "name": "Trần Thị Bích", "id_number": "037190000002"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "cần thời điểm ký biên bản bàn giao" in response.content.decode()
    assert not Dossier.objects.exists()


def test_desk_intake_errors_keep_the_values(client, world):
    client.force_login(world.desk)
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    response = client.post(url, {"channel": "desk", "name": "Trần Thị Bích", "id_number": "12"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Số định danh cá nhân phải gồm 12 chữ số" in body
    assert 'value="Trần Thị Bích"' in body
    assert not Dossier.objects.exists()


def test_only_desk_officers_take_in_paper_dossiers(client, world):
    client.force_login(world.specialist)
    response = client.get(reverse("desk:intake"))
    assert response.status_code == 403
    assert "Chỉ cán bộ một cửa" in response.content.decode()


# --- receipt --------------------------------------------------------------------------


def test_receipt_only_for_received_dossiers(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    assert client.get(reverse("desk:receipt", args=[dossier.code])).status_code == 404
    assert reverse("desk:receipt", args=[dossier.code]) not in _page(client, dossier)


def test_receipt_is_a_pdf(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    response = client.get(reverse("desk:receipt", args=[dossier.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- forms 02-05 (06, the control sheet, always exists) --------------------------------

NOTICE_URLS = [
    "desk:supplement_notice",
    "desk:refusal_notice",
    "desk:apology_notice",
    "desk:stop_notice",
]


def _notice_links(body: str, code: str) -> set[str]:
    return {name for name in NOTICE_URLS if reverse(name, args=[code]) in body}


def test_notice_links_only_when_the_form_exists(client, world):
    client.force_login(world.desk)
    plain = services.receive(world.submit_online(), world.desk)
    assert _notice_links(_page(client, plain), plain.code) == set()

    asked = services.request_supplement(
        world.submit_online(), world.desk, factories.missing("Bản vẽ thiết kế")
    )
    body = _page(client, asked)
    assert _notice_links(body, asked.code) == {"desk:supplement_notice"}
    assert "mẫu 02" in body

    refused = services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    assert _notice_links(_page(client, refused), refused.code) == {"desk:refusal_notice"}

    stopped = services.stop(
        services.receive(world.submit_online(), world.desk), world.leader, "Lý do dừng"
    )
    body = _page(client, stopped)
    assert _notice_links(body, stopped.code) == {"desk:stop_notice"}
    assert "thông báo dừng giải quyết hồ sơ (mẫu 05)" in body
    assert reverse("desk:control_notice", args=[stopped.code]) in body

    late = services.receive(world.submit_online(), world.desk)
    late = services.apologise(late, world.desk, late.due_at + dt.timedelta(days=5), "Cần xác minh")
    assert _notice_links(_page(client, late), late.code) == {"desk:apology_notice"}


def test_missing_notice_is_404(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    for name in NOTICE_URLS:
        assert client.get(reverse(name, args=[dossier.code])).status_code == 404


def _with_notice(world, name: str) -> Dossier:
    """A dossier of world.dept for which form `name` (02, 03 or 04) exists."""
    if name == "desk:supplement_notice":
        return services.request_supplement(
            world.submit_online(), world.desk, factories.missing("Bản vẽ")
        )
    if name == "desk:refusal_notice":
        return services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    dossier = services.receive(world.submit_online(), world.desk)
    if name == "desk:stop_notice":
        return services.stop(dossier, world.leader, "Người nộp đề nghị dừng")
    if name == "desk:control_notice":
        return dossier
    return services.apologise(
        dossier, world.desk, dossier.due_at + dt.timedelta(days=5), "Cần xác minh"
    )


@pytest.mark.parametrize("name", [*NOTICE_URLS, "desk:control_notice"])
def test_notice_is_a_pdf_for_the_agency_only_and_logs_the_read(client, world, name):
    dossier = _with_notice(world, name)
    url = reverse(name, args=[dossier.code])
    client.force_login(world.other_desk)
    assert client.get(url).status_code == 404
    client.force_login(world.citizen)
    assert client.get(url).status_code == 403  # officers only; citizens use the portal
    client.force_login(world.desk)
    reads = AuditEntry.objects.filter(action="read", object_id=dossier.code)
    before = reads.count()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert dossier.code in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert reads.count() == before + 1
    assert "applicant_id_number" in reads.last().data["fields"]
