"""The TT 03/2025/TT-VPCP forms 01-07 as PDF (and 07 as .xlsx)."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from motcua.catalog.models import Component, ServiceCentre
from motcua.core.problems import InvalidInput
from motcua.dossiers import documents, services
from motcua.dossiers.models import (
    EVENT_LABELS,
    Channel,
    Dossier,
    FormText,
    RegisterEntry,
    ReturnMethod,
)
from tests import factories

A5_POINTS = (419.53, 595.28)  # 148 x 210 mm


@pytest.fixture
def received(world) -> Dossier:
    dossier = world.submit_online()
    return services.receive(dossier, world.desk)


@pytest.fixture
def pdf(received) -> PdfReader:
    data = documents.receipt_pdf(received)
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def _text(reader: PdfReader) -> str:
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))


def _font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return names


def test_receipt_is_one_a5_page(pdf):
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert float(box.width) == pytest.approx(A5_POINTS[0], abs=1)
    assert float(box.height) == pytest.approx(A5_POINTS[1], abs=1)


def test_receipt_shows_the_dossier_in_vietnamese(pdf, received, world):
    text = _text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in text
    assert received.code in text
    assert "Nguyễn Văn Dân" in text
    assert received.applicant_id_number in text
    assert world.proc.code in text
    assert "SỞ XÂY DỰNG" in text
    assert "Giấy tờ số 1" in text and "Giấy tờ số 2" in text
    assert "Tệp điện tử" in text
    received_local = received.received_at.astimezone(documents.VN_TZ)
    assert f"{received_local:%d/%m/%Y %H:%M}" in text
    due = received.due_at.astimezone(documents.VN_TZ)
    assert f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}" in text
    # The receiving officer signs; create_officer names him "Cán bộ <username>".
    assert "Cán bộ desk" in text


def test_receipt_embeds_liberation_serif(pdf):
    names = _font_names(pdf)
    assert names and all("Liberation" in n for n in names), names
    assert any("Bold" in n for n in names), names  # real bold face, not a synthetic one


def test_desk_dossier_lists_paper_components(world):
    dossier = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel=Channel.DESK,
    ).dossier
    text = _text(PdfReader(io.BytesIO(documents.receipt_pdf(dossier))))
    assert "Bản giấy" in text
    assert dossier.code in text


def test_not_received_dossier_is_refused(world):
    dossier = world.submit_online()
    with pytest.raises(InvalidInput) as err:
        documents.receipt_pdf(dossier)
    assert err.value.code == "not_received"
    assert "chưa được tiếp nhận" in err.value.message


def test_qr_payload_holds_code_procedure_and_id(received, world):
    payload = documents.receipt_qr_payload(received)
    assert payload.split("|") == [received.code, world.proc.code, "001090000001"]


def test_qr_svg_is_a_vector_image():
    svg = documents.qr_svg("000.00.01.H37-260105-0001|1.013225|001090000001")
    assert svg.lstrip().startswith(("<svg", "<?xml"))
    assert "<svg" in svg and "<path" in svg and svg.rstrip().endswith("</svg>")
    assert documents.svg_data_uri(svg).startswith("data:image/svg+xml;base64,")


def test_formatting_helpers():
    at = dt.datetime(2026, 1, 5, 7, 30, tzinfo=dt.UTC)  # 14:30 in Hanoi
    assert documents.format_datetime(at) == "05/01/2026 14:30"
    assert documents.format_appointment(at) == "14 giờ 30 phút, ngày 05/01/2026"
    assert documents.format_date_line("Ninh Bình", dt.date(2026, 2, 3)) == (
        "Ninh Bình, ngày 03 tháng 02 năm 2026"
    )
    assert documents.format_date_line("Ninh Bình", dt.date(2026, 11, 20)) == (
        "Ninh Bình, ngày 20 tháng 11 năm 2026"
    )
    assert documents.format_days(Decimal("3.00")) == "3"
    assert documents.format_days(Decimal("0.50")) == "0,5"
    assert documents.format_vnd(1500000) == "1.500.000 đồng"


def test_date_line_uses_the_agency_place(received):
    assert documents.place_name(received.agency) == "Ninh Bình"
    assert documents.receipt_context(received)["date_line"].startswith("Ninh Bình, ngày ")


def test_long_component_list_stays_a5_and_complete(world):
    proc = factories.procedure(world.dept, code="1.004227", components=0)
    for i in range(12):
        proc.components.create(name=f"Bản sao giấy tờ chứng minh số {i + 1}", order=i)
    dossier = services.submit(
        procedure=proc, applicant=factories.applicant(), actor=world.desk, channel=Channel.DESK
    ).dossier
    reader = PdfReader(io.BytesIO(documents.receipt_pdf(dossier)))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A5_POINTS[0], abs=1)
    text = _text(reader)
    assert "Bản sao giấy tờ chứng minh số 12" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text


# --- forms 02, 03 and 04 --------------------------------------------------------------

MISSING = ["Bản vẽ thiết kế xây dựng", "Giấy chứng nhận quyền sử dụng đất (bản sao)"]


@pytest.fixture
def supplement_asked(world) -> Dossier:
    return services.request_supplement(
        world.submit_online(),
        world.desk,
        [services.MissingItem(m, f"Còn thiếu: {m.lower()}") for m in MISSING],
        note="Bản vẽ cần có chữ ký của chủ đầu tư.",
    )


@pytest.fixture
def refused(world) -> Dossier:
    return services.refuse(
        world.submit_online(), world.desk, "Thủ tục không thuộc thẩm quyền giải quyết của Sở."
    )


@pytest.fixture
def stopped(world) -> Dossier:
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    return services.stop(dossier, world.leader, "Người nộp đã chết, không có người thừa kế.")


@pytest.fixture
def apologised(world) -> Dossier:
    dossier = services.receive(world.submit_online(), world.desk)
    new_due = dossier.due_at + dt.timedelta(days=7)
    return services.apologise(dossier, world.leader, new_due, "Cần xác minh thực địa.")


def _reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def _assert_one_a5_page(reader: PdfReader) -> None:
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A5_POINTS[0], abs=1)
    assert float(box.height) == pytest.approx(A5_POINTS[1], abs=1)


def _flat(text: str) -> str:
    """Extracted text with line breaks folded: long lines wrap anywhere."""
    return " ".join(text.split())


def test_supplement_request_lists_everything_missing(supplement_asked, world):
    reader = _reader(documents.supplement_request_pdf(supplement_asked))
    _assert_one_a5_page(reader)
    text = _flat(_text(reader))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert supplement_asked.code in text
    assert "Nguyễn Văn Dân" in text and world.proc.name in text
    for item in MISSING:
        assert item in text
    assert "Bản vẽ cần có chữ ký của chủ đầu tư." in text
    assert "một lần" in text  # the rule: everything missing, once
    assert "Cán bộ desk" in text  # the officer who asked
    assert "lý do: Còn thiếu: bản vẽ thiết kế xây dựng" in text  # each paper with its reason
    event = supplement_asked.events.get(action="request_supplement")
    assert f"{event.at.astimezone(documents.VN_TZ):%d/%m/%Y %H:%M}" in text


def test_supplement_request_lists_each_item_once(supplement_asked):
    event = supplement_asked.events.get(action="request_supplement")
    event.data["items"] = [
        {"item": MISSING[0], "reason": "Lần đầu"},
        {"item": MISSING[1], "reason": "Khác"},
        {"item": MISSING[0], "reason": "Lặp lại"},
    ]
    event.save()
    assert documents.supplement_request_context(supplement_asked)["missing"] == MISSING


@pytest.mark.parametrize("count", [12, 30])
def test_long_supplement_request_stays_a5_and_complete(world, count):
    items = [f"Bản sao giấy tờ chứng minh điều kiện số {i + 1}" for i in range(count)]
    dossier = services.request_supplement(
        world.submit_online(), world.desk, [services.MissingItem(i, "Chưa nộp") for i in items]
    )
    reader = _reader(documents.supplement_request_pdf(dossier))
    if count <= 12:  # denser layout: a dozen items still fit on one page
        _assert_one_a5_page(reader)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A5_POINTS[0], abs=1)
    text = _flat(_text(reader))
    assert items[-1] in text and "NGƯỜI HƯỚNG DẪN" in text


def test_refusal_gives_the_reason(refused):
    reader = _reader(documents.refusal_pdf(refused))
    _assert_one_a5_page(reader)
    text = _flat(_text(reader))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "DỪNG" not in text
    assert refused.code in text
    assert "Thủ tục không thuộc thẩm quyền giải quyết của Sở." in text
    assert "Cán bộ desk" in text


def test_stopped_dossier_gets_the_stop_notice(stopped):
    """Form 05 (TT 03/2025): a stop after receipt (status 8) is its own notice."""
    reader = _reader(documents.stop_pdf(stopped))
    _assert_one_a5_page(reader)
    text = _flat(_text(reader))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "TỪ CHỐI" not in text
    assert stopped.code in text
    assert "Người nộp đã chết, không có người thừa kế." in text
    assert "Cán bộ leader" in text


def test_apology_gives_old_and_new_appointments(apologised):
    reader = _reader(documents.apology_pdf(apologised))
    _assert_one_a5_page(reader)
    text = _flat(_text(reader))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert apologised.code in text
    assert "Cần xác minh thực địa." in text
    event = apologised.events.get(action="apologise")
    for key in ("old_due_at", "new_due_at"):
        due = dt.datetime.fromisoformat(event.data[key])
        assert documents.format_appointment(due) in text
    assert documents.format_appointment(apologised.received_at) in text  # received
    assert "Cán bộ leader" in text


@pytest.mark.parametrize(
    ("render", "code"),
    [
        (documents.supplement_request_pdf, "no_supplement_request"),
        (documents.refusal_pdf, "not_refused"),
        (documents.apology_pdf, "not_apologised"),
        (documents.stop_pdf, "not_stopped"),
    ],
)
def test_missing_event_is_refused(received, render, code):
    with pytest.raises(InvalidInput) as err:
        render(received)
    assert err.value.code == code
    assert received.code in err.value.message and "không có phiếu" in err.value.message


@pytest.mark.parametrize("fixture", ["supplement_asked", "refused", "stopped", "apologised"])
def test_notices_embed_liberation_serif_and_carry_the_qr_code(request, fixture):
    dossier = request.getfixturevalue(fixture)
    notice = next(n for n, _ in documents.available_notices(dossier) if n.actions)
    reader = _reader(notice.render(dossier))
    names = _font_names(reader)
    assert names and all("Liberation" in n for n in names), names
    assert any("Bold" in n for n in names), names
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in _text(reader)
    # The QR code is vector paths (an SVG), drawn on every form like on form 01.
    assert b"/Image" not in reader.pages[0].get_contents().get_data()


def test_available_notices(received, supplement_asked, refused, stopped, apologised):
    def names(dossier, **kwargs):
        return [n.name for n, _ in documents.available_notices(dossier, **kwargs)]

    # The control sheet (06) always exists for the desk; form 01 has its own desk link.
    assert names(received) == ["control"]
    assert names(supplement_asked) == ["supplement", "control"]
    assert names(refused) == ["refusal", "control"]
    assert names(stopped) == ["stop", "control"]
    assert names(apologised) == ["apology", "control"]
    # The applicant gets 01-05, never the desk's control sheet.
    assert names(received, applicant=True) == ["receipt"]
    assert names(stopped, applicant=True) == ["receipt", "stop"]
    assert names(refused, applicant=True) == ["refusal"]
    labels = dict((n.name, label) for n, label in documents.available_notices(stopped))
    assert labels["stop"] == "Thông báo dừng giải quyết hồ sơ (mẫu 05)"
    assert labels["control"] == "Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 06)"


# --- TT 03/2025: the configured unit, titles, QR, forms 05-07, wording as data ------------

A4_POINTS = (595.28, 841.89)
CENTRE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"


@pytest.fixture
def centre(world) -> ServiceCentre:
    """NĐ 118/2025: the province's centre receives for the two departments."""
    obj = ServiceCentre.objects.create(
        name=CENTRE_NAME,
        parent_line="UBND TỈNH NINH BÌNH",
        unit=factories.unit(),
        address="Số 2 đường Lê Hồng Phong",
        book_code="TTPVHCC",
    )
    obj.agencies.set([world.dept, world.other_dept])
    return obj


