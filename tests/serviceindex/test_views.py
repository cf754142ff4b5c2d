"""The scorecard and dashboards: who sees what, periods, the dossiers that cost points."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.models import Agency, Officer
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.serviceindex.models import OpenDueCount
from motcua.serviceindex.rebuild import rebuild_open
from tests import factories

pytestmark = pytest.mark.django_db


def _late_dossier(world):
    d = services.receive(world.submit_online(), world.desk)
    past = timezone.now() - dt.timedelta(hours=1)
    Dossier.objects.filter(pk=d.pk).update(on_time_due_at=past, original_due_at=past)
    rebuild_open(Dossier, OpenDueCount)  # an UPDATE beside the services is an import
    return d


def test_public_scorecard_for_everyone(client, world):
    _late_dossier(world)
    services.receive(world.submit_online(), world.desk)
    page = client.get(reverse("serviceindex:public"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tiến độ giải quyết" in text and "50,00 %" in text  # 1 of 2 on time
    assert "Không có dữ liệu" in text  # digitisation: no feed
    assert 'id="chart-data"' in text and "<script>" not in text


@pytest.mark.parametrize(
    "params",
    [
        {"ky": "thang", "thang": "13"},
        {"ky": "tuần"},
        {"ky": "tuy-chon", "tu": "2026-05", "den": "2026-01"},
        {"ky": "tuy-chon", "tu": "x"},
        {"ky": "tuy-chon", "tu": "13/2025", "den": "12/2025"},
        {"ky": "tuy-chon", "tu": "01/0001", "den": "12/2025"},
        {"nam": "abc"},
    ],
)
def test_bad_periods_explained_in_vietnamese(client, world, params):
    page = client.get(reverse("serviceindex:public"), params)
    assert page.status_code == 200
    assert "Đang hiển thị năm nay" in page.content.decode()


def test_periods_month_quarter_year_custom(client, world):
    for params, label in [
        ({"ky": "thang", "nam": "2025", "thang": "3"}, "Tháng 03/2025"),
        ({"ky": "quy", "nam": "2025", "quy": "2"}, "Quý 2/2025"),
        ({"ky": "nam", "nam": "2024"}, "Năm 2024"),
        ({"ky": "tuy-chon", "tu": "2025-01", "den": "2025-06"}, "Từ 01/2025 đến 06/2025"),
        ({"ky": "tuy-chon", "tu": "1/2025", "den": "06/2025"}, "Từ 01/2025 đến 06/2025"),
    ]:
        page = client.get(reverse("serviceindex:public"), params)
        assert label in page.content.decode()


def test_leader_sees_own_agency_only(client, world):
    client.force_login(world.leader)
    start = client.get(reverse("serviceindex:dashboards"))
    own = reverse("serviceindex:dashboard", args=["co-quan", world.dept.pk])
    assert start.status_code == 302 and start.url == own
    assert client.get(own).status_code == 200
    other = reverse("serviceindex:dashboard", args=["co-quan", world.other_dept.pk])
    assert client.get(other).status_code == 403
    assert client.get(reverse("serviceindex:dashboard", args=["tinh", 0])).status_code == 403


def test_desk_officers_and_citizens_have_no_dashboard(client, world):
    for user in (world.desk, world.specialist, world.citizen):
        client.force_login(user)
        assert client.get(reverse("serviceindex:dashboards")).status_code == 403
    client.logout()
    assert client.get(reverse("serviceindex:dashboards")).status_code == 302  # to login


def test_province_leader_sees_every_unit_and_the_ranking(client, world):
    province = factories.agency(name="UBND tỉnh Ninh Bình", level=Agency.Level.PROVINCE)
    leader = factories.officer(province, Officer.Role.LEADER, "province-leader")
    _late_dossier(world)
    client.force_login(leader)
    listing = client.get(reverse("serviceindex:dashboards")).content.decode()
    assert "Sở Xây dựng" in listing and "Toàn tỉnh" in listing
    page = client.get(reverse("serviceindex:dashboard", args=["co-quan", world.dept.pk]))
    text = page.content.decode()
    assert "xếp hạng 1/1" in text  # the only department with dossiers
    # The ranking table: this department first and marked, the others without data.
    assert '<tr class="current" aria-current="true"><td class="num">1</td>' in text
    assert '<th scope="row">Sở Tư pháp</th><td class="num">Không có dữ liệu</td>' in text
    assert client.get(reverse("serviceindex:dashboard", args=["tinh", 0])).status_code == 200
    assert client.get(reverse("serviceindex:dashboard", args=["xa", 999])).status_code == 404
    assert client.get(reverse("serviceindex:dashboard", args=["sao", 1])).status_code == 404


def test_indicator_detail_lists_the_late_dossiers_and_the_what_if(client, world):
    late = _late_dossier(world)
    soon = services.receive(world.submit_online(), world.desk)
    client.force_login(world.leader)
    url = reverse("serviceindex:indicator", args=["co-quan", world.dept.pk, "TD1"])
    text = client.get(url).content.decode()
    assert reverse("desk:dossier", args=[late.code]) in text
    assert soon.code in text  # due within the horizon: in the what-if list
    # Now: 1 of 2 on time = 10 points of 20; if the one due soon is late: 0.
    assert "giữ <strong>10,00</strong>" in text
    assert "còn <strong>0,00</strong>" in text
    online = client.get(
        reverse("serviceindex:indicator", args=["co-quan", world.dept.pk, "TT1"])
    ).content.decode()
    assert "Không có hồ sơ nào làm mất điểm" in online  # both were filed online
    missing = reverse("serviceindex:indicator", args=["co-quan", world.dept.pk, "XX9"])
    assert client.get(missing).status_code == 404


def test_losing_dossiers_come_a_page_at_a_time_after_a_cursor(client, world, monkeypatch):
    from motcua.serviceindex import views

    monkeypatch.setattr(views, "DETAIL_PAGE", 2)
    late = [_late_dossier(world) for _ in range(3)]
    rebuild_open(Dossier, OpenDueCount)  # the UPDATEs above are an import
    client.force_login(world.leader)
    url = reverse("serviceindex:indicator", args=["co-quan", world.dept.pk, "TD1"])
    first = client.get(url).content.decode()
    assert "3 hồ sơ" in first  # the total, from the summary
    assert late[2].code in first and late[1].code in first and late[0].code not in first
    cursor = re.search(r"sau=(\d+)", first).group(1)
    assert cursor == str(late[1].pk)
    second = client.get(url, {"sau": cursor}).content.decode()
    assert late[0].code in second and late[1].code not in second
    assert "3 hồ sơ" in second and "Về trang đầu" in second and "sau=" not in second
    # A cursor that is not a number is the first page, never an error.
    assert late[2].code in client.get(url, {"sau": "x'--"}).content.decode()


def test_the_ranking_score_is_the_scorecard_total(world):
    from motcua.serviceindex import selectors

    _late_dossier(world)
    services.receive(world.submit_online(), world.desk)
    rebuild_open(Dossier, OpenDueCount)
    ctx = selectors.Context.load()
    period = selectors.parse_period({})
    for unit in selectors.units_of_kind("co-quan"):
        counts = selectors.unit_counts(unit, period, ctx)
        card = selectors.scorecard(counts, ctx.indicators, ctx.feeds)
        quick = selectors.Scorer(ctx.indicators, ctx.feeds)(counts)
        assert (quick.points, quick.max_with_data, quick.percent) == (
            card.points,
            card.max_with_data,
            card.percent,
        )


def test_custom_months_shown_day_first_not_in_the_browsers_language(client, world):
    """The month boxes are text in mm/yyyy (a browser's month picker would print
    "January 2025" on an English system)."""
    page = client.get(
        reverse("serviceindex:public"), {"ky": "tuy-chon", "tu": "2025-01", "den": "2025-06"}
    )
    text = page.content.decode()
    assert 'type="month"' not in text
    assert 'name="tu" value="01/2025"' in text and 'name="den" value="06/2025"' in text


def test_a_page_reads_todays_passed_dossiers_once(world):
    """A ranked dashboard (the unit's months and every agency's period) and the indicator
    page (its counts and the what-if) read the dossiers due before now today once, and
    give what reading them for each gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.serviceindex import selectors

    d = _late_dossier(world)
    # Due earlier today: among today's passed dossiers, not in OpenDueCount's late rows.
    due = selectors.day_start(timezone.now()) + dt.timedelta(minutes=1)
    if due < timezone.now():
        Dossier.objects.filter(pk=d.pk).update(on_time_due_at=due, original_due_at=due)
        rebuild_open(Dossier, OpenDueCount)
    services.receive(world.submit_online(), world.desk)
    period = selectors.parse_period({})
    unit = selectors.get_unit("co-quan", d.agency_id)
    ctx = selectors.Context.load()
    with CaptureQueriesContext(connection) as queries:
        numbers = selectors.dashboard(unit, period, ctx)
        what = selectors.what_if(unit, period, ctx, counts=numbers.card.counts)
    assert sum("dossiers_dossier" in q["sql"] for q in queries.captured_queries) == 2
    # (the what-if's list of dossiers due soon is the other one)
    fresh = selectors.Context.load(ctx.now)
    assert numbers.card.counts == selectors.unit_counts(unit, period, fresh)
    mine = next(r for r in numbers.ranked if r.unit.pk == unit.pk)
    assert mine.card.points == numbers.card.points
    assert what.at_risk_total == selectors.what_if(unit, period, fresh).at_risk_total
    ids = selectors.province().agency_ids
    alone = selectors.month_counts(ids, period.first, period.last, ctx.now, by=("agency_id",))
    shared = selectors.month_counts(
        ids,
        period.first,
        period.last,
        ctx.now,
        by=("agency_id",),
        passed=ctx.passed_rows(None, selectors.trend_first(period.last), period.last),
    )
    assert alone == shared
