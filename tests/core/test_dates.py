"""Vietnamese date and time input: day first, 24-hour clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from motcua.core import dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/09/2026", dt.date(2026, 9, 5)),
        ("5/9/2026", dt.date(2026, 9, 5)),
        (" 05-09-2026 ", dt.date(2026, 9, 5)),
        ("05.09.2026", dt.date(2026, 9, 5)),
        ("2026-09-05", dt.date(2026, 9, 5)),  # ISO from old links
        ("29/02/2028", dt.date(2028, 2, 29)),
    ],
)
def test_parse_date(text, expected):
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "09/2026", "2026/09/05", "05/09/26", "abc", "32/01/2026"])
def test_bad_dates_are_refused_in_vietnamese(text):
    with pytest.raises(dates.BadDate) as info:
        dates.parse_date(text)
    assert "ngày" in str(info.value).lower() or "Ngày" in str(info.value)


def test_day_that_does_not_exist():
    with pytest.raises(dates.BadDate, match="không có trong lịch"):
        dates.parse_date("29/02/2027")


@pytest.mark.parametrize(
    "text",
    [
        "05/09/2026 14:30",
        "5/9/2026 14:30",
        "14:30 05/09/2026",
        "14h30 ngày 05/09/2026",
        "05/09/2026, 14:30",
        "2026-09-05T14:30",
    ],
)
def test_parse_datetime_24_hours(text):
    assert dates.parse_datetime(text) == dt.datetime(2026, 9, 5, 14, 30)


def test_hour_only():
    assert dates.parse_datetime("05/09/2026 8h") == dt.datetime(2026, 9, 5, 8, 0)


@pytest.mark.parametrize("text", ["05/09/2026 24:00", "05/09/2026 10:75", "05/09/2026 2:30 PM"])
def test_bad_times(text):
    with pytest.raises(dates.BadDate):
        dates.parse_datetime(text)


def test_format_round_trip_in_local_time():
    moment = dt.datetime(2026, 9, 5, 7, 5, tzinfo=dt.UTC)  # 14:05 in Hà Nội
    assert dates.format_datetime(moment) == "05/09/2026 14:05"
    assert dates.format_date(moment) == "05/09/2026"
    back = timezone.make_aware(dates.parse_datetime(dates.format_datetime(moment)))
    assert back == moment
    assert dates.format_date(None) == "" and dates.format_datetime(None) == ""


def test_form_fields_clean_and_render():
    field = dates.VnDateTimeField()
    value = field.clean("05/09/2026 14:30")
    assert value.tzinfo is not None
    assert value.astimezone(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).hour == 14
    html = field.widget.render("x", value)
    assert 'value="05/09/2026 14:30"' in html and 'type="text"' in html
    assert 'placeholder="dd/mm/yyyy hh:mm"' in html
    date_field = dates.VnDateField(required=False)
    assert date_field.clean("") is None
    from django import forms

    with pytest.raises(forms.ValidationError) as info:
        date_field.clean("12/31/2026")  # the English order
    assert "ngày/tháng/năm" in str(info.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("03/2026", dt.date(2026, 3, 1)),
        ("3/2026", dt.date(2026, 3, 1)),
        ("2026-03", dt.date(2026, 3, 1)),
        (" 12-2025 ", dt.date(2025, 12, 1)),
    ],
)
def test_parse_month(text, expected):
    assert dates.parse_month(text) == expected
    assert dates.format_month(expected) == f"{expected.month:02d}/{expected.year}"


@pytest.mark.parametrize("text", ["", "2026", "13/2026", "0/2026", "March 2026", "03/26"])
def test_bad_months_are_refused_in_vietnamese(text):
    with pytest.raises(dates.BadDate) as caught:
        dates.parse_month(text)
    assert "tháng" in str(caught.value)
