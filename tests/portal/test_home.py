"""The home page: announcements written in the admin, figures from the summary tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from motcua.dossiers.models import AgencyMonthStats
from motcua.portal import selectors
from motcua.portal.models import Announcement
from tests import factories

pytestmark = pytest.mark.django_db


def test_current_announcements_only(client):
    now = timezone.now()
    Announcement.objects.create(title="Lịch nghỉ Tết Nguyên đán", body="Từ 14/02 đến 22/02.")
    Announcement.objects.create(title="Bảo trì hệ thống", is_important=True)
    Announcement.objects.create(title="Đã hết hạn", expires_at=now - dt.timedelta(days=1))
    Announcement.objects.create(title="Chưa tới ngày", published_at=now + dt.timedelta(days=1))
    Announcement.objects.create(title="Đã gỡ", is_published=False)
    assert [a.title for a in selectors.current_announcements()] == [
        "Bảo trì hệ thống",
        "Lịch nghỉ Tết Nguyên đán",
    ]
    html = client.get(reverse("home")).content.decode()
    assert "Lịch nghỉ Tết Nguyên đán" in html
    assert "Từ 14/02 đến 22/02." in html
    assert "Đã hết hạn" not in html and "Chưa tới ngày" not in html and "Đã gỡ" not in html


def test_figures_from_the_summary_tables(client, django_assert_max_num_queries):
    agency = factories.agency()
    factories.procedure(agency)
    today = timezone.localdate()
    AgencyMonthStats.objects.create(
        agency=agency, month=today.replace(day=1), received=40, finished=20, on_time=19
    )
    AgencyMonthStats.objects.create(
        agency=agency, month=today.replace(year=today.year - 1, day=1), received=7, finished=7
    )
    cache.clear()
    with django_assert_max_num_queries(2):
        figures = selectors.home_figures()
    assert figures["received"] == 40
    assert figures["finished"] == 20
    assert figures["on_time_percent"] == 95.0
    assert figures["procedures"] == figures["online"] == 1
    html = client.get(reverse("home")).content.decode()
    assert "95,0 %" in html
    with django_assert_max_num_queries(0):
        selectors.home_figures()  # cached


def test_no_finished_dossier_is_no_data_not_100_percent(client):
    cache.clear()
    assert selectors.home_figures()["on_time_percent"] is None
    assert "Chưa có số liệu" in client.get(reverse("home")).content.decode()


def test_favicon_and_titles(client):
    from django.contrib.staticfiles import finders

    html = client.get(reverse("home")).content.decode()
    assert 'rel="icon"' in html and "img/favicon.svg" in html and "img/favicon.ico" in html
    assert "<title>Trang chủ – Motcua</title>" in html
    assert html.count('id="figures-title"') == 1
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/img/favicon.ico")
    assert finders.find("img/favicon.ico") and finders.find("img/favicon.svg")
    with open(finders.find("img/favicon.ico"), "rb") as f:
        assert f.read(4) == b"\x00\x00\x01\x00"  # an ICO header
