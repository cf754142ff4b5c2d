"""The report as .xlsx (XlsxWriter). Two sheets: the form, and the list of late dossiers
with their explanation."""

from __future__ import annotations

import io

from motcua.dossiers.documents import VN_TZ
from motcua.reports.selectors import COLUMNS, GROUPS, Report

FONT = "Times New Roman"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def _dt(value) -> str:
    # A fixed zone: timezone.localtime looks the active zone up per call (a third of the
    # file's time for 5,000 late dossiers).
    return f"{value.astimezone(VN_TZ):%d/%m/%Y %H:%M}" if value else ""


def render(report: Report) -> bytes:
    import xlsxwriter  # loaded on first use only

    buffer = io.BytesIO()
    # Every cell kept until close (the late list is cut at selectors.LATE_LIMIT, so a few
    # MB at most) and strings shared: agency, field, procedure, situation and explanation
    # repeat, so each is escaped and written once, not per cell as constant_memory's
    # inline strings were (40 % of the file's time). Text is text: an applicant's note
    # starting with "=" or holding an address is never made a formula or a link.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    base = {"font_name": FONT, "font_size": 11}
    f_bold = book.add_format({**base, "bold": True, "align": "center"})
    f_plain_c = book.add_format({**base, "align": "center"})
    f_italic = book.add_format({**base, "italic": True, "align": "center"})
    f_title = book.add_format({**base, "bold": True, "font_size": 13, "align": "center"})
    f_head = book.add_format(
        {**base, "bold": True, "border": 1, "align": "center", "valign": "vcenter"}
        | {"text_wrap": True}
    )
    f_num = book.add_format({**base, "border": 1, "num_format": "#,##0"})
    f_num_b = book.add_format({**base, "border": 1, "num_format": "#,##0", "bold": True})
    f_text = book.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})
    f_text_b = book.add_format({**base, "border": 1, "bold": True})
    f_note = book.add_format({**base, "italic": True})

    n = 2 + len(COLUMNS)
    last_col = n - 1
    sheet = book.add_worksheet("Bieu 06")
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, last_col, 11)
    # Rows in order: header, columns, data, total.
    half = 1 + n // 3
    sheet.merge_range(0, 0, 0, half, report.upper_name.upper(), f_plain_c)
    sheet.merge_range(0, half + 1, 0, last_col, NATION, f_bold)
    sheet.merge_range(1, 0, 1, half, report.unit_name.upper(), f_bold)
    sheet.merge_range(1, half + 1, 1, last_col, MOTTO, f_bold)
    sheet.merge_range(2, 0, 2, half, report.form_number, f_plain_c)
    sheet.merge_range(2, half + 1, 2, last_col, report.date_line, f_italic)
    sheet.merge_range(4, 0, 4, last_col, report.title, f_title)
    sheet.merge_range(5, 0, 5, last_col, report.period_text, f_plain_c)
    sheet.merge_range(6, 0, 6, last_col, "Đơn vị tính: số hồ sơ thủ tục hành chính", f_italic)
    top = 8
    sheet.merge_range(top, 0, top + 1, 0, "STT", f_head)
    sheet.merge_range(top, 1, top + 1, 1, report.grouping_label, f_head)
    col = 2
    for heading, span in GROUPS:
        sheet.merge_range(top, col, top, col + span - 1, heading, f_head)
        col += span
    sheet.set_row(top + 1, 45)
    for i, (_, heading) in enumerate(COLUMNS):
        sheet.write(top + 1, 2 + i, heading, f_head)
    sheet.write_row(top + 2, 0, [f"({i})" for i in range(1, n + 1)], f_head)
    r = top + 3
    for i, row in enumerate(report.rows, start=1):
        sheet.write_number(r, 0, i, f_num)
        sheet.write_string(r, 1, row.label, f_text)
        sheet.write_row(r, 2, row.values(), f_num)
        r += 1
    sheet.write_string(r, 0, "", f_text_b)
    sheet.write_string(r, 1, report.total.label, f_text_b)
    sheet.write_row(r, 2, report.total.values(), f_num_b)
    r += 2
    for note in NOTES:
        sheet.write_string(r, 0, note, f_note)
        r += 1

    late = book.add_worksheet("Ho so tre han")
    late.set_landscape()
    late.set_paper(9)
    late.fit_to_pages(1, 0)
    widths = [5, 22, 30, 24, 40, 16, 16, 16, 28, 50]
    for i, w in enumerate(widths):
        late.set_column(i, i, w)
    late.merge_range(0, 0, 0, 9, "DANH SÁCH HỒ SƠ GIẢI QUYẾT QUÁ HẠN VÀ LÝ DO", f_title)
    late.merge_range(1, 0, 1, 9, f"{report.unit_name} – {report.period_text}", f_plain_c)
    heads = [
        "STT",
        "Mã hồ sơ",
        "Cơ quan giải quyết",
        "Lĩnh vực",
        "Thủ tục hành chính",
        "Ngày tiếp nhận",
        "Hạn giải quyết",
        "Ngày kết thúc",
        "Tình trạng",
        "Lý do quá hạn (văn bản xin lỗi, hẹn lại)",
    ]
    late.set_row(3, 30)
    late.write_row(3, 0, heads, f_head)
    r = 4
    for i, item in enumerate(report.late, start=1):
        late.write_number(r, 0, i, f_num)
        late.write_row(
            r,
            1,
            [
                item.code,
                item.agency,
                item.field,
                item.procedure,
                _dt(item.received_at),
                _dt(item.due_at),
                _dt(item.ended_at),
                item.situation,
                item.explanation or NO_EXPLANATION,
            ],
            f_text,
        )
        r += 1
    if not report.late:
        late.merge_range(r, 0, r, 9, "Không có hồ sơ quá hạn trong kỳ.", f_note)
        r += 1
    if report.late_missing:
        late.write_string(
            r + 1,
            0,
            f"Danh sách có {report.late_total} hồ sơ; tệp này liệt kê {len(report.late)} hồ sơ"
            " kết thúc sớm nhất (số liệu ở cột (10), (13) đã tính đủ). Lập báo cáo theo từng"
            " cơ quan để có danh sách đầy đủ của cơ quan đó.",
            f_note,
        )
    book.close()
    return buffer.getvalue()


NO_EXPLANATION = "Chưa có văn bản xin lỗi, hẹn lại ngày trả kết quả"
NOTES = [
    "Ghi chú: (3) = (4) + (5) + (6) = (7) + (11) + (14); (7) = (8) + (9) + (10);"
    " (11) = (12) + (13).",
    "Đúng hạn, quá hạn tính theo Quyết định 766/QĐ-TTg: so với hẹn trả ghi trên giấy tiếp nhận;"
    " văn bản xin lỗi, hẹn lại không làm hồ sơ quá hạn thành đúng hạn.",
    "Đang giải quyết quá hạn: hạn giải quyết đã qua tại thời điểm cuối kỳ báo cáo.",
]
