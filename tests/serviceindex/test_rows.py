"""The tables' rows the views build in Python (views._indicator_rows, _trend_rows,
_losing_rows, _at_risk_rows) against the template loops they replace, kept here as the
slow path: the same text for random cards, months without data, text that needs escaping
and dossier codes reverse() has to quote."""

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.models import Agency, Procedure
from motcua.desk.links import dossier_href
from motcua.dossiers.models import Dossier, Status
from motcua.serviceindex import selectors, views
from motcua.serviceindex.models import DataFeed, Indicator
from tests.serviceindex.test_ranking import _fields, _random_counts

pytestmark = pytest.mark.django_db


def _loop(name: str) -> str:
    return (Path(__file__).parent / "loops_before" / name).read_text(encoding="utf-8")


# The templates' loops as they were (serviceindex/_indicators.html, dashboard.html,
# indicator.html), each table's <tbody>.
INDICATOR_LOOP = _loop("indicators.html")
TREND_LOOP = _loop("trend.html")
LOSING_LOOP = _loop("losing.html")
AT_RISK_LOOP = _loop("at_risk.html")

AWKWARD = ["Tên <b>\"đậm\"</b> & 'nháy'", "Căn cứ: Điều 5 <khoản 2>", "A&B"]


def _indicators(rng):
    """The seeded indicators, some with text to escape and odd weights."""
    out = []
    for i, item in enumerate(selectors.active_indicators()):
        fields = _fields(item)
        if rng.random() < 0.4:
            fields.update(name=rng.choice(AWKWARD), legal_source=rng.choice(AWKWARD))
        if rng.random() < 0.3:
            fields.update(
                max_points=Decimal(rng.randint(0, 2000)) / 100,
                full_at=Decimal(rng.randint(1, 10000)) / 100,
            )
        out.append(Indicator(pk=i + 1, **fields))
    return out


def _tbody(text: str) -> str:
    return text[text.index("<tbody>") + len("<tbody>") : text.rindex("</tbody>")]


def test_indicator_rows_are_the_template_loop():
    rng = random.Random(12)
    keys = [k.value for k in DataFeed.Key]
    for n in range(60):
        feeds = {k for k in keys if rng.random() < 0.5}
        card = selectors.scorecard(_random_counts(rng), _indicators(rng), feeds)
        detail_base = "" if n % 3 == 0 else f"/chi-so/bang-dieu-hanh/xa/{n}/chi-tieu/"
        query = rng.choice(["ky=nam&nam=2026", "ky=tuy-chon&tu=2025-01&den=2025-06", ""])
        context = {"card": card, "detail_base": detail_base, "query": query}
        expected = _tbody(Template(INDICATOR_LOOP).render(Context(context)))
        assert views._indicator_rows(card, detail_base, query) == expected


def test_trend_rows_are_the_template_loop():
    rng = random.Random(24)
    indicators = selectors.active_indicators()
    feeds = {k.value for k in DataFeed.Key}
    for _ in range(20):
        trend = []
        month = dt.date(rng.randint(2020, 2026), rng.randint(1, 12), 1)
        for _ in range(rng.randint(0, 24)):
            card = (
                None
                if rng.random() < 0.2
                else selectors.scorecard(_random_counts(rng), indicators, feeds)
            )
            trend.append((month, card, views._on_time_percent(card)))
            month = selectors.next_month(month)
        expected = _tbody(Template(TREND_LOOP).render(Context({"trend": trend})))
        assert views._trend_rows(trend) == expected


def _dossiers(rng, n):
    out = []
    for i in range(n):
        code = rng.choice([f"000.00.{i:02d}.H37-261127-{i:04d}", "mã hồ sơ ü&1", "A B+C", "x%20y"])
        d = Dossier(
            pk=i + 1,
            code=code,
            status=rng.choice(list(Status.values)),
            received_at=timezone.now() - dt.timedelta(minutes=rng.randint(0, 900_000)),
        )
        d.procedure = Procedure(pk=i + 1, name=rng.choice([*AWKWARD, "Cấp giấy phép"]))
        d.agency = Agency(pk=i + 1, name=rng.choice([*AWKWARD, "Sở Xây dựng"]))
        # The annotated appointment, around midnight and noon local time, or none.
        d.due = rng.choice(
            [
                None,
                timezone.now() + dt.timedelta(minutes=rng.randint(-3000, 30000)),
                dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC),
            ]
        )
        out.append(d)
    return out


def test_dossier_rows_are_the_template_loops():
    rng = random.Random(7)
    for n in (0, 1, 25, 25):
        dossiers = _dossiers(rng, n)
        context = Context({"page": {"dossiers": dossiers}, "what_if": {"at_risk": dossiers}})
        assert views._losing_rows(dossiers) == _tbody(Template(LOSING_LOOP).render(context))
        assert views._at_risk_rows(dossiers) == _tbody(Template(AT_RISK_LOOP).render(context))
    # The address written for each code is reverse()'s.
    href = dossier_href()
    for code in ("000.00.23.H37-261127-0207", "mã hồ sơ ü&1", "A B+C", "x%20y", "a~b:c"):
        assert href(code) == reverse("desk:dossier", args=[code])
