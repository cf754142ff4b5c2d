"""The SMS variant: diacritics stripped (đ included), GSM-7 alphabet, segment counts."""

import pytest

from motcua.notify import templating, text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Hồ sơ đã được tiếp nhận", "Ho so da duoc tiep nhan"),
        ("ĐĂNG KÝ KHAI SINH", "DANG KY KHAI SINH"),
        ("Người nộp: Nguyễn Thị Ánh Tuyết", "Nguoi nop: Nguyen Thi Anh Tuyet"),
        ("Phường Hoa Lư, tỉnh Ninh Bình", "Phuong Hoa Lu, tinh Ninh Binh"),
        ("ỹ ỵ ữ ợ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ", "y y u o a a a a a a a a a"),
        ("“Giấy phép” – bản chính…", '"Giay phep" - ban chinh...'),
    ],
)
def test_strip_diacritics(given, expected):
    assert text.strip_diacritics(given) == expected


def test_decomposed_input_is_stripped_too():
    import unicodedata

    assert text.strip_diacritics(unicodedata.normalize("NFD", "Hồ sơ Đà Nẵng")) == "Ho so Da Nang"


def test_gsm7_and_segments():
    assert text.is_gsm7("Ho so H37-251201-0001 da duoc tiep nhan.")
    assert not text.is_gsm7("Hồ sơ")
    assert text.segments("a" * 160) == 1
    assert text.segments("a" * 161) == 2
    assert text.segments("a" * 306) == 2 and text.segments("a" * 307) == 3
    assert text.segments("[" * 80) == 1 and text.segments("[" * 81) == 2  # escape + char
    assert text.segments("ồ" * 70) == 1 and text.segments("ồ" * 71) == 2
    assert text.segments("ồ" * 134) == 2 and text.segments("ồ" * 135) == 3


def test_sms_text_is_gsm7_and_single_line():
    out = text.sms_text("Hồ sơ\ncần   bổ sung ✓ 😀")
    assert out == "Ho so can bo sung ? ?"
    assert text.is_gsm7(out)


def test_render_refuses_nothing_but_fills_only_plain_names():
    body = templating.render("Mã {ma_ho_so} {ma_ho_so.__class__} {khong_co}", {"ma_ho_so": "X"})
    assert body == "Mã X {ma_ho_so.__class__} "
    assert templating.unknown_placeholders("{ma_ho_so} {abc} {}", "received") == ["", "abc"]


def test_sms_shortens_long_fields_to_one_segment():
    values = {
        "ma_ho_so": "000.00.01.H37-251201-0001",
        "giay_to": "Bản vẽ thiết kế mặt bằng, mặt cắt, mặt đứng công trình; " * 4,
        "tra_cuu": "https://dichvucong.ninhbinh.gov.vn/tra-cuu/",
    }
    body, parts = templating.render_sms(
        "Hồ sơ {ma_ho_so} cần bổ sung: {giay_to}. Chi tiết: {tra_cuu}", values
    )
    assert parts == 1 and len(body) <= 160
    assert body.startswith("Ho so 000.00.01.H37-251201-0001 can bo sung: Ban ve thiet ke")
    assert body.endswith("... Chi tiet: https://dichvucong.ninhbinh.gov.vn/tra-cuu/")


def test_sms_that_cannot_be_shortened_reports_its_segments():
    body, parts = templating.render_sms("{ma_ho_so} " + "x" * 200, {"ma_ho_so": "A"})
    assert parts == 2 and text.segments(body) == 2
