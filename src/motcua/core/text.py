"""Vietnamese text helpers."""

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
