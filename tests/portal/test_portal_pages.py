"""Public pages through Django's test client: search, submission, lookup, own dossiers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.models import Field, Procedure
from motcua.dossiers import services
from motcua.dossiers.models import Attachment, Channel, Dossier, Status
from tests import factories

pytestmark = pytest.mark.django_db


def _files_for(proc, bad: int | None = None) -> dict[str, SimpleUploadedFile]:
    files = {}
    for c in proc.components.all():
        if c.pk == bad:
            files[f"component_{c.pk}"] = SimpleUploadedFile(
                "to-khai.pdf", b"this is not a pdf", content_type="application/pdf"
            )
        else:
            files[f"component_{c.pk}"] = factories.pdf(f"tp{c.pk}.pdf")
    return files


def _applicant_post(**extra) -> dict[str, str]:
    data = {
        "name": "Nguyễn Văn Dân",
        "id_number": "001090000001",
        "phone": "0912345678",
        "email": "dan@example.vn",
        "address": "Số 1 đường Tràng An, Ninh Bình",
        "subject": "Xây nhà ở riêng lẻ 3 tầng",
    }
    data.update(extra)
    return data


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- catalogue ------------------------------------------------------------------------


def test_home_has_search_box_and_links(client, world):
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hệ thống thông tin giải quyết TTHC" in body
    assert 'action="/thu-tuc/"' in body and 'name="q"' in body
    assert reverse("lookup") in body


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("giay phep xay dung", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký khai sinh"),
        ("dang ky khai sinh", "Đăng ký khai sinh", "Cấp giấy phép xây dựng"),
        ("Đăng ký khai sinh", "Đăng ký khai sinh", "Cấp giấy phép xây dựng"),
        ("đăng ky", "Đăng ký khai sinh", "Cấp giấy phép xây dựng"),
        ("GIẤY PHÉP", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký khai sinh"),
        ("1.013225", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký khai sinh"),
    ],
)
def test_catalogue_search_ignores_diacritics(client, world, query, expected, absent):
    response = client.get(reverse("catalogue"), {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert expected in body
    assert absent not in body


def test_catalogue_filters_by_level_and_field(client, world):
    other_field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    Procedure.objects.filter(pk=world.commune_proc.pk).update(field=other_field)

    body = client.get(reverse("catalogue"), {"level": "commune"}).content.decode()
    assert "Đăng ký khai sinh" in body and "Cấp giấy phép xây dựng" not in body

    body = client.get(reverse("catalogue"), {"level": "province"}).content.decode()
    assert "Đăng ký khai sinh" not in body and "Cấp giấy phép xây dựng" in body

    body = client.get(reverse("catalogue"), {"field": "ho-tich"}).content.decode()
    assert "Đăng ký khai sinh" in body and "Cấp giấy phép xây dựng" not in body


def test_catalogue_is_paginated_and_keeps_the_query(client, world):
    for i in range(25):
        factories.procedure(
            world.dept, code=f"9.{i:06d}", name=f"Thủ tục thử {i:02d}", components=0
        )
    first = client.get(reverse("catalogue"), {"q": "thu tuc thu"}).content.decode()
    assert "Tìm thấy 25 thủ tục" in first
    assert "trang=2" in first and "q=thu+tuc+thu" in first
    second = client.get(reverse("catalogue"), {"q": "thu tuc thu", "trang": 2}).content.decode()
    assert "Thủ tục thử 24" in second and "Thủ tục thử 00" not in second


def test_procedure_page_shows_everything_a_citizen_needs(client, world):
    proc = world.proc
    proc.fee_vnd, proc.charge_vnd = 0, 75000
    proc.fee_note = "Miễn lệ phí đối với hộ nghèo"
    proc.legal_basis = "Luật Xây dựng 2014"
    proc.processing_days = Decimal("1.5")
    proc.save()
    body = client.get(reverse("procedure_detail", args=[proc.code])).content.decode()
    for text in [
        proc.name,
        proc.code,
        "Xây dựng",
        "Cấp tỉnh",
        "Toàn trình",
        "1,5 ngày làm việc",
        "75.000",
        "Miễn lệ phí đối với hộ nghèo",
        "Giấy phép",
        "Sở Xây dựng",
        "Luật Xây dựng 2014",
        "Giấy tờ số 1",
        "Giấy tờ số 2",
        "Nộp hồ sơ trực tuyến",
    ]:
        assert text in body, text
    assert reverse("submit", args=[proc.code]) in body


def test_unknown_procedure_is_404_in_vietnamese(client, world):
    response = client.get(reverse("procedure_detail", args=["0.000000"]))
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


# --- submission -----------------------------------------------------------------------


def test_submission_requires_login(client, world):
    url = reverse("submit", args=[world.proc.code])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_officer_cannot_submit_online_and_is_told_why(client, world):
    client.force_login(world.desk)
    response = client.get(reverse("submit", args=[world.proc.code]))
    assert response.status_code == 403
    assert "Tài khoản cán bộ không nộp hồ sơ trực tuyến" in response.content.decode()


def test_submission_form_is_prefilled_and_has_one_input_per_component(client, world):
    world.citizen.email = "an@example.vn"
    world.citizen.save()
    client.force_login(world.citizen)
    body = client.get(reverse("submit", args=[world.proc.code])).content.decode()
    assert 'value="Nguyễn Văn Dân"' in body
    assert 'value="an@example.vn"' in body
    for c in world.proc.components.all():
        assert f'name="component_{c.pk}"' in body
    assert 'name="commune"' not in body  # provincial procedure: its own agency


def test_online_submission_creates_dossier_and_shows_code_and_intake_deadline(client, world):
    client.force_login(world.citizen)
    url = reverse("submit", args=[world.proc.code])
    response = client.post(url, {**_applicant_post(), **_files_for(world.proc)})
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("submit_done", args=[dossier.code])
    assert dossier.channel == Channel.ONLINE
    assert dossier.applicant == world.citizen
    assert dossier.applicant_id_number == "001090000001"
    assert dossier.subject == "Xây nhà ở riêng lẻ 3 tầng"
    assert dossier.attachments.count() == 2

    body = client.get(response["Location"]).content.decode()
    assert dossier.code in body
    assert "Hạn tiếp nhận hồ sơ" in body
    assert timezone.localtime(dossier.intake_due_at).strftime("%H:%M %d/%m/%Y") in body

    # The next form remembers what the citizen typed last time.
    again = client.get(url).content.decode()
    assert 'value="001090000001"' in again


def test_commune_procedure_needs_a_commune(client, world):
    client.force_login(world.citizen)
    url = reverse("submit", args=[world.commune_proc.code])
    body = client.get(url).content.decode()
    assert 'name="commune"' in body and "UBND Phường Hoa Lư" in body

    response = client.post(url, {**_applicant_post(), **_files_for(world.commune_proc)})
    assert response.status_code == 400
    assert "Vui lòng chọn UBND cấp xã" in response.content.decode()
    assert not Dossier.objects.exists()

    response = client.post(
        url,
        {**_applicant_post(commune=world.commune.pk), **_files_for(world.commune_proc)},
    )
    assert response.status_code == 302
    assert Dossier.objects.get().agency == world.commune


def test_bad_file_shows_vietnamese_error_keeps_values_and_creates_nothing(client, world, settings):
    client.force_login(world.citizen)
    first = world.proc.components.first()
    response = client.post(
        reverse("submit", args=[world.proc.code]),
        {**_applicant_post(), **_files_for(world.proc, bad=first.pk)},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nội dung tệp “to-khai.pdf” không đúng định dạng pdf." in body
    assert "Hồ sơ chưa được nộp" in body
    assert "cần chọn lại" in body
    # What was typed comes back.
    assert 'value="Số 1 đường Tràng An, Ninh Bình"' in body
    assert 'value="Xây nhà ở riêng lẻ 3 tầng"' in body
    assert not Dossier.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_wrong_id_number_is_reported_by_the_service(client, world):
    client.force_login(world.citizen)
    response = client.post(
        reverse("submit", args=[world.proc.code]),
        {**_applicant_post(id_number="12345"), **_files_for(world.proc)},
    )
    assert response.status_code == 400
    assert "Số định danh cá nhân phải gồm 12 chữ số" in response.content.decode()
    assert not Dossier.objects.exists()


def test_missing_required_component_is_refused(client, world):
    client.force_login(world.citizen)
    files = _files_for(world.proc)
    files.pop(next(iter(files)))
    response = client.post(
        reverse("submit", args=[world.proc.code]), {**_applicant_post(), **files}
    )
    assert response.status_code == 400
    assert "Vui lòng chọn tệp cho thành phần hồ sơ bắt buộc này." in response.content.decode()
    assert not Dossier.objects.exists()


def test_sending_the_same_form_twice_creates_one_dossier(client, world):
    client.force_login(world.citizen)
    url = reverse("submit", args=[world.proc.code])
    key = "a" * 32
    first = client.post(url, {**_applicant_post(idempotency_key=key), **_files_for(world.proc)})
    second = client.post(url, {**_applicant_post(idempotency_key=key), **_files_for(world.proc)})
    assert first["Location"] == second["Location"]
    assert Dossier.objects.count() == 1


# --- lookup ---------------------------------------------------------------------------


def test_lookup_requires_the_id_number(client, world):
    dossier = world.submit_online()
    response = client.post(reverse("lookup"), {"code": dossier.code})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Vui lòng nhập số định danh cá nhân" in body
    assert "Mới đăng ký" not in body

    body = client.post(
        reverse("lookup"), {"code": dossier.code, "id_number": "001090000999"}
    ).content.decode()
    assert "Không tìm thấy hồ sơ" in body and "Mới đăng ký" not in body


def test_lookup_shows_status_and_dates_to_anyone_and_history_to_the_owner(client, world):
    dossier = services.receive(world.submit_online(), world.desk)
    form = {"code": dossier.code, "id_number": "001090000001"}
    body = client.post(reverse("lookup"), form).content.decode()
    assert "Được tiếp nhận" in body
    assert "Ngày hẹn trả kết quả" in body
    assert "Quá trình xử lý" not in body  # anonymous: no history

    client.force_login(world.other_citizen)
    body = client.post(reverse("lookup"), form).content.decode()
    assert "Được tiếp nhận" in body and "Quá trình xử lý" not in body

    client.force_login(world.citizen)
    body = client.post(reverse("lookup"), form).content.decode()
    assert "Quá trình xử lý" in body
    assert "Tiếp nhận hồ sơ" in body and "Nộp hồ sơ" in body


def test_lookup_prefills_code_from_link_but_never_the_id(client, world):
    body = client.get(reverse("lookup"), {"ma": "000.00.01.H37-250101-0001"}).content.decode()
    assert 'value="000.00.01.H37-250101-0001"' in body


# --- my dossiers ----------------------------------------------------------------------


def test_my_dossiers_lists_only_mine(client, world):
    mine = world.submit_online()
    theirs = world.submit_online(user=world.other_citizen)
    client.force_login(world.citizen)
    body = client.get(reverse("my_dossiers")).content.decode()
    assert mine.code in body and theirs.code not in body
    assert reverse("my_dossier_detail", args=[mine.code]) in body


def test_detail_page_is_owner_only(client, world):
    dossier = world.submit_online()
    url = reverse("my_dossier_detail", args=[dossier.code])
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(world.desk)  # officers use the desk page, not this one
    assert client.get(url).status_code == 404
    client.force_login(world.citizen)
    response = client.get(url)
    assert response.status_code == 200
    assert "Mới đăng ký" in response.content.decode()


def test_citizen_withdraws_with_a_reason(client, world):
    dossier = world.submit_online()
    client.force_login(world.citizen)
    url = reverse("my_dossier_withdraw", args=[dossier.code])
    assert (
        "Rút hồ sơ"
        in client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    )

    response = client.post(url, {"reason": "ok"})
    assert response.status_code == 400
    assert "Cần ghi rõ lý do rút hồ sơ." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED

    response = client.post(url, {"reason": "Nộp nhầm thủ tục"}, follow=True)
    assert "Đã gửi yêu cầu rút hồ sơ" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    # Closed: the form is gone.
    assert 'action="' + url + '"' not in response.content.decode()


def test_other_citizen_cannot_withdraw(client, world):
    dossier = world.submit_online()
    client.force_login(world.other_citizen)
    response = client.post(
        reverse("my_dossier_withdraw", args=[dossier.code]), {"reason": "Không phải của tôi"}
    )
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_citizen_provides_supplement_when_asked(client, world):
    dossier = world.submit_online()
    services.request_supplement(
        dossier, world.desk, factories.missing("Bản vẽ thiết kế", "Giấy chứng nhận QSDĐ")
    )
    client.force_login(world.citizen)
    body = client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    assert "Bản vẽ thiết kế" in body and "Giấy chứng nhận QSDĐ" in body
    url = reverse("my_dossier_supplement", args=[dossier.code])
    assert url in body

    response = client.post(url, {})
    assert response.status_code == 400
    assert "Vui lòng chọn ít nhất một tệp." in response.content.decode()

    response = client.post(
        url, {"files": [factories.pdf("ban-ve.pdf"), factories.pdf("gcn.pdf")]}, follow=True
    )
    assert "Đã nộp giấy tờ bổ sung" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.attachments.filter(kind=Attachment.Kind.SUPPLEMENT).count() == 2


def _returned(world) -> Dossier:
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.approve(dossier, world.leader)
    dossier = services.finish(
        dossier, world.specialist, uploads=[services.Upload(factories.pdf("giay-phep.pdf"))]
    )
    return dossier


def test_result_is_downloadable_by_the_owner_once_returned(client, world):
    dossier = _returned(world)
    result = dossier.attachments.get(kind=Attachment.Kind.RESULT)
    url = reverse("attachment_download", args=[result.pk])
    client.force_login(world.citizen)
    assert client.get(url).status_code == 404  # finished, not yet returned

    services.return_result(dossier, world.desk, "online")
    body = client.get(reverse("my_dossier_detail", args=[dossier.code])).content.decode()
    assert "Đã trả kết quả" in body and url in body
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


# --- forms 01-05 of TT 03/2025 --------------------------------------------------------

MY_NOTICES = [
    "my_receipt_notice",
    "my_supplement_notice",
    "my_refusal_notice",
    "my_apology_notice",
    "my_stop_notice",
]


def _my_notice_links(body: str, code: str) -> set[str]:
    return {name for name in MY_NOTICES if reverse(name, args=[code]) in body}


def _detail(client, dossier) -> str:
    response = client.get(reverse("my_dossier_detail", args=[dossier.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_notice_links_only_when_the_form_exists(client, world):
    client.force_login(world.citizen)
    plain = world.submit_online()
    assert _my_notice_links(_detail(client, plain), plain.code) == set()

    asked = services.request_supplement(
        world.submit_online(), world.desk, factories.missing("Bản vẽ thiết kế")
    )
    body = _detail(client, asked)
    assert _my_notice_links(body, asked.code) == {"my_supplement_notice"}
    assert "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)" in body

    refused = services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    assert _my_notice_links(_detail(client, refused), refused.code) == {"my_refusal_notice"}

    late = services.receive(world.submit_online(), world.desk)
    late = services.apologise(late, world.desk, late.due_at + dt.timedelta(days=5), "Cần xác minh")
    assert _my_notice_links(_detail(client, late), late.code) == {
        "my_receipt_notice",
        "my_apology_notice",
    }

    stopped = services.stop(
        services.receive(world.submit_online(), world.desk), world.leader, "Lý do dừng"
    )
    body = _detail(client, stopped)
    assert _my_notice_links(body, stopped.code) == {"my_receipt_notice", "my_stop_notice"}
    assert "Thông báo dừng giải quyết hồ sơ (mẫu 05)" in body
    assert "mẫu 06" not in body  # the desk's control sheet is not the applicant's


def _with_my_notice(world, name: str) -> Dossier:
    if name == "my_supplement_notice":
        return services.request_supplement(
            world.submit_online(), world.desk, factories.missing("Bản vẽ")
        )
    if name == "my_refusal_notice":
        return services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    dossier = services.receive(world.submit_online(), world.desk)
    if name == "my_receipt_notice":
        return dossier
    if name == "my_stop_notice":
        return services.stop(dossier, world.leader, "Dừng theo quyết định của cơ quan")
    return services.apologise(
        dossier, world.desk, dossier.due_at + dt.timedelta(days=5), "Cần xác minh"
    )


@pytest.mark.parametrize("name", MY_NOTICES)
def test_notice_pdf_is_for_the_owner_only(client, world, name):
    dossier = _with_my_notice(world, name)
    url = reverse(name, args=[dossier.code])
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(world.desk)  # officers use the desk's copy
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(world.citizen)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # Another form of the same dossier does not exist: 404, not an error page.
    other = "my_stop_notice" if name == "my_refusal_notice" else "my_refusal_notice"
    assert client.get(reverse(other, args=[dossier.code])).status_code == 404


def test_lookup_is_rate_limited_per_client(client, world, settings):
    from django.core.cache import cache

    cache.clear()
    settings.MOTCUA_LOOKUP_LIMIT = 3
    dossier = world.submit_online()
    guesses = [f"00109000{n:04d}" for n in range(4)]
    statuses = [
        client.post(reverse("lookup"), {"code": dossier.code, "id_number": g}).status_code
        for g in guesses
    ]
    assert statuses == [200, 200, 200, 429]
    # Even the right ID number is refused until the window passes: guessing gains nothing.
    response = client.post(
        reverse("lookup"), {"code": dossier.code, "id_number": dossier.applicant_id_number}
    )
    assert response.status_code == 429
    assert "quá nhiều lần" in response.content.decode()
    assert "Mới đăng ký" not in response.content.decode()
    cache.clear()
