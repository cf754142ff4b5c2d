"""The queue's markup written in Python (desk_tags) is what the template engine writes:
the tabs (desk/includes/queue_tabs.html) and the times (|date:"H:i d/m/Y")."""

from __future__ import annotations

import datetime as dt
import re
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


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_pagination_is_the_included_templates(language):
    from django.core.paginator import Paginator

    with translation.override(language):
        for count, size in ((0, 3), (3, 3), (4, 3), (10, 3), (12345, 2)):
            paginator = Paginator(range(count), size)
            numbers = sorted({1, 2, 3, paginator.num_pages - 1, paginator.num_pages} - {0})
            for number in numbers:
                if number > paginator.num_pages:
                    continue
                for query in ("", "trang_thai=received", "q=%3Cx%3E&a=<b>&amp;"):
                    context = {"page": paginator.page(number), "query": query}
                    expected = render_to_string(desk_tags.PAGINATION_TEMPLATE, context)
                    tag = _engine("{% load desk_tags %}{% queue_pagination %}", context)
                    assert tag == expected, (count, size, number, query)


def _normalised(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_kept_fragments_are_what_the_page_writes_without_them(client, world, language):
    """desk/queue.html with its {% kept %} fragments, cold and kept, is what the same
    template without those tags writes, for each role."""
    from django.template.loader import get_template

    world.submit_online()
    source = get_template("desk/queue.html").template.source
    assert "{% kept" in source
    plain = re.sub(r"{% (end)?kept[^%]*%}", "", source)
    for user in (world.desk, world.leader, world.specialist):
        client.force_login(user)
        for _ in range(2):  # rendered, then kept
            with translation.override(language):
                response = client.get("/mot-cua/", HTTP_ACCEPT_LANGUAGE=language)
                assert response.templates[0].name == "desk/queue.html"
                context = response.context[0].flatten()
                expected = (
                    engines["django"]
                    .from_string(plain)
                    .render(context, request=response.wsgi_request)
                )
            assert _normalised(response.content.decode()) == _normalised(expected)
            assert 'class="page-head"' in expected and "<thead>" in expected
    kept = {key[4:] for key in desk_tags._kept}  # the values named: each role; the table
    assert kept >= {("desk",), ("leader",), ("specialist",), ()}