@pytest.fixture
def branch(world, centre) -> ServiceCentre:
    obj = ServiceCentre.objects.create(
        name="Chi nhánh số 1 – Trung tâm Phục vụ hành chính công Ninh Bình",
        parent_line="UBND TỈNH NINH BÌNH",
        parent=centre,
        unit=factories.unit(),
        book_code="CN1",
    )
    obj.agencies.set([world.commune])
    return obj


def _all_forms(world) -> dict[int, tuple[Dossier, bytes]]:
    """One dossier per form 01-06, each rendered."""
    received = services.receive(world.submit_online(), world.desk)
    asked = services.request_supplement(
        world.submit_online(), world.desk, [services.MissingItem(MISSING[0], "Chưa có")]
    )
    refused = services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền.")
    late = services.receive(world.submit_online(), world.desk)
    late = services.apologise(late, world.leader, late.due_at + dt.timedelta(days=7), "Xác minh.")
    stopped = services.receive(world.submit_online(), world.desk)
    stopped = services.stop(stopped, world.leader, "Người nộp đề nghị dừng giải quyết.")
    return {
        1: (received, documents.receipt_pdf(received)),
        2: (asked, documents.supplement_request_pdf(asked)),
        3: (refused, documents.refusal_pdf(refused)),
        4: (late, documents.apology_pdf(late)),
        5: (stopped, documents.stop_pdf(stopped)),
        6: (late, documents.control_sheet_pdf(late)),
    }


