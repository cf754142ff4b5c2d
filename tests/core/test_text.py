"""Input normalisation (core.text) and the form and API fields built on it."""

from __future__ import annotations

import unicodedata

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers

from motcua.core import fields as api_fields
from motcua.core import forms as core_forms
from motcua.core import text
from motcua.core.storage import store
from tests import factories

FULL_WIDTH_ID = "００１０９００００００１"  # U+FF10..: "001090000001"
ARABIC_INDIC_ID = "٠٠١٠٩٠٠٠٠٠٠١"  # U+0660..
DEVANAGARI_ID = "००१०९००००००१"  # U+0966..


# --- core.text ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [FULL_WIDTH_ID, ARABIC_INDIC_ID, DEVANAGARI_ID])
def test_unicode_digits_become_ascii(raw):
    assert text.id_number(raw) == "001090000001"
    assert text.id_number(raw).isascii()


def test_id_number_loses_spaces_and_dots_and_keeps_its_shape_check_apart():
    assert text.id_number(" 001.090 000\u00a0001 ") == "001090000001"
    assert text.id_number("0010\u200b90000001") == "001090000001"
    assert text.is_id_number("001090000001") and text.is_id_number("123456789")
    assert not text.is_id_number("12345") and not text.is_id_number("１２３４５６７８９")


@pytest.mark.parametrize("raw", ["00109000000é", "001-090-000001", "00109000000１x#"])
def test_id_number_refuses_other_characters_in_vietnamese(raw):
    with pytest.raises(text.NotNormalisable, match="Số định danh cá nhân"):
        text.id_number(raw)


def test_phone_is_ascii_digits_with_an_optional_plus():
    assert text.phone("+84 (912) 345-678") == "+84912345678"
    assert text.phone("０９１２.３４５.６７８") == "0912345678"
    for bad in ["0912abc678", "12", "84+912345678", "０９１２ ٣٤٥ ６７８ ☎"]:
        with pytest.raises(text.NotNormalisable, match="Số điện thoại"):
            text.phone(bad)


def test_nfd_input_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    assert text.clean_text(decomposed) == "Nguyễn Thị Ánh"


def test_invisible_and_control_characters_are_removed():
    # RTL override, zero-width space, BOM, word joiner, soft hyphen, NUL, bell.
    raw = "\u202eabc\u202c \u200bdef\ufeff\u2060g\u00adh\x00i\x07"
    assert text.clean_text(raw) == "abc defghi"
    assert text.clean_text("\ud800x") == "x"  # a lone surrogate PostgreSQL cannot store


def test_invisible_only_text_is_empty():
    assert text.clean_text("\u200b\u200c\u200d\ufeff\u2060\u3164 \u00a0\t") == ""
    assert text.clean_text("\u200b\n\u200b\r\n", multiline=True) == ""


def test_single_line_collapses_whitespace_multiline_keeps_lines():
    assert text.clean_text("  Số 1\t\tđường\u3000Tràng\nAn  ") == "Số 1 đường Tràng An"
    raw = "Thiếu:  \r\n- bản vẽ\t thiết kế \u2028- giấy tờ đất\n\n\n\nHết"
    assert text.clean_text(raw, multiline=True) == (
        "Thiếu:\n- bản vẽ thiết kế\n- giấy tờ đất\n\nHết"
    )


def test_long_file_name_keeps_its_extension():
    name = "Bản vẽ " + "x" * 300 + ".pdf"
    cleaned = text.file_name(name, 200)
    assert len(cleaned) == 200
    assert cleaned.endswith("….pdf") and cleaned.startswith("Bản vẽ xxx")


def test_file_name_loses_path_parts_and_invisible_characters():
    assert text.file_name("C:\\Users\\dan\\..\\to-khai.pdf") == "to-khai.pdf"
    assert text.file_name("../../etc/passwd") == "passwd"
    assert text.file_name("hoso\u202efdp.exe") == "hosofdp.exe"  # no longer looks like .pdf
    assert text.file_name("\u200b.pdf") == "pdf"  # no hidden-file names
    assert text.file_name("") == text.FILE_NAME_FALLBACK
    decomposed = unicodedata.normalize("NFD", "Tờ khai.pdf")
    assert text.file_name(decomposed) == "Tờ khai.pdf"


def test_stored_attachment_keeps_the_extension_of_a_long_name():
    upload = SimpleUploadedFile("a" * 300 + ".pdf", factories.PDF)
    stored = store(upload, "dossiers")
    assert len(stored.original_name) == 200
    assert stored.original_name.endswith(".pdf") and stored.path.endswith(".pdf")


# --- form fields ----------------------------------------------------------------------


class PageForm(forms.Form):
    name = core_forms.TextField(max_length=200)
    reason = core_forms.TextField(
        multiline=True, max_length=2000, error_messages={"required": "Vui lòng ghi rõ lý do."}
    )
    id_number = core_forms.IdNumberField()
    phone = core_forms.PhoneField(required=False)


def test_form_fields_normalise():
    form = PageForm(
        {
            "name": unicodedata.normalize("NFD", " Lê\u200b  Văn Cường "),
            "reason": "Đi công tác\r\nxa",
            "id_number": FULL_WIDTH_ID,
            "phone": "＋８４ ９１２ ３４５ ６７８",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "name": "Lê Văn Cường",
        "reason": "Đi công tác\nxa",
        "id_number": "001090000001",
        "phone": "+84912345678",
    }


def test_form_refuses_invisible_only_reason_and_bad_id_in_vietnamese():
    form = PageForm(
        {"name": "\u3164", "reason": "\u200b\u200b\u200b\u200b\u200b", "id_number": "12"}
    )
    assert not form.is_valid()
    assert form.errors["reason"] == ["Vui lòng ghi rõ lý do."]
    assert form.errors["name"] == [str(core_forms.REQUIRED["required"])]
    assert form.errors["id_number"] == [text.ID_NUMBER_SHAPE_MESSAGE]


def test_form_refuses_a_huge_value_before_normalising_it():
    form = PageForm({"name": "a" * 100_000, "reason": "lý do đủ dài", "id_number": "001090000001"})
    assert not form.is_valid()
    assert "200" in form.errors["name"][0]


# --- API fields -----------------------------------------------------------------------


class Body(serializers.Serializer):
    name = api_fields.TextField(max_length=200)
    reason = api_fields.TextField(multiline=True, max_length=2000)
    id_number = api_fields.IdNumberField()
    lookup_id = api_fields.IdNumberField(shape=False, required=False)
    phone = api_fields.PhoneField(required=False, allow_blank=True)


def test_api_fields_normalise():
    body = Body(
        data={
            "name": "Trần\u202e Thị  Bích",
            "reason": "a\u0300 b",
            "id_number": ARABIC_INDIC_ID,
            "lookup_id": "12 3",
            "phone": "",
        }
    )
    assert body.is_valid(), body.errors
    assert body.validated_data == {
        "name": "Trần Thị Bích",
        "reason": "à b",
        "id_number": "001090000001",
        "lookup_id": "123",
        "phone": "",
    }


def test_api_fields_refuse_invisible_only_and_non_ascii_in_vietnamese():
    body = Body(data={"name": "\u200b", "reason": "\ufeff\u2060", "id_number": "00109000000é"})
    assert not body.is_valid()
    assert body.errors["name"] == ["Trường này không được để trống."]
    assert body.errors["reason"] == ["Trường này không được để trống."]
    assert "không có ký tự “é”" in body.errors["id_number"][0]
