"""The index's pages: the province's public scorecard (as the national portal shows it)
and the leaders' dashboards. Thin: the numbers come from selectors, the charts are drawn
by static/js/serviceindex.js from the JSON each page carries (json_script: no inline
script under the CSP), every chart has its table beside it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from motcua.catalog.models import AdministrativeUnit
from motcua.core.dates import format_month
from motcua.core.templatetags.numbers import decimals
from motcua.serviceindex import policy, selectors

NOT_ALLOWED = (
    "Bảng điều hành chỉ số phục vụ dành cho lãnh đạo đơn vị. "
    "Tài khoản của bạn không có quyền xem bảng này."
)
YEARS_BACK = 5


def _period(request):
    """The period asked for, or this year with the reason shown when it was not valid."""
    try:
        return selectors.parse_period(request.GET), ""
    except selectors.PeriodError as exc:
        return selectors.parse_period({}), str(exc)


def _period_form(period):
    today = selectors.timezone.localdate()
    return {
        "years": list(range(today.year, today.year - YEARS_BACK, -1)),
        "months": list(range(1, 13)),
        "quarters": [1, 2, 3, 4],
        "quarter": (period.first.month - 1) // 3 + 1,
        "period": period,
        "first_value": format_month(period.first),
        "last_value": format_month(period.last),
    }


def _percent(value):
    return None if value is None else round(value, 2)


def _groups_chart(card):
    return {
        "labels": [g.label for g in card.groups],
        "points": [None if g.points is None else float(g.points) for g in card.groups],
        "max": [float(g.max_points) for g in card.groups],
    }


def _on_time_percent(card):
    """The progress indicator's rate in a month's card (whatever its code), or None."""
    if card is None:
        return None
    return next((r.percent for r in card.results if r.indicator.formula == "on_time"), None)


def _peer_rows(ranked, unit) -> str:
    """The ranking table's rows (175 for the communes), built here rather than by the
    template loop, which cost more than computing the ranking itself. Only the names are
    text (escaped); the rest are numbers formatted here."""
    no_data = escape(_("Không có dữ liệu"))
    rows = []
    for r in ranked:
        card = r.card
        percent = no_data if card.percent is None else f"{decimals(card.percent, 2)} %"
        points = (
            "–"
            if card.points is None
            else f"{decimals(card.points, 2)} / {decimals(card.max_with_data, 0)}"
        )
        current = ' class="current" aria-current="true"' if r.unit.pk == unit.pk else ""
        rows.append(
            f'<tr{current}><td class="num">{r.rank or "–"}</td>'
            f'<th scope="row">{escape(r.unit.name)}</th>'
            f'<td class="num">{percent}</td><td class="num">{points}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - names escaped above, the rest numbers


def _province_name() -> str:
    root = AdministrativeUnit.objects.filter(parent=None).values_list("name", flat=True).first()
    return root or "Toàn tỉnh"


def scorecard(request):
    period, error = _period(request)
    ctx = selectors.Context.load()
    card = selectors.unit_scorecard(selectors.province(), period, ctx)
    return render(
        request,
        "serviceindex/public.html",
        {
            "card": card,
            "period_error": error,
            "province_name": _province_name(),
            "chart": {"groups": _groups_chart(card)},
            **_period_form(period),
        },
    )


@login_required
def dashboards(request):
    """The dashboards this user may open; straight to it when there is only one."""
    units = selectors.visible_units(request.user, policy)
    if not units:
        raise PermissionDenied(NOT_ALLOWED)
    if len(units) == 1:
        return redirect("serviceindex:dashboard", units[0].kind, units[0].pk)
    by_kind: dict[str, list] = {}
    for u in units:
        by_kind.setdefault(u.kind_label, []).append(u)
    return render(request, "serviceindex/dashboards.html", {"by_kind": by_kind})


def _unit_for(request, kind, pk):
    unit = selectors.unit_at(kind, pk)
    if unit is None:
        raise Http404("Không có đơn vị này.")
    if not policy.may_see(request.user, unit):
        raise PermissionDenied(NOT_ALLOWED)
    return unit


@login_required
def dashboard(request, kind, pk):
    unit = _unit_for(request, kind, pk)
    period, error = _period(request)
    ctx = selectors.Context.load()
    numbers = selectors.dashboard(unit, period, ctx)
    card, trend, ranked = numbers.card, numbers.trend, numbers.ranked
    mine = next((r for r in ranked if r.unit.pk == unit.pk), None)
    chart = {
        "groups": _groups_chart(card),
        "trend": {
            "months": [f"{m:%m/%Y}" for m, _ in trend],
            "percent": [_percent(c.percent) if c else None for _, c in trend],
            "on_time": [_on_time_percent(c) for _, c in trend],
        },
        "peers": {
            "names": [r.unit.name for r in ranked if r.rank],
            "percent": [_percent(r.card.percent) for r in ranked if r.rank],
            "current": next((i for i, r in enumerate(ranked) if r.unit.pk == unit.pk), -1),
        },
    }
    query = period.query()
    return render(
        request,
        "serviceindex/dashboard.html",
        {
            "unit": unit,
            "card": card,
            # (month, card, on-time %): the table reads the rate without looping over results
            "trend": [(m, c, _on_time_percent(c)) for m, c in trend],
            "ranked": ranked,
            "peer_rows": _peer_rows(ranked, unit),
            "mine": mine,
            "peer_count": sum(1 for r in ranked if r.rank),
            "chart": chart,
            "period_error": error,
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
            **_period_form(period),
        },
    )


DETAIL_PAGE = 25


def _after(request) -> int | None:
    """The cursor of the losing-dossier list (`sau`: the last dossier of the page before);
    anything else is the first page."""
    raw = request.GET.get("sau", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
def indicator(request, kind, pk, code):
    unit = _unit_for(request, kind, pk)
    period, error = _period(request)
    ctx = selectors.Context.load()
    item = next((i for i in ctx.indicators if i.code == code), None)  # the active ones
    if item is None:
        raise Http404("Không có chỉ tiêu này.")
    card = selectors.unit_scorecard(unit, period, ctx)
    losing = selectors.losing_dossiers(unit, period, item, ctx.now)
    page = (
        selectors.losing_page(
            losing, selectors.losing_count(item, card.counts), _after(request), DETAIL_PAGE
        )
        if losing is not None
        else None
    )
    what_if = (
        selectors.what_if(unit, period, ctx, counts=card.counts)
        if item.formula in ("on_time", "satisfaction")
        else None
    )
    query = period.query()
    base = reverse("serviceindex:indicator", args=[unit.kind, unit.pk, item.code])
    return render(
        request,
        "serviceindex/indicator.html",
        {
            "unit": unit,
            "item": item,
            "result": card.result(item.code),
            "card": card,
            "page": page,
            "rule": selectors.LOSS_RULES.get(item.formula, ""),
            "what_if": what_if,
            "what_if_result": what_if.if_late.result(item.code) if what_if else None,
            "period": period,
            "period_error": error,
            "page_base": base + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
            "dashboard_url": reverse("serviceindex:dashboard", args=[unit.kind, unit.pk])
            + "?"
            + "&".join(f"{k}={v}" for k, v in query.items()),
        },
    )