TT03_TITLES = {
    1: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    2: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    3: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    4: "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    5: "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    6: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
}


def test_every_form_has_its_tt03_title_and_the_configured_unit(world, centre):
    """TT 03/2025 Appendix I titles; NĐ 118/2025: the desk's forms are headed by the
    configured Trung tâm Phục vụ hành chính công, never by "Sở … / Bộ phận tiếp nhận"."""
    for form, (_dossier, data) in _all_forms(world).items():
        text = _flat(_text(_reader(data)))
        assert TT03_TITLES[form] in text, form
        assert "BỘ PHẬN TIẾP NHẬN" not in text and "Bộ phận tiếp nhận" not in text, form
        if form in (4, 5):
            # The late or stopping agency writes in its own name.
            assert "SỞ XÂY DỰNG" in text, form
            continue
        head = text[: text.index("CỘNG HÒA")]
        assert "UBND TỈNH NINH BÌNH" in head and CENTRE_NAME.upper() in head, form
        assert "SỞ" not in head, form


def test_unconfigured_agency_falls_back_to_its_own_one_stop_desk(received):
    text = _flat(_text(_reader(documents.receipt_pdf(received))))
    head = text[: text.index("CỘNG HÒA")]
    assert "SỞ XÂY DỰNG" in head and "BỘ PHẬN MỘT CỬA" in head


