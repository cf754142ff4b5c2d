"""Form 01, the receipt and appointment slip, as an A5 PDF."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from decimal import Decimal

import pytest
from pypdf import PdfReader

from motcua.core.problems import InvalidInput
from motcua.dossiers import documents, services
from motcua.dossiers.models import Channel, Dossier
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
        world.submit_online(), world.desk, MISSING, note="Bản vẽ cần có chữ ký của chủ đầu tư."
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
    event = supplement_asked.events.get(action="request_supplement")
    assert f"{event.at.astimezone(documents.VN_TZ):%d/%m/%Y %H:%M}" in text


def test_supplement_request_lists_each_item_once(supplement_asked):
    event = supplement_asked.events.get(action="request_supplement")
    event.data["missing"] = [MISSING[0], MISSING[1], MISSING[0]]
    event.save()
    assert documents.supplement_request_context(supplement_asked)["missing"] == MISSING


@pytest.mark.parametrize("count", [12, 30])
def test_long_supplement_request_stays_a5_and_complete(world, count):
    items = [f"Bản sao giấy tờ chứng minh điều kiện số {i + 1}" for i in range(count)]
    dossier = services.request_supplement(world.submit_online(), world.desk, items)
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
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text
    assert "DỪNG XỬ LÝ" not in text
    assert refused.code in text
    assert "Thủ tục không thuộc thẩm quyền giải quyết của Sở." in text
    assert "Cán bộ desk" in text


def test_stopped_dossier_gets_the_stop_notice(stopped):
    reader = _reader(documents.refusal_pdf(stopped))
    _assert_one_a5_page(reader)
    text = _flat(_text(reader))
    assert "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ" in text
    assert "TỪ CHỐI" not in text
    assert stopped.code in text
    assert "Người nộp đã chết, không có người thừa kế." in text
    assert "Cán bộ leader" in text


def test_apology_gives_old_and_new_appointments(apologised):
    reader = _reader(documents.apology_pdf(apologised))
    _assert_one_a5_page(reader)
    text = _flat(_text(reader))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
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
    notice = next(n for n, _ in documents.available_notices(dossier))
    reader = _reader(notice.render(dossier))
    names = _font_names(reader)
    assert names and all("Liberation" in n for n in names), names
    assert any("Bold" in n for n in names), names
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in _text(reader)
    # The QR code is vector paths (an SVG), drawn on every form like on form 01.
    assert b"/Image" not in reader.pages[0].get_contents().get_data()


def test_available_notices(received, supplement_asked, refused, stopped, apologised):
    def names(dossier):
        return [(n.name, label) for n, label in documents.available_notices(dossier)]

    assert names(received) == []
    assert [n for n, _ in names(supplement_asked)] == ["supplement"]
    assert names(refused) == [("refusal", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ (mẫu 03)")]
    assert names(stopped) == [("refusal", "Thông báo dừng xử lý hồ sơ (mẫu 03)")]
    assert [n for n, _ in names(apologised)] == ["apology"]
