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
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from motcua.catalog.models import AdministrativeUnit
from motcua.core.dates import format_month
from motcua.core.templatetags.numbers import decimals
from motcua.desk.links import dossier_href
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


def _indicator_rows(card, detail_base: str = "", query: str = "") -> str:
    """The body of the indicators table (_indicators.html), the text its template loops
    gave (every page of the index shows it; the loops were most of the page's
    rendering). Text from the database escaped, the rest numbers formatted here."""
    no_data, none_lower = escape(_("Không có dữ liệu")), escape(_("không có dữ liệu"))
    points_word, see = escape(_("điểm")), escape(_("Xem"))
    colspan = "6" if detail_base else "5"
    out = ["\n  "]
    for g in card.groups:
        got = none_lower if g.points is None else decimals(g.points, 2)
        out.append(
            f'\n    <tr class="group-row"><th scope="rowgroup" colspan="{colspan}">'
            f"{escape(g.label)}: {got} / {decimals(g.max_points, 0)} {points_word}</th></tr>\n    "
        )
        for r in g.results:
            item = r.indicator
            code = escape(item.code)
            rate = (
                f'<span class="no-data">{no_data}</span><br><small class="muted">'
                f"{escape(r.reason)}</small>"
                if r.rate is None
                else f"{decimals(r.percent, 2)} %"
            )
            points = "–" if r.points is None else decimals(r.points, 2)
            detail = ""
            if detail_base:
                url = escape(f"{detail_base}{item.code}/?{query}")
                detail = (
                    f'<td><a href="{url}" hx-get="{url}" hx-target="#indicator-detail" '
                    'hx-select="#indicator-detail" hx-swap="outerHTML" hx-push-url="false">'
                    f'{see}<span class="visually-hidden"> {code}</span></a></td>'
                )
            out.append(
                f"\n    <tr>\n      <td>{code}</td>\n      <td>{escape(item.name)}<br>"
                f'<small class="muted">{escape(item.legal_source)}</small></td>\n'
                f'      <td class="num">{rate}</td>\n'
                f'      <td class="num">{decimals(item.full_at, 0)} %</td>\n'
                f'      <td class="num">{points} / {decimals(item.max_points, 0)}</td>\n'
                f"      {detail}\n    </tr>\n    "
            )
        out.append("\n  ")
    out.append("\n  ")
    return mark_safe("".join(out))  # noqa: S308 - text escaped above, the rest numbers


def _trend_rows(trend) -> str:
    """The body of the dashboard's table by month: (month, card or None, on-time %)."""
    no_data = escape(_("Không có dữ liệu"))
    rows = []
    for month, c, on_time in trend:
        if c is None:
            cells = f'<td class="num" colspan="3">{no_data}</td>'
        else:
            points = "–" if c.points is None else decimals(c.points, 2)
            percent = no_data if c.percent is None else f"{decimals(c.percent, 2)} %"
            late = "–" if on_time is None else f"{decimals(on_time, 2)} %"
            cells = (
                f'<td class="num">{points}</td><td class="num">{percent}</td>'
                f'<td class="num">{late}</td>'
            )
        rows.append(f'<tr><th scope="row">{month:%m/%Y}</th>{cells}</tr>')
    return mark_safe("".join(rows))  # noqa: S308 - no text from the database


def _local(value, pattern: str) -> str:
    """|date for an aware datetime: in the local time zone; "" for None (as the filter)."""
    return "" if value is None else timezone.localtime(value).strftime(pattern)


def _dossier_rows(dossiers, cells) -> str:
    """Table rows of dossiers: the code linked to the desk's page, then cells(dossier)."""
    href = dossier_href()
    return mark_safe(  # noqa: S308 - text escaped, dates formatted here
        "".join(
            f'<tr><td><a href="{escape(href(d.code))}">{escape(d.code)}</a></td>{cells(d)}</tr>'
            for d in dossiers
        )
    )


def _losing_rows(dossiers) -> str:
    """The body of the indicator page's table of dossiers that cost points."""
    return _dossier_rows(
        dossiers,
        lambda d: (
            f"<td>{escape(d.procedure.name)}</td><td>{escape(d.agency.name)}</td>"
            f"<td>{escape(d.status_label)}</td><td>{_local(d.received_at, '%d/%m/%Y')}</td>"
        ),
    )


def _at_risk_rows(dossiers) -> str:
    """The body of the what-if's table of dossiers due soon."""
    return _dossier_rows(
        dossiers,
        lambda d: f"<td>{escape(d.procedure.name)}</td><td>{_local(d.due, '%H:%M %d/%m/%Y')}</td>",
    )


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
            "indicator_rows": _indicator_rows(card),
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
    query = "&".join(f"{k}={v}" for k, v in period.query().items())
    detail_base = reverse("serviceindex:dashboard", args=[unit.kind, unit.pk]) + "chi-tieu/"
    return render(
        request,
        "serviceindex/dashboard.html",
        {
            "unit": unit,
            "card": card,
            "detail_base": detail_base,
            "indicator_rows": _indicator_rows(card, detail_base, query),
            "trend_rows": _trend_rows((m, c, _on_time_percent(c)) for m, c in trend),
            "ranked": ranked,
            "peer_rows": _peer_rows(ranked, unit),
            "mine": mine,
            "peer_count": sum(1 for r in ranked if r.rank),
            "chart": chart,
            "period_error": error,
            "query": query,
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
            "losing_rows": _losing_rows(page.dossiers) if page else "",
            "at_risk_rows": _at_risk_rows(what_if.at_risk) if what_if else "",
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
