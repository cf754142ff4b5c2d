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


def schedule_daily(func_path: str, at: str, name: str) -> None:
    """Once a day at local time `at` ("HH:MM"), from the next such time on."""
    import datetime as dt

    from django.utils import timezone
    from django_q.models import Schedule

    hour, minute = (int(x) for x in at.split(":"))
    now = timezone.localtime()
    first = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if first <= now:
        first += dt.timedelta(days=1)
    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func_path,
            "schedule_type": Schedule.DAILY,
            "next_run": first,
            "repeats": -1,
        },
    )
