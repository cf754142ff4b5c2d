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


# --- time-limit kinds and a centre's own hours (NĐ 118/2025) ------------------------------


def test_in_the_day_before_the_cutoff_is_that_days_close(settings):
    # NĐ 118/2025 (as NĐ 61/2018 art. 16 before it): "trong ngày" -> received before 15:00,
    # returned the same working day; after 15:00, the next working day.
    settings.MOTCUA_PAPER_CUTOFF = "15:00"
    assert CAL.add_time_limit(at(2026, 11, 27, 14, 59), "in_day", 0) == at(2026, 11, 27, 17)
    assert CAL.add_time_limit(at(2026, 11, 27, 15, 0), "in_day", 0) == at(2026, 11, 30, 17)
    assert CAL.add_time_limit(at(2026, 11, 28, 9), "in_day", 0) == at(2026, 11, 30, 17)  # Sat
    # Thursday 30/04 and Friday 01/05/2026 are holidays: Wednesday 16:00 -> Monday 04/05.
    assert CAL.add_time_limit(at(2026, 4, 29, 16), "in_day", 0) == at(2026, 5, 4, 17)


def test_working_hours_limit_counts_hours_inside_windows():
    # 4 working hours from Monday 16:00: 1 h Monday, 3 h Tuesday from 07:30 -> 10:30.
    assert CAL.add_time_limit(at(2026, 11, 23, 16), "working_hours", 0, 4) == at(
        2026, 11, 24, 10, 30
    )
    assert CAL.add_time_limit(at(2026, 11, 23, 16), "working_days", "0.5") == at(
        2026, 11, 24, 10, 30
    )


def test_a_centre_open_on_saturday_morning_counts_it():
    week = {d: [("07:30", "11:30"), ("13:00", "17:00")] for d in range(5)}
    saturday = WorkingCalendar(OVERRIDES, week={**week, 5: [("07:30", "11:30")]}, tz=TZ.key)
    # Friday 27/11 15:00 + 1 day: 2 h Friday, 4 h Saturday morning, 2 h Monday -> 09:30.
    assert saturday.add_days(at(2026, 11, 27, 15), 1) == at(2026, 11, 30, 9, 30)
    # Without the Saturday morning: 2 h Friday, 6 h Monday -> 15:00.
    assert CAL.add_days(at(2026, 11, 27, 15), 1) == at(2026, 11, 30, 15)
    # A holiday closes the Saturday too; a make-up Saturday is a full day.
    assert saturday.is_working_day(dt.date(2026, 11, 28))
    assert saturday.minutes_between(at(2026, 8, 22), at(2026, 8, 23)) == 480


def test_overlapping_windows_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar({}, windows=[("07:30", "12:00"), ("11:00", "17:00")], tz=TZ.key)


# --- the 2026 schedule as decided, shipped as data (VPCP letter 12729/VPCP-KGVX) ----------

DECIDED_2026 = {
    # date: (kind, weekday as the decision states it; 0 = Monday)
    dt.date(2026, 1, 1): (HOLIDAY, 3),  # Tết Dương lịch, Thursday
    dt.date(2026, 1, 2): (HOLIDAY, 4),  # Friday off ...
    dt.date(2026, 1, 10): (WORKDAY, 5),  # ... made up on Saturday 10/01
    **{dt.date(2026, 2, d): (HOLIDAY, d - 16) for d in range(16, 21)},  # Tết Mon-Fri
    dt.date(2026, 4, 27): (HOLIDAY, 0),  # Giỗ Tổ 10/3 lunar is Sunday 26/04 -> Monday
    dt.date(2026, 4, 30): (HOLIDAY, 3),
    dt.date(2026, 5, 1): (HOLIDAY, 4),
    dt.date(2026, 8, 22): (WORKDAY, 5),  # Saturday worked ...
    dt.date(2026, 8, 31): (HOLIDAY, 0),  # ... for Monday 31/08 off
    dt.date(2026, 9, 1): (HOLIDAY, 1),  # Quốc khánh, the adjacent day (Labour Code art. 112)
    dt.date(2026, 9, 2): (HOLIDAY, 2),
}