def test_a_branch_heads_the_forms_of_the_communes_it_serves(world, branch):
    dossier = world.submit_online(procedure=world.commune_proc, agency=world.commune)
    dossier = services.receive(dossier, world.commune_desk)
    context = documents.receipt_context(dossier)
    assert context["issuer"].centre == branch
    assert context["register"].book == f"CN1-{dossier.received_at.astimezone(documents.VN_TZ).year}"


@pytest.mark.parametrize("form", [1, 2, 3, 4, 5, 6])
def test_every_form_carries_the_qr_code_of_the_dossier(world, centre, form):
    """Top-left QR: at least the dossier code, the procedure code and the applicant's ID."""
    dossier, data = _all_forms(world)[form]
    context = {
        1: documents.receipt_context,
        2: documents.supplement_request_context,
        3: documents.refusal_context,
        4: documents.apology_context,
        5: documents.stop_context,
        6: documents.control_sheet_context,
    }[form](dossier)
    assert context["qr_payload"].split("|") == [dossier.code, world.proc.code, "001090000001"]
    assert context["qr_src"] == documents.svg_data_uri(documents.qr_svg(context["qr_payload"]))
    # Vector paths (the SVG drawn inline), not a raster image.
    assert b"/Image" not in _reader(data).pages[0].get_contents().get_data()


