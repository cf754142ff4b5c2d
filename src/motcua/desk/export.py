"""The queue's list as a workbook (the filters the officer chose, every matching row)."""

from __future__ import annotations

import io

from django.utils import timezone

from motcua.core.dates import format_datetime

COLUMNS = [
    ("STT", 6),
    ("Mã hồ sơ", 26),
    ("Mã thủ tục", 12),
    ("Tên thủ tục", 50),
    ("Người nộp", 26),
    ("Số định danh", 15),
    ("Điện thoại", 13),
    ("Kênh nộp", 16),
    ("Trạng thái", 22),
    ("Cơ quan đang xử lý", 30),
    ("Cán bộ xử lý", 22),
    ("Tiếp nhận", 17),
    ("Hẹn trả", 17),
    ("Quá hạn", 9),
]


def dossier_list_xlsx(rows) -> bytes:
    """XlsxWriter in memory, as the register (form 07) is built: fast, a few MB at most
    for the export's row cap."""
    import xlsxwriter  # loaded on first use only

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Ho so")
    head = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "vcenter", "border": 1, "bg_color": "#E8EEF4"}
    )
    cell = workbook.add_format({"valign": "top", "border": 1, "text_wrap": True})
    title = workbook.add_format({"bold": True, "font_size": 13})
    for col, (_, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(2)
    sheet.write_string(0, 0, f"Danh sách hồ sơ (lập lúc {format_datetime(timezone.now())})", title)
    for col, (heading, _) in enumerate(COLUMNS):
        sheet.write_string(2, col, heading, head)
    sheet.freeze_panes(3, 0)
    for i, d in enumerate(rows, start=1):
        assignee = d.current_assignee
        values = [
            d.code,
            d.procedure.code,
            d.procedure.name,
            d.applicant_name,
            d.applicant_id_number,
            d.applicant_phone,
            d.channel_label,
            d.status_label,
            d.current_agency.name,
            (assignee.get_full_name() or assignee.username) if assignee else "",
            format_datetime(d.received_at),
            format_datetime(d.due_at or d.intake_due_at),
            "Quá hạn" if d.is_overdue else "",
        ]
        row = i + 2
        sheet.write_number(row, 0, i, cell)
        for col, value in enumerate(values, start=1):
            sheet.write_string(row, col, str(value), cell)  # labels are lazy strings
    sheet.autofilter(2, 0, 2 + len(rows), len(COLUMNS) - 1)
    workbook.close()
    return buffer.getvalue()
