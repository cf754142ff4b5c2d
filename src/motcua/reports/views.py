"""The report page: unit and period chosen, the table previewed, .xlsx and PDF downloaded.
Thin: the numbers come from selectors.build, the files from xlsx.py and pdf.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from motcua.core.dates import format_month
from motcua.reports import pdf, policy, selectors, xlsx
from motcua.serviceindex import selectors as units_selectors

NOT_ALLOWED = (
    "Báo cáo thống kê dành cho lãnh đạo và cán bộ được giao lập báo cáo của đơn vị. "
    "Tài khoản của bạn không có quyền lập báo cáo này."
)
YEARS_BACK = 6
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
def units(request):
    found = units_selectors.visible_units(request.user, policy)
    if not found:
        raise PermissionDenied(NOT_ALLOWED)
    if len(found) == 1:
        return redirect("reports:page", found[0].kind, found[0].pk)
    by_kind: dict[str, list] = {}
    for u in found:
        by_kind.setdefault(u.kind_label, []).append(u)
    return render(request, "reports/units.html", {"by_kind": by_kind})


def _unit(request, kind, pk):
    unit = units_selectors.unit_at(kind, pk)
    if unit is None:
        raise Http404("Không có đơn vị này.")
    if not policy.may_see(request.user, unit):
        raise PermissionDenied(NOT_ALLOWED)
    return unit


def _grouping(request) -> str:
    return request.GET.get("nhom") or "linh-vuc"


def _form(request, period) -> dict:
    today = timezone.localdate()
    get = request.GET
    return {
        "years": list(range(today.year, today.year - YEARS_BACK, -1)),
        "months": list(range(1, 13)),
        "kind": get.get("ky") or (period.kind if period else "quy"),
        "year": int(period.first.year) if period else today.year,
        "month": period.first.month if period else today.month,
        "quarter": (period.first.month - 1) // 3 + 1 if period else 1,
        "half": 1 if (period is None or period.first.month <= 6) else 2,
        "first_value": format_month(period.first) if period else "",
        "last_value": format_month(period.last) if period else "",
        "grouping": _grouping(request),
        "groupings": selectors.GROUPINGS,
    }


@login_required
def page(request, kind, pk):
    unit = _unit(request, kind, pk)
    params = request.GET if request.GET.get("ky") else {"ky": "quy"}
    error, report, period = "", None, None
    try:
        period = selectors.parse(params)
        report = selectors.build(unit, period, _grouping(request), late_limit=200)
    except selectors.PeriodError as exc:
        error = str(exc)
    context = {"unit": unit, "report": report, "error": error, **_form(request, period)}
    if report is not None:
        context.update(pdf.context(report))
        context["query"] = request.GET.urlencode() or "ky=quy"
    return render(request, "reports/page.html", context, status=400 if error else 200)


@login_required
def download(request, kind, pk, fmt):
    unit = _unit(request, kind, pk)
    if fmt not in FORMATS:
        raise Http404("Không có định dạng này.")
    try:
        report = selectors.build(unit, selectors.parse(request.GET), _grouping(request))
    except selectors.PeriodError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    data = xlsx.render(report) if fmt == "xlsx" else pdf.render(report)
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename(report, fmt)}"'
    return response


def filename(report: selectors.Report, fmt: str) -> str:
    """ASCII only: kind, unit id, months."""
    p = report.period
    return f"bao-cao-06-{report.unit.kind}-{report.unit.pk}-{p.first:%Y%m}-{p.last:%Y%m}.{fmt}"