def test_receipt_shows_copy_kind_channel_and_register_entry(world, centre):
    component = world.proc.components.first()
    component.copy_kind = Component.CopyKind.CERTIFIED
    component.save()
    first = services.receive(world.submit_online(), world.desk)
    second = services.receive(world.submit_online(), world.desk)
    entry = second.register_entry
    year = second.received_at.astimezone(documents.VN_TZ).year
    assert (entry.book, entry.number) == (f"TTPVHCC-{year}", first.register_entry.number + 1)
    assert entry.centre == centre
    text = _flat(_text(_reader(documents.receipt_pdf(second))))
    assert "Bản sao chứng thực" in text and "Bản chính" in text
    assert f"quyển số TTPVHCC-{year}, số thứ tự {entry.number}" in text
    assert "Hình thức nhận kết quả:" in text
    assert CENTRE_NAME in text


def test_receipt_names_the_postal_address_when_the_result_goes_by_post(world, centre):
    dossier = services.receive(world.submit_online(), world.desk)
    if not hasattr(dossier, "return_channel"):
        dossier.return_method = ReturnMethod.POST  # before the return channel field lands
    else:
        dossier.return_channel = ReturnMethod.POST
        dossier.return_address = "Số 5 ngõ 12 phố Trần Hưng Đạo"
    dossier.applicant_address = "Số 5 ngõ 12 phố Trần Hưng Đạo"
    text = _flat(_text(_reader(documents.receipt_pdf(dossier))))
    assert "Qua dịch vụ bưu chính công ích, đến địa chỉ: Số 5 ngõ 12 phố Trần Hưng Đạo" in text


def test_register_numbers_are_per_unit_and_year(world, centre, branch):
    a = services.receive(world.submit_online(), world.desk)
    b = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.other_desk,
        channel=Channel.DESK,
    ).dossier
    c = services.receive(
        world.submit_online(procedure=world.commune_proc, agency=world.commune),
        world.commune_desk,
    )
    # Both departments write in the centre's book, one sequence; the branch has its own.
    assert [a.register_entry.number, b.register_entry.number] == [1, 2]
    assert c.register_entry.number == 1 and c.register_entry.centre == branch


def test_reprint_after_apology_shows_both_appointments(world, centre):
    dossier = services.receive(world.submit_online(), world.desk)
    first_due = dossier.due_at
    new_due = first_due + dt.timedelta(days=7)
    dossier = services.apologise(dossier, world.leader, new_due, "Cần xác minh thực địa.")
    text = _flat(_text(_reader(documents.receipt_pdf(dossier))))
    assert documents.format_appointment(first_due) in text
    assert documents.format_appointment(new_due) in text
    assert "hẹn lại theo văn bản xin lỗi" in text


def test_control_sheet_lists_every_event(world, centre):
    """Form 06: one line per step of the event log, giver, taker, time, due, result."""
    dossier = services.receive(world.submit_online(), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.stop(dossier, world.leader, "Người nộp đề nghị dừng giải quyết.")
    events = list(dossier.events.order_by("at", "id"))
    rows = documents.control_rows(dossier)
    assert [r.step for r in rows] == [EVENT_LABELS[e.action] for e in events]
    assign = rows[[e.action for e in events].index("assign")]
    assert assign.giver == "Cán bộ desk" and assign.receiver == "Cán bộ specialist"
    assert assign.receiver_unit == "Sở Xây dựng" and assign.due
    reader = _reader(documents.control_sheet_pdf(dossier))
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_POINTS[0], abs=1)
    text = _flat(_text(reader))
    for event in events:
        assert EVENT_LABELS[event.action] in text
        assert documents.format_datetime(event.at) in text
    assert "Người nộp đề nghị dừng giải quyết." in text


