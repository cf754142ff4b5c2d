"""Vietnamese text helpers, and the normalisation of every input at the edge."""

import os
import re
import unicodedata
from decimal import Decimal


def fold(text: str) -> str:
    """Lower-case and strip diacritics so that "Giấy phép" and "giay phep" match.

    "đ/Đ" is a separate letter, not a d with a combining mark, so NFD leaves it alone;
    it is mapped explicitly.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def vnd(amount: int) -> str:
    """75000 -> "75.000": Vietnamese groups thousands with dots (Django's vi locale sets no
    NUMBER_GROUPING, so |floatformat would print 75000)."""
    return f"{amount:,}".replace(",", ".")


def working_days(value: Decimal) -> str:
    """Decimal("1.50") -> "1,5", Decimal("3.00") -> "3" (|floatformat keeps "1,50")."""
    return format(value.normalize(), "f").replace(".", ",")


# --- input normalisation ---------------------------------------------------------------
# One place for what every form field and API field does to free text, ID numbers, phone
# numbers and file names before anything stores or compares them (core/forms.py and
# core/fields.py are thin wrappers around these functions).

# Letters that are "Lo"/"So" to Unicode yet print nothing: Hangul fillers, the braille
# blank. Used to fake a non-empty name or reason.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")
_SPACE_RUNS = re.compile(r"[^\S\n]+")  # whitespace except newline
ID_NUMBER_RE = re.compile(r"[0-9]{12}|[0-9]{9}")  # CCCD 12 digits, old CMND 9 (fullmatch)
ID_NUMBER_SHAPE_MESSAGE = "Số định danh cá nhân phải gồm 12 chữ số (hoặc 9 chữ số CMND cũ)."
_PHONE_RE = re.compile(r"\+?[0-9]{8,15}")  # E.164 allows at most 15 digits
_ID_SEPARATORS = frozenset(" .")
_PHONE_SEPARATORS = frozenset(" .-()/")


def input_cap(max_length: int | None) -> int | None:
    """Longest raw input worth normalising: a megabyte pasted into a 20-character field
    is refused before a per-character pass over it."""
    return None if max_length is None else 4 * max_length + 64


class NotNormalisable(ValueError):
    """Input that cannot be turned into the expected ASCII shape; str() is Vietnamese."""


def _drop(ch: str) -> bool:
    """Characters that never belong in stored text: control characters (Cc), invisible
    format characters (Cf: zero-width spaces and joiners, BOM, word joiner, bidi
    overrides and isolates, soft hyphen), lone surrogates (Cs, which PostgreSQL cannot
    store), private-use code points (Co) and blank look-alikes."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") or ch in _BLANK_LOOKALIKES


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC, no invisible or control characters, stripped; single-line text has its
    whitespace runs (tabs, no-break and ideographic spaces, line breaks) collapsed to one
    space, multi-line text keeps its line breaks (normalised to "\\n") and loses trailing
    spaces and runs of more than one empty line.

    A value made only of invisible characters comes back empty, so a required field
    answers with its own "required" message.
    """
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n")
    kept = []
    for ch in text:
        if multiline and ch in _LINE_BREAKS:
            kept.append("\n")
        elif ch.isspace():  # tabs and other whitespace controls separate words
            kept.append(" ")
        elif not _drop(ch):
            kept.append(ch)
    text = "".join(kept)
    if not multiline:
        return " ".join(text.split())
    lines = [_SPACE_RUNS.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _ascii_digits(value: str, separators: frozenset[str], what: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", value):
        if "\uff01" <= ch <= "\uff5e":  # full-width ASCII ("＋", "Ｂ"): its ASCII twin
            ch = chr(ord(ch) - 0xFEE0)
        if ch.isspace() or ch in separators or _drop(ch):
            continue
        if unicodedata.category(ch) == "Nd":
            # Full-width, Arabic-Indic, Devanagari... digits: their ASCII value.
            out.append(str(unicodedata.decimal(ch)))
        elif ch.isascii():
            out.append(ch)
        else:
            raise NotNormalisable(f"{what} chỉ gồm chữ số, không có ký tự “{ch}”.")
    return "".join(out)


def id_number(value: str) -> str:
    """An ID number (CCCD, old CMND...) as the ASCII string that is stored and looked up:
    any Unicode decimal digit becomes its ASCII digit, spaces and dots go, letters are
    upper-cased; anything else non-ASCII is refused. The shape (ID_NUMBER_RE) is the
    caller's check: a lookup key need not have it to be normalised."""
    text = _ascii_digits(value, _ID_SEPARATORS, "Số định danh cá nhân").upper()
    if not text.isalnum() and text:
        raise NotNormalisable("Số định danh cá nhân chỉ gồm chữ số.")
    return text


def is_id_number(value: str) -> bool:
    return ID_NUMBER_RE.fullmatch(value) is not None


def phone(value: str) -> str:
    """A phone number as ASCII digits, an optional leading "+" (e.g. +84...); spaces,
    dots, dashes and brackets go."""
    text = _ascii_digits(value, _PHONE_SEPARATORS, "Số điện thoại")
    if text and _PHONE_RE.fullmatch(text) is None:
        raise NotNormalisable("Số điện thoại gồm 8 đến 15 chữ số, có thể bắt đầu bằng “+”.")
    return text


FILE_NAME_FALLBACK = "tep"
_MAX_EXT = 16  # longer "extensions" are part of the stem (".backup-of-my-file")


def file_name(value: str, max_length: int = 200) -> str:
    """A file name safe to store and to send back in Content-Disposition: NFC, only its
    last path part (either slash), no control or invisible characters (an RTL override
    could make "x\\u202efdp.exe" look like a PDF), single spaces, no leading dots, and
    at most `max_length` characters, shortened in the stem ("head…" + extension) so the
    extension survives."""
    text = unicodedata.normalize("NFC", value or "").replace("\\", "/")
    text = clean_text(text.rsplit("/", 1)[-1]).lstrip(". ")
    stem, ext = os.path.splitext(text)
    if len(ext) > _MAX_EXT:
        stem, ext = text, ""
    if not stem:
        stem = FILE_NAME_FALLBACK
    if len(stem) + len(ext) > max_length:
        stem = stem[: max(1, max_length - len(ext) - 1)].rstrip() + "…"
    return (stem + ext)[:max_length]