def test_shipped_2026_schedule_is_the_decision():
    from motcua.core.services import shipped_years

    days = shipped_years()[2026].days
    for day, (kind, weekday) in DECIDED_2026.items():
        assert day.weekday() == weekday, day
        assert days[day][0] == kind, day
        assert days[day][1]  # a Vietnamese name
    assert "12729/VPCP-KGVX" in shipped_years()[2026].source


@pytest.mark.django_db
def test_seeded_2026_has_the_january_swap_the_package_misses():
    from motcua.core.calendar import calendar
    from motcua.core.models import CalendarDay, CalendarYear
    from motcua.core.services import package_days, seed_calendar

    assert dt.date(2026, 1, 2) not in package_days(2026)  # the issue: trusted blindly
    seed_calendar([2025, 2026])
    cal = calendar()
    assert not cal.is_working_day(dt.date(2026, 1, 2))
    assert cal.is_working_day(dt.date(2026, 1, 10))
    # Friday 09/01 15:00 + 1 day: 2 h Friday, 6 h on the make-up Saturday -> Sat 15:00.
    assert cal.add_days(at(2026, 1, 9, 15), 1) == at(2026, 1, 10, 15)
    # Wednesday 31/12/2025 16:00 + 1 day: 1 h, then Thu 01 and Fri 02 off, the weekend,
    # 7 h on Monday 05/01 -> 16:00.
    assert cal.add_days(at(2025, 12, 31, 16), 1) == at(2026, 1, 5, 16)
    assert CalendarDay.objects.get(date=dt.date(2026, 1, 1)).name == "Tết Dương lịch"
    # Years without shipped data take the package's Vietnamese names.
    assert "Tết" in CalendarDay.objects.get(date=dt.date(2025, 1, 1)).name
    assert not CalendarYear.objects.get(year=2026).confirmed_at  # seeding confirms nothing


@pytest.mark.django_db
def test_confirming_a_year_silences_the_warning_and_is_audited(world):
    from motcua.core.calendar import deadline_warning
    from motcua.core.models import AuditEntry, CalendarYear
    from motcua.core.problems import InvalidInput
    from motcua.core.services import confirm_year, seed_calendar

    moment = at(2026, 3, 2, 9)
    warning = deadline_warning(moment)
    assert "2026" in warning and "chưa được quản trị viên xác nhận" in warning
    with pytest.raises(InvalidInput):
        confirm_year(2026, world.leader)  # nothing in the calendar yet
    seed_calendar([2026])
    row = confirm_year(2026, world.leader)
    assert row.confirmed_by == world.leader and row.source.startswith("Công văn 12729")
    assert deadline_warning(moment) is None
    assert deadline_warning(at(2027, 1, 4, 9))  # the next year is still unconfirmed
    assert AuditEntry.objects.filter(action="calendar.confirm", object_id="2026").exists()
    assert CalendarYear.objects.get(year=2026).confirmed_at is not None


@pytest.mark.django_db
def test_calendar_check_lists_what_needs_confirming(world):
    from io import StringIO

    from django.contrib.auth.models import User
    from django.core.management import CommandError, call_command

    from motcua.core.models import CalendarDay

    call_command("calendar", "seed", "2026", "2027", stdout=StringIO())
    CalendarDay.objects.filter(date=dt.date(2026, 1, 10)).delete()  # an accidental edit
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("calendar", "check", "2026", "2027", stdout=out)
    text = out.getvalue()
    assert "2026: CHƯA XÁC NHẬN" in text and "2027: CHƯA XÁC NHẬN" in text
    assert "thiếu so với căn cứ: 10/01/2026 làm bù" in text
    with pytest.raises(CommandError):  # only an administrator confirms
        call_command("calendar", "confirm", "2026", "--by", world.desk.username)
    User.objects.create_superuser("quantri", "", "x")
    CalendarDay.objects.create(date=dt.date(2026, 1, 10), kind=WORKDAY, name="Làm bù")
    call_command("calendar", "confirm", "2026", "--by", "quantri", stdout=StringIO())
    call_command("calendar", "confirm", "2027", "--by", "quantri", stdout=StringIO())
    out = StringIO()
    call_command("calendar", "check", "2026", "2027", stdout=out)  # exit 0 now
    assert "2026: đã xác nhận" in out.getvalue() and "thiếu" not in out.getvalue()