def test_timeliness_grades():
    due = dt.datetime(2026, 3, 10, 10, 0, tzinfo=documents.VN_TZ)
    assert documents._timeliness(due - dt.timedelta(days=1), due, True) == "Trước hạn"
    assert documents._timeliness(due - dt.timedelta(hours=1), due, True) == "Đúng hạn"
    assert documents._timeliness(due + dt.timedelta(minutes=1), due, True) == "Quá hạn"
    assert documents._timeliness(None, due, False) == ""
    assert documents._timeliness(None, None, True) == ""


def _received_on(world, day: dt.date, agency_desk=None) -> Dossier:
    dossier = services.receive(world.submit_online(), agency_desk or world.desk)
    at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=documents.VN_TZ)
    RegisterEntry.objects.filter(dossier=dossier).update(received_at=at)
    return dossier


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet's rows as text, read back with the standard library."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "[Content_Types].xml" in archive.namelist()
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))  # noqa: S314 - ours
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = []
        for c in row.findall("m:c", ns):
            kind = c.get("t")
            if kind == "inlineStr":
                cells.append("".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t")))
            elif kind == "s":
                cells.append(shared[int(c.find("m:v", ns).text)])
            else:
                v = c.find("m:v", ns)
                cells.append(v.text if v is not None else "")
        rows.append(cells)
    return rows


def test_register_counts_match_the_period_in_pdf_and_xlsx(world, centre):
    """Form 07: the dossiers received in the period, in register order, both formats."""
    inside = [_received_on(world, dt.date(2026, 3, d)) for d in (2, 15, 31)]
    _received_on(world, dt.date(2026, 2, 28))  # the day before
    _received_on(world, dt.date(2026, 4, 1))  # the day after
    book = documents.RegisterBook(centre, None)
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    assert [e.dossier for e in documents.register_entries(book, start, end)] == inside

    rows = _xlsx_rows(documents.register_xlsx(book, start, end))
    header = rows.index([c for c, _ in documents.REGISTER_COLUMNS])
    lines = [r for r in rows[header + 1 :] if len(r) == len(documents.REGISTER_COLUMNS)]
    assert [r[1] for r in lines] == [d.code for d in inside]
    assert [r[0] for r in lines] == [str(d.register_entry.number) for d in inside]
    assert lines[0][4] == "Nguyễn Văn Dân" and lines[0][2] == world.proc.name
    assert rows[1][0] == "SỔ THEO DÕI HỒ SƠ"

    reader = _reader(documents.register_pdf(book, start, end))
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_POINTS[1], abs=1)  # landscape
    assert float(box.height) == pytest.approx(A4_POINTS[0], abs=1)
    text = _flat(_text(reader))
    assert "SỔ THEO DÕI HỒ SƠ" in text and CENTRE_NAME.upper() in text
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    assert "Tổng số: 3 hồ sơ" in text
    for dossier in inside:
        assert dossier.code in text.replace(" ", "") or dossier.code in text


