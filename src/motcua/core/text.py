"""Vietnamese text helpers."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip diacritics so that "Giấy phép" and "giay phep" match.

    "đ/Đ" is a separate letter, not a d with a combining mark, so NFD leaves it alone;
    it is mapped explicitly.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())
