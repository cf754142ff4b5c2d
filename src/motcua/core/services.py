"""Changes to shared data: the holiday calendar and its yearly confirmation; dead outbox
messages sent again."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import holidays as holidays_lib
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from motcua.core import audit
from motcua.core.calendar import forget_cached_calendar
from motcua.core.models import CalendarDay, CalendarYear, OutboxMessage
from motcua.core.problems import InvalidInput

DATA_DIR = Path(__file__).resolve().parent / "data"
PACKAGE_SOURCE = "Thư viện holidays (chưa đối chiếu với quyết định của Chính phủ)"


@dataclass(frozen=True)
class ShippedYear:
    """A year's schedule as decided, shipped with the release (core/data/calendar-YYYY.json)."""

    year: int
    source: str
    days: dict[dt.date, tuple[str, str]]  # date -> (kind, Vietnamese name)


@cache
def shipped_years() -> dict[int, ShippedYear]:
    years = {}
    for path in sorted(DATA_DIR.glob("calendar-*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        days = {dt.date.fromisoformat(d["date"]): (d["kind"], d["name"]) for d in raw["days"]}
        if any(day.year != raw["year"] for day in days) or any(
            kind not in CalendarDay.Kind.values for kind, _ in days.values()
        ):
            raise ValueError(f"{path.name}: a day outside its year or of an unknown kind")
        years[raw["year"]] = ShippedYear(raw["year"], raw["source"], days)
    return years


def package_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """What the `holidays` package says of a year, with its Vietnamese names."""
    vn = holidays_lib.country_holidays("VN", years=[year], language="vi")
    days = {d: (CalendarDay.Kind.HOLIDAY.value, name) for d, name in vn.items() if d.year == year}
    # Saturdays decreed as working days to make up for a bridged holiday.
    for d in getattr(vn, "weekend_workdays", set()):
        if d.year == year:
            days[d] = (CalendarDay.Kind.WORKDAY.value, "Làm bù")
    return days


def expected_days(year: int) -> tuple[dict[dt.date, tuple[str, str]], str]:
    """The year's exceptions and their source: the shipped decision, else the package."""
    shipped = shipped_years().get(year)
    if shipped is not None:
        return shipped.days, shipped.source
    return package_days(year), PACKAGE_SOURCE


@transaction.atomic
def seed_calendar(years: Iterable[int], actor: str = "system") -> int:
    """Add holidays and make-up working days: the shipped schedule of a year when there is
    one, otherwise the `holidays` package (Vietnamese names). Each year gets its
    CalendarYear row, unconfirmed: only an administrator confirms a year.

    Existing rows are left as they are: an administrator's edit wins over the seed.
    Returns the number of rows added.
    """
    years = sorted(set(years))
    rows: dict = {}
    for year in years:
        days, source = expected_days(year)
        for day, (kind, name) in days.items():
            rows[day] = CalendarDay(date=day, kind=kind, name=name)
        CalendarYear.objects.get_or_create(year=year, defaults={"source": source})
    existing = set(CalendarDay.objects.filter(date__in=rows).values_list("date", flat=True))
    new = [row for day, row in sorted(rows.items()) if day not in existing]
    CalendarDay.objects.bulk_create(new)
    forget_cached_calendar()  # bulk_create sends no post_save
    if new:
        audit.record(
            "calendar.seed",
            "calendar",
            ",".join(map(str, years)),
            actor=actor,
            data={"added": len(new)},
        )
    return len(new)


@transaction.atomic
def confirm_year(year: int, user: User | None, source: str = "") -> CalendarYear:
    """An administrator states that the year's days match the Government's decision."""
    if not CalendarDay.objects.filter(date__year=year).exists():
        raise InvalidInput(
            f"Năm {year} chưa có ngày nghỉ lễ, Tết nào trong lịch: hãy nạp lịch trước khi "
            "xác nhận.",
            code="calendar_year_empty",
        )
    row, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    row.source = (source or "").strip() or row.source
    if not row.source:
        raise InvalidInput(
            "Cần ghi căn cứ (văn bản quyết định lịch nghỉ của năm).",
            code="calendar_source_required",
        )
    row.confirmed_by = user
    row.confirmed_at = timezone.now()
    row.save()
    forget_cached_calendar()
    audit.record(
        "calendar.confirm",
        "calendar",
        str(year),
        actor=user,
        data={"source": row.source},
    )
    return row


@dataclass(frozen=True)
class YearCheck:
    year: int
    confirmed: bool
    source: str
    missing: list[tuple[dt.date, str, str]]  # expected but not stored: (date, kind, name)
    different: list[tuple[dt.date, str, str]]  # stored with another kind: (date, stored, name)
    extra: list[tuple[dt.date, str, str]]  # stored but not expected

    @property
    def needs_attention(self) -> bool:
        return not self.confirmed or bool(self.missing or self.different or self.extra)


def check_calendar(years: Iterable[int]) -> list[YearCheck]:
    """Per year: is it confirmed, and how do the stored days differ from the shipped
    decision (or, without one, from the `holidays` package)? Differences are not errors
    (an administrator may have added a provincial day off): they are what to look at
    before confirming."""
    out = []
    confirmed = {y.year: y for y in CalendarYear.objects.filter(year__in=list(years))}
    for year in sorted(set(years)):
        expected, source = expected_days(year)
        stored = {d.date: (d.kind, d.name) for d in CalendarDay.objects.filter(date__year=year)}
        row = confirmed.get(year)
        out.append(
            YearCheck(
                year=year,
                confirmed=bool(row and row.confirmed_at),
                source=(row.source if row and row.source else source),
                missing=[(d, k, n) for d, (k, n) in sorted(expected.items()) if d not in stored],
                different=[
                    (d, stored[d][0], n)
                    for d, (k, n) in sorted(expected.items())
                    if d in stored and stored[d][0] != k
                ],
                extra=[(d, k, n) for d, (k, n) in sorted(stored.items()) if d not in expected],
            )
        )
    return out


def retry_messages(ids: Iterable[int], user: User | None) -> int:
    """Dead (failed) outbox messages back to pending with their attempts reset, so the worker
    sends them again and the messages queued behind them on their ordering key follow.
    Returns how many were dead; each is audited."""
    with transaction.atomic():
        dead = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=list(ids), status=OutboxMessage.Status.FAILED)
            .order_by("id")
        )
        for message in dead:
            audit.record(
                "outbox.retry",
                "outbox",
                message.key,
                actor=user,
                data={"topic": message.topic, "attempts": message.attempts,
                      "last_error": message.last_error[:500]},
            )  # fmt: skip
            message.status = OutboxMessage.Status.PENDING
            message.attempts = 0
            message.next_attempt_at = timezone.now()
            message.save(update_fields=["status", "attempts", "next_attempt_at"])
    return len(dead)
