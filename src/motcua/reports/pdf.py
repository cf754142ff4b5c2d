"""The report as PDF: the same Report object as the .xlsx, drawn with WeasyPrint like the
desk's forms (dossiers.documents.render_pdf: Liberation Serif, offline), A4 landscape."""

from __future__ import annotations

from motcua.dossiers.documents import render_pdf
from motcua.reports.selectors import COLUMNS, GROUPS, Report
from motcua.reports.xlsx import NO_EXPLANATION, NOTES


def context(report: Report) -> dict:
    """What the PDF and the page's preview both draw."""
    return {
        "report": report,
        "groups": GROUPS,
        "columns": COLUMNS,
        "numbers": list(range(1, len(COLUMNS) + 3)),
        "late": report.late,
        "late_missing": report.late_missing,
        "notes": NOTES,
        "no_explanation": NO_EXPLANATION,
    }


def render(report: Report) -> bytes:
    return render_pdf("reports/report_pdf.html", context(report), stylesheet="reports/report.css")
