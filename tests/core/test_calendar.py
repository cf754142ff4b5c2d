import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.calendar import HOLIDAY, WORKDAY, WorkingCalendar, days_to_minutes

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Tết 2026 and the 2/9 bridge, with a make-up Saturday (facts of the 2026 calendar).
OVERRIDES = {
    **{dt.date(2026, 2, d): HOLIDAY for d in range(16, 21)},
    dt.date(2026, 4, 30): HOLIDAY,
    dt.date(2026, 5, 1): HOLIDAY,
    dt.date(2026, 8, 31): HOLIDAY,
    dt.date(2026, 9, 1): HOLIDAY,
    dt.date(2026, 9, 2): HOLIDAY,
    dt.date(2026, 8, 22): WORKDAY,
}
CAL = WorkingCalendar(
    OVERRIDES, windows=[("07:30", "11:30"), ("13:00", "17:00")], tz="Asia/Ho_Chi_Minh"
)


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_working_day_is_eight_hours():
    assert CAL.minutes_per_day == 480
    assert days_to_minutes("0.5") == 240
    assert days_to_minutes("1.5") == 720


def test_three_days_from_monday_morning_end_thursday_morning():
    # Received Monday 23/11/2026 09:00: 3 working days later is Thursday 09:00.
    assert CAL.add_days(at(2026, 11, 23, 9), 3) == at(2026, 11, 26, 9)


def test_weekend_is_skipped():
    # Friday 15:00 + 1 day: 2 h on Friday, 6 h from Monday 07:30 -> Monday 15:00.
    assert CAL.add_days(at(2026, 11, 27, 15), 1) == at(2026, 11, 30, 15)


def test_lunch_break_is_not_working_time():
    assert CAL.add_minutes(at(2026, 11, 23, 11), 60) == at(2026, 11, 23, 13, 30)


def test_budget_ending_at_close_ends_there():
    assert CAL.add_minutes(at(2026, 11, 23, 13), 240) == at(2026, 11, 23, 17)


def test_tet_holidays_are_skipped():
    # Friday 13/02/2026 08:00 + 1 day: Tết runs 16–20/02, so the deadline is 23/02.
    assert CAL.add_days(at(2026, 2, 13, 8), 1) == at(2026, 2, 23, 8)


def test_make_up_saturday_counts():
    assert CAL.is_working_day(dt.date(2026, 8, 22))
    # Friday 21/08 16:00 + 4 h: 1 h Friday, 3 h on the make-up Saturday.
    assert CAL.add_minutes(at(2026, 8, 21, 16), 240) == at(2026, 8, 22, 10, 30)


def test_paper_dossier_after_cutoff_starts_next_morning(settings):
    settings.MOTCUA_PAPER_CUTOFF = "15:00"
    assert CAL.clock_start(at(2026, 11, 27, 15, 30), paper=True) == at(2026, 11, 30, 7, 30)
    assert CAL.clock_start(at(2026, 11, 27, 14, 59), paper=True) == at(2026, 11, 27, 14, 59)
    assert CAL.clock_start(at(2026, 11, 27, 15, 30), paper=False) == at(2026, 11, 27, 15, 30)


def test_minutes_between_counts_only_windows():
    assert CAL.minutes_between(at(2026, 11, 23, 7), at(2026, 11, 23, 18)) == 480
    assert CAL.minutes_between(at(2026, 11, 27, 16), at(2026, 11, 30, 8)) == 90
    assert CAL.minutes_between(at(2026, 11, 30), at(2026, 11, 27)) == 0


def test_negative_and_naive_inputs_are_refused():
    with pytest.raises(ValueError):
        CAL.add_minutes(at(2026, 11, 23, 9), -1)
    with pytest.raises(ValueError):
        CAL.add_minutes(dt.datetime(2026, 11, 23, 9), 10)  # noqa: DTZ001


def test_window_must_be_ordered():
    with pytest.raises(ValueError):
        WorkingCalendar({}, windows=[("13:00", "11:00")], tz="Asia/Ho_Chi_Minh")


moments = st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=TZ)
)
budgets = st.integers(min_value=0, max_value=60 * 480)


@settings(max_examples=300, deadline=None)
@given(moments, budgets)
def test_added_time_is_exactly_the_working_time_between(start, minutes):
    end = CAL.add_minutes(start, minutes)
    assert end >= start
    assert CAL.minutes_between(start, end) == minutes


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=1, max_value=30 * 480))
def test_deadlines_never_fall_on_a_day_off_or_outside_hours(start, minutes):
    end = CAL.add_minutes(start, minutes)
    assert CAL.is_working_day(end.date())
    # Inside a window, or exactly at a window's end.
    assert CAL.is_working_time(end) or CAL.is_working_time(end - dt.timedelta(minutes=1))


@settings(max_examples=200, deadline=None)
@given(moments, budgets, budgets)
def test_adding_in_two_steps_equals_adding_once(start, a, b):
    assert CAL.add_minutes(CAL.add_minutes(start, a), b) == CAL.add_minutes(start, a + b)


@settings(max_examples=200, deadline=None)
@given(moments, budgets, budgets)
def test_more_time_never_ends_earlier(start, a, b):
    lo, hi = sorted((a, b))
    assert CAL.add_minutes(start, lo) <= CAL.add_minutes(start, hi)


@settings(max_examples=200, deadline=None)
@given(moments, moments, moments)
def test_working_time_is_additive_over_intervals(a, b, c):
    x, y, z = sorted((a, b, c))
    assert CAL.minutes_between(x, z) == CAL.minutes_between(x, y) + CAL.minutes_between(y, z)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2026, 12, 31)))
def test_one_day_spans_exactly_one_working_day(day):
    # From the opening of a working day, 1 day ends at the close of that same day.
    if not CAL.is_working_day(day):
        day = CAL.next_working_day(day)
    start = at(day.year, day.month, day.day, 7, 30)
    assert CAL.add_days(start, 1) == at(day.year, day.month, day.day, 17)


@pytest.mark.django_db
def test_database_calendar_sees_admin_edits_at_once():
    from motcua.core.calendar import calendar
    from motcua.core.models import CalendarDay

    day = dt.date(2026, 12, 1)  # a Tuesday
    assert calendar().is_working_day(day)
    CalendarDay.objects.create(date=day, kind=HOLIDAY, name="Nghỉ đột xuất")
    assert not calendar().is_working_day(day)
    CalendarDay.objects.filter(date=day).delete()  # queryset delete sends post_delete too
    assert calendar().is_working_day(day)