def test_register_of_an_agency_without_a_centre(world):
    dossier = _received_on(world, dt.date(2026, 5, 4))
    (book,) = documents.register_books(world.dept)
    assert book.centre is None and book.agency == world.dept
    assert dossier.register_entry.book == f"{world.dept.identifier}-2026"
    rows = list(
        documents.register_rows(
            documents.register_entries(book, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
        )
    )
    assert [r[1] for r in rows] == [dossier.code]
    assert documents.register_rows  # empty period: no lines, still a valid workbook
    empty = _xlsx_rows(documents.register_xlsx(book, dt.date(2026, 6, 1), dt.date(2026, 6, 30)))
    assert empty[1][0] == "SỔ THEO DÕI HỒ SƠ"


def test_admin_correction_shows_in_the_next_pdf(admin_client, received):
    """Wording is data: an administrator corrects a block in the admin, no release."""
    row = FormText.objects.get(form=1, key="intro")  # seeded after migrate
    assert row.text == documents.DEFAULT_TEXTS[1]["intro"][1]
    listing = admin_client.get("/admin/dossiers/formtext/?form__exact=1")
    assert listing.status_code == 200 and "Giấy tiếp nhận hồ sơ" in listing.content.decode()
    page = admin_client.get(f"/admin/dossiers/formtext/{row.pk}/change/").content.decode()
    assert "{unit}: đơn vị tiếp nhận" in page  # the placeholders are explained
    response = admin_client.post(
        f"/admin/dossiers/formtext/{row.pk}/change/",
        {"text": "{unit} đã nhận đủ hồ sơ (đã sửa lời văn) của:"},
    )
    assert response.status_code == 302, response.content[:500]
    text = _flat(_text(_reader(documents.receipt_pdf(received))))
    assert "đã nhận đủ hồ sơ (đã sửa lời văn) của:" in text
    assert "{unit}" not in text and "Bộ phận Một cửa – Sở Xây dựng" in text
    # Emptied: the shipped default again.
    FormText.objects.filter(pk=row.pk).update(text="  ")
    assert "tiếp nhận hồ sơ của:" in _flat(_text(_reader(documents.receipt_pdf(received))))


def test_unknown_placeholders_are_printed_as_typed():
    assert documents.fill("{unit} – {__class__} – {x.y}", {"unit": "TT"}) == (
        "TT – {__class__} – {x.y}"
    )


def test_seed_keeps_corrections_and_adds_missing_blocks(db):
    FormText.objects.filter(form=2, key="body").update(text="Sửa.")
    FormText.objects.filter(form=7).delete()
    assert documents.seed_form_texts() == len(documents.DEFAULT_TEXTS[7])
    assert FormText.objects.get(form=2, key="body").text == "Sửa."


def test_forms_are_sealed_when_a_sealer_is_plugged_in(received):
    calls = []

    def sealer(data, agency, reason):
        calls.append((agency, reason))
        return data + b"%sealed"

    previous = documents._sealer  # the signing app's, registered at start-up
    documents.register_sealer(sealer)
    try:
        assert documents.receipt_pdf(received).endswith(b"%sealed")
    finally:
        documents.register_sealer(previous)
    assert calls == [(received.agency, "Mẫu số 01")]
    assert not documents.receipt_pdf(received).endswith(b"%sealed")


def test_receipt_keeps_the_version_the_dossier_was_filed_under(received, world):
    """A change of terms after filing (a component renamed away, one added, the fee and
    the time limit changed) does not rewrite the receipt of a dossier filed before it; a
    dossier filed after it is bound to the new version and its receipt says so."""
    from motcua.catalog import services as catalog_services

    proc = world.proc
    proc.refresh_from_db()  # as an editor would load it: with its current version
    before = _text(PdfReader(io.BytesIO(documents.receipt_pdf(received))))
    old_context = documents.receipt_context(received)
    first = proc.components.order_by("order", "pk").first()
    old_name = first.name
    first.name = "Giấy tờ mới theo phiên bản 2"
    first.save()
    Component.objects.create(
        procedure=proc, name="Tờ khai bổ sung", copies=2, required=True, order=9
    )
    proc.fee_vnd += 50_000
    proc.processing_days = Decimal(proc.processing_days) + 5
    proc.save()
    version = catalog_services.record_local_change(proc)
    assert version is not None and version.number == received.procedure_version.number + 1
    assert catalog_services.record_local_change(proc) is None  # nothing more changed

    received.refresh_from_db()
    assert _text(PdfReader(io.BytesIO(documents.receipt_pdf(received)))) == before
    context = documents.receipt_context(received)
    assert [r.name for r in context["rows"]] == [r.name for r in old_context["rows"]]
    assert old_name in [r.name for r in context["rows"]]
    assert (context["fee"], context["time_limit"]) == (
        old_context["fee"],
        old_context["time_limit"],
    )
    # The renamed component's file is still counted, as a file the version does not list.
    assert context["file_count"] == old_context["file_count"]

    later = services.receive(world.submit_online(), world.desk)
    assert later.procedure_version_id == version.pk
    new = documents.receipt_context(later)
    names = [r.name for r in new["rows"]]
    assert "Giấy tờ mới theo phiên bản 2" in names and "Tờ khai bổ sung" in names
    assert new["fee"] == documents.format_vnd(proc.fee_vnd + proc.charge_vnd)
    assert new["time_limit"] != old_context["time_limit"]