# --- through the services and the pages -------------------------------------------------


def _next_working_close(local: dt.datetime) -> dt.datetime:
    """Hand rule of "in the day" on a calendar with weekends only."""
    day = local.date()
    if not (day.weekday() < 5 and local.time() < dt.time(15)):
        day += dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(17), tzinfo=TZ)


@pytest.mark.django_db
def test_procedures_in_the_day_and_in_hours_get_their_due_time(world):
    from motcua.catalog.services import record_local_change
    from motcua.core.calendar import calendar
    from motcua.dossiers import services

    world.proc.time_limit_kind = "in_day"
    world.proc.save()
    record_local_change(world.proc)  # what the admin does after an edit
    d = services.receive(world.submit_online(), world.desk)
    assert d.due_at == _next_working_close(d.clock_started_at.astimezone(TZ))
    assert "theo quy định: trong ngày" in _receipt_text(d)
    world.proc.time_limit_kind, world.proc.time_limit_hours = "working_hours", 4
    world.proc.save()
    record_local_change(world.proc)
    d = services.receive(world.submit_online(), world.desk)
    assert calendar().minutes_between(d.clock_started_at, d.due_at) == 240
    assert d.on_time_due_at == d.due_at == d.original_due_at
    # Form 01 states the limit in its kind (TT 03/2025), not as working days.
    assert _receipt_text(d).count("theo quy định: 4 giờ làm việc") == 1
    # A later change of the procedure is a new version: this dossier's reprint keeps its
    # terms.
    world.proc.time_limit_kind = "in_day"
    world.proc.save()
    record_local_change(world.proc)
    d.procedure.refresh_from_db()
    assert _receipt_text(d).count("theo quy định: 4 giờ làm việc") == 1


def _receipt_text(dossier) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    from motcua.dossiers import documents

    reader = PdfReader(io.BytesIO(documents.receipt_pdf(dossier)))
    text = " ".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.django_db
def test_deadlines_follow_the_hours_of_the_centre_receiving_for_the_agency(world):
    from motcua.catalog.hours import calendar_for
    from motcua.catalog.models import ServiceCentre, WorkingHours
    from motcua.core.calendar import calendar
    from motcua.dossiers import services
    from tests import factories

    centre = ServiceCentre.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh", unit=factories.unit(), book_code="ttpv"
    )
    centre.agencies.add(world.dept)
    # Mornings only, Monday to Saturday: a working day here is 4 hours.
    for weekday in range(6):
        WorkingHours.objects.create(
            centre=centre, weekday=weekday, morning_start=dt.time(8), morning_end=dt.time(12)
        )
    d = services.receive(world.submit_online(), world.desk)
    start = d.clock_started_at
    assert calendar_for(world.dept).minutes_between(start, d.due_at) == 3 * 480
    due = d.due_at.astimezone(TZ)
    assert dt.time(8) < due.time() <= dt.time(12)
    assert d.due_at != calendar().add_days(start, 3)  # not the province's default hours
    assert calendar_for(world.commune).week == calendar().week  # no centre: the default


@pytest.mark.django_db
def test_desk_and_admin_warn_of_a_deadline_in_an_unconfirmed_year(client, world):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from motcua.core.services import confirm_year, seed_calendar
    from motcua.dossiers import services

    d = services.receive(world.submit_online(), world.desk)
    client.force_login(world.desk)
    page = client.get(reverse("desk:dossier", args=[d.code])).content.decode()
    assert 'id="calendar-warning"' in page and "chưa được quản trị viên xác nhận" in page
    admin = User.objects.create_superuser("quantri", "", "x")
    client.force_login(admin)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[d.pk])).content.decode()
    assert "chưa được quản trị viên xác nhận" in page
    year = d.due_at.astimezone(TZ).year
    seed_calendar([year])
    confirm_year(year, admin)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[d.pk])).content.decode()
    assert "chưa được quản trị viên xác nhận" not in page
    client.force_login(world.desk)
    page = client.get(reverse("desk:dossier", args=[d.code])).content.decode()
    assert 'id="calendar-warning"' not in page
