"""The queue's markup written in Python (desk_tags) is what the template engine writes:
the tabs (desk/includes/queue_tabs.html) and the times (|date:"H:i d/m/Y")."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation

from motcua.desk.templatetags import desk_tags
from motcua.desk.views import QUEUE_STATUSES
from motcua.dossiers.models import Status

pytestmark = pytest.mark.django_db  # the URL of the queue: no query, but the desk's site


def _engine(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


TIMES = [
    dt.datetime(2026, 12, 1, 16, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC),  # the next year in Hà Nội
    dt.datetime(2027, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")),
    dt.datetime(999, 3, 4, 5, 6, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")),
]


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "UTC", "America/St_Johns"])
def test_times_are_the_date_filters(zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for value in TIMES:
            expected = _engine('{{ t|date:"H:i d/m/Y" }}', {"t": value})
            assert _engine("{% load desk_tags %}{{ t|queue_time }}", {"t": value}) == expected
            assert desk_tags._when(value, timezone.get_current_timezone()) == expected


def _contexts():
    numbers = [0, 7, 1234567]
    counts = [(s, Status(s).label, numbers[i % 3]) for i, s in enumerate(QUEUE_STATUSES)]
    base = {
        "status_counts": counts,
        "total": 1234590,
        "overdue_count": 12,
        "mine_count": 0,
        "all_tab": False,
        "status": "",
        "overdue": False,
        "mine": False,
    }
    yield base | {"all_tab": True}
    for status in QUEUE_STATUSES:
        yield base | {"status": status}
    yield base | {"status": "not-a-status"}
    yield base | {"overdue": True}
    yield base | {"mine": True, "status": Status.RECEIVED}
    yield base | {"status_counts": []}
    yield base | {"status_counts": [("<x>", "Nhãn <b>&</b>", "1<2")], "total": "a&b"}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_tabs_are_the_templates(language):
    with translation.override(language):
        for context in _contexts():
            expected = render_to_string(desk_tags.TABS_TEMPLATE, context)
            assert _engine("{% load desk_tags %}{% queue_tabs %}", context) == expected
            assert 'class="status-filter' in expected
