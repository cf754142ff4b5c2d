"""Dates and times as Vietnamese people write them: 05/09/2026, 14:30 05/09/2026.

Browsers show <input type="date"> in the language of the browser ("mm/dd/yyyy" on an
English system), so officers type dates into plain text boxes that these helpers parse
and fill. Day first, 24-hour clock; the time may come before or after the date (the
pages print "H:i d/m/Y", forms show "d/m/Y H:i").
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
DATE_PLACEHOLDER = "dd/mm/yyyy"
DATETIME_PLACEHOLDER = "dd/mm/yyyy hh:mm"

_DATE = r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"
_TIME = r"(?P<h>\d{1,2})(?:[:hg](?P<mi>\d{2})?)?"  # 14:30, 14h30, 14g, 14h
_DATE_RE = re.compile(rf"\s*{_DATE}\s*")
_DATE_TIME_RE = re.compile(rf"\s*{_DATE}(?:\s*,?\s+|\s*[-–]\s*){_TIME}\s*", re.IGNORECASE)
_TIME_DATE_RE = re.compile(rf"\s*{_TIME}(?:\s*,?\s+|\s*[-–]\s*)(?:ngày\s+)?{_DATE}\s*", re.I)


class BadDate(ValueError):
    """A date or time that cannot be read; str() is Vietnamese."""


def _date(m: re.Match) -> dt.date:
    if int(m["m"]) > 12:  # likely typed month first, the English way
        raise BadDate(
            f"Không có tháng {int(m['m'])}: nhập theo thứ tự ngày/tháng/năm, ví dụ 05/09/2026."
        )
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        raise BadDate(f"Ngày {m['d']}/{m['m']}/{m['y']} không có trong lịch.") from None


_ISO_DATE_RE = re.compile(r"\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\s*")
_ISO_DATETIME_RE = re.compile(
    r"\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::\d{2})?\s*"
)


def parse_date(value: str) -> dt.date:
    """'5/9/2026' or '05-09-2026' -> date(2026, 9, 5). ISO '2026-09-05' (links, old
    bookmarks) is read too: a four-digit first group cannot be a day."""
    m = _DATE_RE.fullmatch(value or "") or _ISO_DATE_RE.fullmatch(value or "")
    if m is None:
        raise BadDate("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/09/2026.")
    return _date(m)


def parse_datetime(value: str) -> dt.datetime:
    """'05/09/2026 14:30', '14:30 05/09/2026', '14h30 ngày 05/09/2026' -> a naive datetime
    (the caller makes it aware in the current time zone)."""
    text = value or ""
    m = (
        _DATE_TIME_RE.fullmatch(text)
        or _TIME_DATE_RE.fullmatch(text)
        or _ISO_DATETIME_RE.fullmatch(text)
    )
    if m is None:
        raise BadDate("Nhập ngày giờ theo dạng ngày/tháng/năm giờ:phút, ví dụ 05/09/2026 14:30.")
    day = _date(m)
    hour, minute = int(m["h"]), int(m["mi"] or 0)
    if hour > 23 or minute > 59:
        raise BadDate(f"Giờ {hour:02d}:{minute:02d} không hợp lệ (0:00 đến 23:59).")
    return dt.datetime.combine(day, dt.time(hour, minute))


MONTH_PLACEHOLDER = "mm/yyyy"
_MONTH_RE = re.compile(r"\s*(?P<m>\d{1,2})[/.\-](?P<y>\d{4})\s*")
_ISO_MONTH_RE = re.compile(r"\s*(?P<y>\d{4})-(?P<m>\d{1,2})\s*")


def parse_month(value: str) -> dt.date:
    """'3/2026' or '03/2026' -> date(2026, 3, 1). ISO '2026-03' (links, what a browser's
    month picker sends) is read too."""
    m = _MONTH_RE.fullmatch(value or "") or _ISO_MONTH_RE.fullmatch(value or "")
    if m is None:
        raise BadDate("Nhập tháng theo dạng tháng/năm, ví dụ 03/2026.")
    if not 1 <= int(m["m"]) <= 12:
        raise BadDate(f"Không có tháng {int(m['m'])}: nhập tháng/năm, ví dụ 03/2026.")
    return dt.date(int(m["y"]), int(m["m"]), 1)


def format_month(value: dt.date | None) -> str:
    return "" if value is None else value.strftime("%m/%Y")


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.strftime(DATE_FORMAT)


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(DATETIME_FORMAT)


# --- form fields ------------------------------------------------------------------------


class _VnInput(forms.TextInput):
    """A text box (not the browser's date widget), filled with the Vietnamese format."""

    def __init__(self, formatter, placeholder, attrs=None):
        self.formatter = formatter
        base = {"placeholder": placeholder, "inputmode": "numeric", "autocomplete": "off"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date | dt.datetime):
            return self.formatter(value)
        return super().format_value(value)


class VnDateField(forms.Field):
    default_error_messages = {"required": _("Vui lòng nhập ngày.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", _VnInput(format_date, DATE_PLACEHOLDER))
        kwargs.setdefault("help_text", _("Ngày/tháng/năm, ví dụ 05/09/2026."))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dt.date):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return parse_date(str(value))
        except BadDate as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class VnDateTimeField(forms.Field):
    """An aware datetime in the current time zone (Asia/Ho_Chi_Minh)."""

    default_error_messages = {"required": _("Vui lòng nhập ngày giờ.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", _VnInput(format_datetime, DATETIME_PLACEHOLDER))
        kwargs.setdefault(
            "help_text", _("Ngày/tháng/năm giờ:phút (24 giờ), ví dụ 05/09/2026 14:30.")
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dt.datetime):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            naive = parse_datetime(str(value))
        except BadDate as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return timezone.make_aware(naive)
