"""SMS text: Vietnamese without diacritics, the GSM 03.38 alphabet and segment counts.

An SMS in the GSM-7 alphabet carries 160 characters (153 per part when split); one
character outside it (any Vietnamese letter with a diacritic) turns the whole message into
UCS-2: 70 characters (67 per part), so one notice would cost three segments instead of one.
"""

from __future__ import annotations

import math
import unicodedata

# GSM 03.38 basic character set (one septet each) and its extension table (two: ESC + char).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE_GSM7 = 160
PART_GSM7 = 153
SINGLE_UCS2 = 70
PART_UCS2 = 67

# Typographic characters an administrator may type in a template, with GSM-7 stand-ins.
_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def strip_diacritics(text: str) -> str:
    """ "Hồ sơ đã được tiếp nhận" -> "Ho so da duoc tiep nhan". Case is kept; đ/Đ, which
    NFD does not decompose (a letter of its own), become d/D."""
    text = text.replace("đ", "d").replace("Đ", "D").translate(_PUNCTUATION)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    )


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def septets(text: str) -> int:
    """Length in GSM-7 septets: extension characters count twice."""
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS parts `text` takes (GSM-7 if it fits that alphabet, else UCS-2)."""
    if is_gsm7(text):
        length, single, part = septets(text), SINGLE_GSM7, PART_GSM7
    else:
        # UCS-2 counts UTF-16 code units: a character beyond the BMP takes two.
        length = len(text.encode("utf-16-le")) // 2
        single, part = SINGLE_UCS2, PART_UCS2
    if length <= single:
        return 1
    return math.ceil(length / part)


def sms_text(text: str) -> str:
    """The SMS variant: no diacritics, anything still outside GSM-7 replaced by "?", and
    runs of white space collapsed (line breaks cost a character each)."""
    plain = " ".join(strip_diacritics(text).split())
    return "".join(c if c in GSM7_BASIC or c in GSM7_EXTENSION else "?" for c in plain)
