"""Filling notice templates: plain {name} placeholders, nothing else.

No template language: an administrator's text can neither reach attributes nor run
anything; an unknown placeholder is refused when the template is saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from motcua.notify import text

PLACEHOLDER = re.compile(r"\{(\w*)\}")

# What each kind may use (all dossier notices share the first set).
DOSSIER_FIELDS = {
    "ma_ho_so": "mã hồ sơ",
    "nguoi_nop": "họ tên người nộp",
    "thu_tuc": "tên thủ tục",
    "co_quan": "cơ quan giải quyết",
    "ngay_hen": "ngày hẹn trả kết quả",
    "ngay_hen_moi": "ngày hẹn mới (xin lỗi)",
    "ly_do": "lý do, ghi chú của cán bộ",
    "so_tien": "số tiền phải nộp",
    "giay_to": "giấy tờ cần bổ sung",
    "ma_ket_qua": "số, ký hiệu kết quả",
    "tra_cuu": "địa chỉ tra cứu hồ sơ",
}
DIGEST_FIELDS = {
    "can_bo": "họ tên cán bộ",
    "so_buoc": "số bước quá hạn",
    "danh_sach": "danh sách bước quá hạn",
    "ngay": "ngày tổng hợp",
}
# A question, report or proposal answered (or published): motcua.feedback.outgoing.
FEEDBACK_FIELDS = {
    "nguoi_gui": "họ tên người gửi",
    "loai": "loại (hỏi đáp, phản ánh, kiến nghị)",
    "ngay_gui": "ngày gửi",
    "ngay_tra_loi": "ngày trả lời",
    "co_quan": "cơ quan trả lời",
    "ma_ho_so": "mã hồ sơ (nếu có)",
    "tra_loi": "nội dung trả lời",
    "xem_tai": "địa chỉ xem trả lời",
}
FEEDBACK_KINDS = ("feedback_answer", "feedback_public")
# Fields shortened first when an SMS would take more than one segment.
SHORTENABLE = ("thu_tuc", "giay_to", "ly_do", "co_quan", "nguoi_nop", "tra_loi", "nguoi_gui")


def allowed(kind: str) -> dict[str, str]:
    if kind in FEEDBACK_KINDS:
        return FEEDBACK_FIELDS
    return DIGEST_FIELDS if kind == "overdue_digest" else DOSSIER_FIELDS


def unknown_placeholders(template: str, kind: str) -> list[str]:
    names = allowed(kind)
    return sorted({m for m in PLACEHOLDER.findall(template or "") if m not in names})


def render(template: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)


def render_sms(template: str, values: Mapping[str, str]) -> tuple[str, int]:
    """The SMS variant and its segment count: without diacritics, and when it would not fit
    one segment, the long free-text fields shortened (longest first) until it does or
    there is nothing left to shorten."""
    values = {k: text.sms_text(str(v)) for k, v in values.items()}
    body = text.sms_text(render(template, values))
    while text.segments(body) > 1:
        field = max(
            (f for f in SHORTENABLE if len(values.get(f, "")) > 12),
            key=lambda f: len(values[f]),
            default=None,
        )
        if field is None:
            break
        excess = text.septets(body) - text.SINGLE_GSM7
        keep = max(9, len(values[field]) - max(excess, 1) - 3)
        values[field] = values[field][:keep].rstrip() + "..."
        body = text.sms_text(render(template, values))
    return body, text.segments(body)
