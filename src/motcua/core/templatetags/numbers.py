"""{{ value|decimals:2 }}: what |floatformat:2 prints in Vietnamese ("36,50"), for the
service index's tables of rates and points.

floatformat looks the locale's separators up on every call (about 50 calls on a
dashboard, a tenth of its rendering). These numbers are never above a few thousand and
floatformat does not group thousands without "g", so the text is the digits rounded
half up, with a decimal comma. tests/core/test_numbers.py checks it equal to floatformat
under the Vietnamese locale.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}


def decimals(value, places: int = 2) -> str:
    """`value` rounded half up to `places` digits, decimal comma; "" for what is not a
    number (as floatformat)."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        text = f"{number.quantize(_QUANTUM[int(places)], rounding=ROUND_HALF_UP):f}"
    except (InvalidOperation, ValueError, TypeError, KeyError):
        return ""
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # floatformat prints -0.001 as 0
    return text.replace(".", ",")


register.filter("decimals", decimals)
