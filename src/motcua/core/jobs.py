"""Background work behind one small interface, so the queue backend can change.

Today: django-q2 with the database as broker (no extra service in the embedded set-up).
"""

from __future__ import annotations


def schedule_every(func_path: str, minutes: int, name: str) -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func_path,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )


def schedule_daily(func_path: str, name: str, at: str = "02:30") -> None:
    """Run `func_path` once a day at `at` (HH:MM, local time), from the next such moment."""
    import datetime as dt

    from django.utils import timezone
    from django_q.models import Schedule

    hour, minute = (int(part) for part in at.split(":"))
    now = timezone.localtime()
    first = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if first <= now:
        first += dt.timedelta(days=1)
    schedule, created = Schedule.objects.get_or_create(
        name=name,
        defaults={
            "func": func_path,
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
            "next_run": first,
        },
    )
    if not created and (schedule.func, schedule.schedule_type) != (func_path, Schedule.DAILY):
        schedule.func, schedule.schedule_type, schedule.next_run = func_path, Schedule.DAILY, first
        schedule.save()
