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
