"""The report as PDF: the same Report object as the .xlsx, drawn with WeasyPrint like the
desk's forms (dossiers.documents.render_pdf: Liberation Serif, offline), A4 landscape."""

from __future__ import annotations

from motcua.dossiers.documents import render_pdf
from motcua.reports.selectors import COLUMNS, GROUPS, Report
from motcua.reports.xlsx import NO_EXPLANATION, NOTES

# WeasyPrint lays a long table out slowly (about a tenth of a second per late dossier on a
# busy machine): the PDF, the copy to sign and file, lists the first ones; the .xlsx lists
# up to selectors.LATE_LIMIT, and the form's columns count them all.
PDF_LATE_ROWS = 100


def context(report: Report, late_rows: int | None = None) -> dict:
    """What the PDF and the page's preview both draw (the late list cut at late_rows)."""
    late = report.late if late_rows is None else report.late[:late_rows]
    return {
        "report": report,
        "groups": GROUPS,
        "columns": COLUMNS,
        "numbers": list(range(1, len(COLUMNS) + 3)),
        "late": late,
        "late_missing": report.late_total - len(late),
        "notes": NOTES,
        "no_explanation": NO_EXPLANATION,
    }


def render(report: Report) -> bytes:
    return render_pdf(
        "reports/report_pdf.html", context(report, PDF_LATE_ROWS), stylesheet="reports/report.css"
    )
