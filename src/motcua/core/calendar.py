"""Working-time arithmetic for deadlines.

A working day is two windows (07:30–11:30, 13:00–17:00 by default, 8 hours), Monday to
Friday, minus holidays, plus decreed make-up working days. Durations are counted in
whole minutes so that sums are exact: a budget of 1.5 working days is 720 minutes.
Civil Code arts. 147–148: counting starts after the event, and a period never ends on a
day off — here that falls out of the arithmetic, since time only passes inside windows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings

MINUTES_PER_DAY = 8 * 60
HOLIDAY = "holiday"
WORKDAY = "workday"

# How a procedure's time limit is expressed (catalog.Procedure.time_limit_kind).
LIMIT_DAYS = "working_days"
LIMIT_HOURS = "working_hours"
LIMIT_IN_DAY = "in_day"  # "trong ngày": before the cut-off -> that day's close, else the next


def _parse_hhmm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def days_to_minutes(days: Decimal | float | int | str) -> int:
    """Working days (possibly fractional, e.g. 0.5) as working minutes."""
    return int((Decimal(str(days)) * MINUTES_PER_DAY).to_integral_value())


class WorkingCalendar:
    """Pure calendar: give it the exceptions to the Mon–Fri week and the daily windows.

    `overrides_for_year` lets a caller load exceptions lazily (one query per year).
    `week` gives a centre's own hours per weekday (0 = Monday): a weekday with no windows
    is closed, a Saturday with a morning window is open then. Without it, Monday–Friday
    use `windows`. A decreed make-up working day always uses `windows` (a full day).
    """

    def __init__(
        self,
        overrides: dict[dt.date, str] | None = None,
        *,
        windows: Iterable[tuple[str, str]] | None = None,
        tz: str | None = None,
        overrides_for_year: Callable[[int], dict[dt.date, str]] | None = None,
        week: dict[int, Iterable[tuple[str, str]]] | None = None,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._loader = overrides_for_year
        self._loaded_years: set[int] = set()
        raw_windows = list(windows or settings.MOTCUA_WORK_WINDOWS)
        self.windows = _parsed(raw_windows)
        if week is None:
            self.week = {d: self.windows for d in range(5)}
        else:
            self.week = {d: _parsed(w) for d, w in week.items() if w}
        self.tz = ZoneInfo(tz or settings.TIME_ZONE)

    @cached_property
    def minutes_per_day(self) -> int:
        return sum(_minutes(a, b) for a, b in self.windows)

    # --- days -------------------------------------------------------------------------
    def _kind(self, day: dt.date) -> str | None:
        if self._loader is not None and day.year not in self._loaded_years:
            self._loaded_years.add(day.year)
            for d, kind in self._loader(day.year).items():
                self._overrides.setdefault(d, kind)
        return self._overrides.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        kind = self._kind(day)
        if kind == HOLIDAY:
            return False
        if kind == WORKDAY:
            return True
        return day.weekday() in self.week

    def next_working_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within a year: check the holiday calendar")

    # --- time -------------------------------------------------------------------------
    def _windows_of(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        windows = self.windows if self._kind(day) == WORKDAY else self.week[day.weekday()]
        return [
            (
                dt.datetime.combine(day, a, tzinfo=self.tz),
                dt.datetime.combine(day, b, tzinfo=self.tz),
            )
            for a, b in windows
        ]

    def local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("naive datetime: deadlines need an aware time")
        return moment.astimezone(self.tz).replace(second=0, microsecond=0) + (
            dt.timedelta(minutes=1) if moment.second or moment.microsecond else dt.timedelta()
        )

    def start_of_next_working_day(self, moment: dt.datetime) -> dt.datetime:
        day = self.next_working_day(self.local(moment).date())
        return self._windows_of(day)[0][0]

    def add_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The moment `minutes` of working time after `start`.

        A budget that runs out exactly at a window's end ends there (17:00), not at the
        next morning; zero minutes returns `start` unchanged.
        """
        if minutes < 0:
            raise ValueError("working time cannot be negative")
        current = self.local(start)
        if minutes == 0:
            return current
        day = current.date()
        for _ in range(3660):
            for w_start, w_end in self._windows_of(day):
                if current >= w_end:
                    continue
                begin = max(current, w_start)
                available = int((w_end - begin).total_seconds() // 60)
                if minutes <= available:
                    return begin + dt.timedelta(minutes=minutes)
                minutes -= available
                current = w_end
            day += dt.timedelta(days=1)
        raise ValueError("deadline beyond ten years: check the budget")

    def add_days(self, start: dt.datetime, days: Decimal | float | int | str) -> dt.datetime:
        return self.add_minutes(start, days_to_minutes(days))

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working minutes in [start, end); zero when end is not after start."""
        a, b = self.local(start), self.local(end)
        if b <= a:
            return 0
        total = 0
        day = a.date()
        while day <= b.date():
            for w_start, w_end in self._windows_of(day):
                lo, hi = max(a, w_start), min(b, w_end)
                if hi > lo:
                    total += int((hi - lo).total_seconds() // 60)
            day += dt.timedelta(days=1)
        return total

    def is_working_time(self, moment: dt.datetime) -> bool:
        m = self.local(moment)
        return any(a <= m < b for a, b in self._windows_of(m.date()))

    def clock_start(self, received_at: dt.datetime, *, paper: bool) -> dt.datetime:
        """When the processing clock starts for a dossier received at `received_at`.

        Paper dossiers received after the cut-off (15:00) reach the competent agency the
        next working morning, so their clock starts then.
        """
        local = self.local(received_at)
        cutoff = _parse_hhmm(settings.MOTCUA_PAPER_CUTOFF)
        if paper and local.time() >= cutoff:
            return self.start_of_next_working_day(local)
        return local

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """The close of a working day (the end of its last window)."""
        return self._windows_of(day)[-1][1]

    def in_the_day(self, start: dt.datetime) -> dt.datetime:
        """Due time of an "in the day" (trong ngày) procedure received at `start`.

        Received on a working day before the cut-off (15:00): the close of that day;
        at or after it, or on a day off: the close of the next working day
        (NĐ 118/2025 art. 16, as NĐ 61/2018 before it).
        """
        local = self.local(start)
        cutoff = _parse_hhmm(settings.MOTCUA_PAPER_CUTOFF)
        day = local.date()
        if not (self.is_working_day(day) and local.time() < cutoff):
            day = self.next_working_day(day)
        return self.end_of_day(day)

    def add_time_limit(
        self, start: dt.datetime, kind: str, days: Decimal | int | str, hours: int | None = None
    ) -> dt.datetime:
        """The due time of a procedure's time limit counted from `start`."""
        if kind == LIMIT_IN_DAY:
            return self.in_the_day(start)
        if kind == LIMIT_HOURS:
            return self.add_minutes(start, int(hours or 0) * 60)
        return self.add_days(start, days)


def _parsed(raw: Iterable[tuple[str, str]]) -> list[tuple[dt.time, dt.time]]:
    windows = sorted((_parse_hhmm(a), _parse_hhmm(b)) for a, b in raw)
    for (start, end), following in zip(windows, windows[1:] + [None], strict=True):
        if start >= end:
            raise ValueError("a working window must end after it starts")
        if following is not None and following[0] < end:
            raise ValueError("working windows must not overlap")
    return windows


def _minutes(a: dt.time, b: dt.time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


# Per-process cache of the calendar's exceptions, by year: they change a few times a year,
# and reading them inside every submission's transaction is wasted time under its locks.
CACHE_SECONDS = 60
_year_cache: dict[int, tuple[float, dict[dt.date, str]]] = {}


_confirmed_cache: list[tuple[float, frozenset[int]]] = []


def forget_cached_calendar() -> None:
    """Called when the calendar is edited in this process; others see it within a minute."""
    _year_cache.clear()
    _confirmed_cache.clear()


def _load_year(year: int) -> dict[dt.date, str]:
    from motcua.core.models import CalendarDay

    hit = _year_cache.get(year)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    rows = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    _year_cache[year] = (time.monotonic(), rows)
    return rows


def calendar(week: dict[int, Iterable[tuple[str, str]]] | None = None) -> WorkingCalendar:
    """The province's calendar, reading the editable exceptions from the database;
    `week` is a centre's own opening hours (see catalog.hours)."""
    return WorkingCalendar(overrides_for_year=_load_year, week=week)


# --- confirmation -----------------------------------------------------------------------


def confirmed_years() -> frozenset[int]:
    """Years whose holidays and make-up days an administrator has confirmed against the
    Government's decision (cached like the days themselves)."""
    from motcua.core.models import CalendarYear

    if _confirmed_cache and time.monotonic() - _confirmed_cache[0][0] < CACHE_SECONDS:
        return _confirmed_cache[0][1]
    years = frozenset(
        CalendarYear.objects.filter(confirmed_at__isnull=False).values_list("year", flat=True)
    )
    _confirmed_cache[:] = [(time.monotonic(), years)]
    return years


def unconfirmed_years(*moments: dt.datetime | dt.date | None) -> list[int]:
    """The years among `moments` (deadlines) whose calendar nobody has confirmed."""
    years = {m.year if not isinstance(m, dt.datetime) else _local_year(m) for m in moments if m}
    return sorted(years - confirmed_years())


def _local_year(moment: dt.datetime) -> int:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).year


def deadline_warning(*moments: dt.datetime | dt.date | None) -> str | None:
    """A Vietnamese warning when a deadline falls in a year whose calendar is unconfirmed:
    its holidays may still move, and the deadline with them."""
    years = unconfirmed_years(*moments)
    if not years:
        return None
    listed = ", ".join(map(str, years))
    return (
        f"Lịch nghỉ lễ, Tết năm {listed} chưa được quản trị viên xác nhận theo quyết định "
        "của Chính phủ: thời hạn tính theo lịch này có thể thay đổi khi lịch được xác nhận."
    )
