"""Printable forms of the one-stop desk (TT 01/2018/TT-VPCP numbering) as PDF, all A5.

Form 01: the receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả).
Form 02: the supplement request (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ).
Form 03: the refusal (Phiếu từ chối tiếp nhận, giải quyết hồ sơ), or the stop-processing
notice of TT 03/2025 (Thông báo dừng xử lý hồ sơ).
Form 04: the apology and new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả).
Forms 02-04 are drawn from the dossier's events (process control sheet), so a copy printed
later reads the same as the first one.
All share dossiers/form_base.html (header, QR code, title, signatures) and forms.css.
Rendered offline: fonts come from the system (Liberation Serif, which covers Vietnamese),
the QR code is an inline SVG data: URI, and the URL fetcher refuses everything else.
WeasyPrint is imported on first rendering only, so pages that merely link to the forms
do not load it.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.http import HttpResponse
from django.template.loader import render_to_string

from motcua.catalog.models import Agency
from motcua.core.problems import InvalidInput
from motcua.dossiers.models import Attachment, Channel, Dossier, Event, ReturnMethod

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # legal time of every form, whatever the server's zone
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "dossiers"
QR_SEPARATOR = "|"
# Name prefixes dropped from the place in the date line ("Tỉnh Ninh Bình" -> "Ninh Bình").
_PLACE_PREFIXES = re.compile(
    r"^(tỉnh|thành phố|phường|xã|đặc khu|thị trấn|quận|huyện|thị xã)\s+", re.IGNORECASE
)


# --- formatting helpers ---------------------------------------------------------------


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(VN_TZ)


def format_datetime(value: dt.datetime) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    return f"{local(value):%d/%m/%Y %H:%M}"


def format_appointment(value: dt.datetime) -> str:
    """ "14 giờ 00 phút, ngày 08/01/2026" in Vietnam time."""
    v = local(value)
    return f"{v:%H} giờ {v:%M} phút, ngày {v:%d/%m/%Y}"


def format_date_line(place: str, day: dt.date) -> str:
    """ "Ninh Bình, ngày 05 tháng 01 năm 2026". NĐ 30/2020: a 0 before days under 10 and
    before months 1 and 2."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def format_days(days: Decimal) -> str:
    """Decimal("3.00") -> "3", Decimal("0.50") -> "0,5"."""
    text = f"{days.normalize():f}"
    return text.replace(".", ",")


def format_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def place_name(agency: Agency) -> str:
    """The place of the date line: the agency's administrative unit, without its type."""
    unit = agency.unit
    name = unit.name.strip()
    kind = (unit.division_type or "").strip()
    if kind and name.lower().startswith(kind.lower() + " "):
        return name[len(kind) + 1 :].strip()
    return _PLACE_PREFIXES.sub("", name)


# --- QR code --------------------------------------------------------------------------


def receipt_qr_payload(dossier: Dossier) -> str:
    """ "<dossier code>|<procedure code>|<applicant ID>": all ASCII, none contains "|".
    The same code is printed on every form of the dossier."""
    return QR_SEPARATOR.join(
        [dossier.code, dossier.procedure.code, dossier.applicant_id_number.strip()]
    )


def qr_svg(payload: str) -> str:
    """The QR code of payload as a standalone SVG document (paths only, no raster)."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.make_image().to_string(encoding="unicode")


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


# --- shared parts of every form -------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    role: str  # "NGƯỜI TIẾP NHẬN HỒ SƠ"
    hint: str  # "(Ký và ghi rõ họ tên)"
    name: str


SIGN_HINT = "(Ký và ghi rõ họ tên)"
SEAL_HINT = "(Ký, ghi rõ họ tên và đóng dấu)"


def form_context(
    dossier: Dossier,
    *,
    title: str,
    day: dt.date,
    signers: list[Signer | None],
    issuer: Agency | None = None,
    desk_unit: bool = True,
) -> dict[str, Any]:
    """What dossiers/form_base.html needs: the issuing agency (the receiving agency's
    desk unless told otherwise), the QR code, the date line, the title and the signers
    (one column each; None leaves a column empty so that a single signer stands right)."""
    agency = issuer or dossier.agency
    payload = receipt_qr_payload(dossier)
    return {
        "dossier": dossier,
        "agency": agency,
        "parent_agency": agency.parent,
        "desk_unit": desk_unit,
        "procedure": dossier.procedure,
        "qr_src": svg_data_uri(qr_svg(payload)),
        "qr_payload": payload,
        "date_line": format_date_line(place_name(agency), day),
        "title": title,
        "signers": signers,
    }


def latest_event(dossier: Dossier, actions: tuple[str, ...]) -> Event | None:
    return (
        dossier.events.filter(action__in=actions)
        .select_related("agency__parent", "agency__unit")
        .order_by("-at", "-id")
        .first()
    )


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


# --- form 01 --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentRow:
    number: int
    name: str
    copies: int
    required: bool
    files: int
    how: str  # how it was handed in: electronic file, paper, or not submitted


def _component_rows(dossier: Dossier) -> tuple[list[ComponentRow], int]:
    """The procedure's components with how each was handed in, and the count of files
    attached to no component."""
    files = Counter(
        dossier.attachments.filter(
            kind__in=[Attachment.Kind.APPLICATION, Attachment.Kind.SUPPLEMENT]
        ).values_list("component_id", flat=True)
    )
    online = dossier.channel == Channel.ONLINE
    rows = []
    for number, component in enumerate(dossier.procedure.components.all(), start=1):
        n = files.get(component.pk, 0)
        # At the desk or by post, a component with no file was handed in on paper.
        how = "Tệp điện tử" if n else ("Không nộp" if online else "Bản giấy")
        rows.append(
            ComponentRow(number, component.name, component.copies, component.required, n, how)
        )
    return rows, files.get(None, 0)


def _receiving_officer(dossier: Dossier) -> str:
    event = dossier.events.filter(action="receive").order_by("-at", "-id").first()
    return event.actor_name if event is not None else ""


def _return_place(dossier: Dossier) -> str:
    agency = dossier.agency
    desk = f"Bộ phận tiếp nhận và trả kết quả – {agency.name}"
    if agency.address:
        desk += f", {agency.address}"
    if dossier.return_method == ReturnMethod.ONLINE:
        return f"{ReturnMethod.ONLINE.label}, qua tài khoản dịch vụ công của người nộp"
    if dossier.return_method == ReturnMethod.POST:
        address = dossier.applicant_address or "địa chỉ người nộp đã đăng ký"
        return f"{ReturnMethod.POST.label}, đến {address}"
    return desk


def receipt_context(dossier: Dossier) -> dict[str, Any]:
    if dossier.received_at is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} chưa được tiếp nhận: chưa thể in giấy tiếp nhận hồ sơ "
            "và hẹn trả kết quả.",
            code="not_received",
        )
    procedure = dossier.procedure
    rows, other_files = _component_rows(dossier)
    received = local(dossier.received_at)
    officer = Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_HINT, _receiving_officer(dossier))
    return {
        **form_context(
            dossier,
            title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            day=received.date(),
            signers=[Signer("NGƯỜI NỘP HỒ SƠ", SIGN_HINT, dossier.applicant_name), officer],
        ),
        "channel": Channel(dossier.channel).label if dossier.channel else "",
        "rows": rows,
        "compact": len(rows) > 6,
        "other_files": other_files,
        "file_count": sum(r.files for r in rows) + other_files,
        "processing_days": format_days(procedure.processing_days),
        "fee": format_vnd(procedure.total_fee_vnd) if procedure.total_fee_vnd else "",
        "received_at": format_datetime(dossier.received_at),
        "due_at": format_appointment(dossier.due_at) if dossier.due_at else "",
        "return_place": _return_place(dossier),
    }


def _url_fetcher() -> Any:
    """Only data: URIs (the QR code); never the network or the file system."""
    try:
        from weasyprint.urls import URLFetcher  # recent WeasyPrint: a fetcher class
    except ImportError:  # older: a function fetcher
        from weasyprint import default_url_fetcher

        return partial(default_url_fetcher, allowed_protocols={"data"})
    return URLFetcher(allowed_protocols={"data"})


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # heavy: loaded on first rendering only

    html = render_to_string(template, context)
    document = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=_url_fetcher())
    return document.write_pdf()


def receipt_pdf(dossier: Dossier) -> bytes:
    """Form 01, the receipt and appointment slip, as an A5 PDF."""
    return render_pdf("dossiers/receipt.html", receipt_context(dossier))


# --- form 02 --------------------------------------------------------------------------

SUPPLEMENT_TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"


def supplement_request_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("request_supplement",))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} chưa có yêu cầu bổ sung, hoàn thiện hồ sơ: không có phiếu "
            "yêu cầu bổ sung để in.",
            code="no_supplement_request",
        )
    # Everything missing, once: each item listed a single time, in the order asked.
    missing = [m for m in dict.fromkeys(str(m).strip() for m in event.data.get("missing", [])) if m]
    return {
        **form_context(
            dossier,
            title=SUPPLEMENT_TITLE,
            day=local(event.at).date(),
            signers=[None, Signer("NGƯỜI HƯỚNG DẪN", SIGN_HINT, event.actor_name)],
        ),
        "missing": missing,
        "compact": len(missing) > 8,
        "note": event.note.strip(),
        "asked_at": format_datetime(event.at),
    }


def supplement_request_pdf(dossier: Dossier) -> bytes:
    """Form 02, the supplement request, from the latest request_supplement event."""
    return render_pdf("dossiers/supplement_request.html", supplement_request_context(dossier))


# --- form 03 --------------------------------------------------------------------------

REFUSAL_TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ"
STOP_TITLE = "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ"  # TT 03/2025


def refusal_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("refuse", "stop"))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} không bị từ chối tiếp nhận hay dừng xử lý: không có phiếu "
            "từ chối để in.",
            code="not_refused",
        )
    stopped = event.action == "stop"
    if stopped:
        # Stopped by the agency processing it (a leader): the agency itself issues it.
        issuer = event.agency or dossier.current_agency
        signer = Signer("ĐẠI DIỆN CƠ QUAN", SEAL_HINT, event.actor_name)
    else:
        issuer = dossier.agency
        signer = Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_HINT, event.actor_name)
    return {
        **form_context(
            dossier,
            title=STOP_TITLE if stopped else REFUSAL_TITLE,
            day=local(event.at).date(),
            signers=[None, signer],
            issuer=issuer,
            desk_unit=not stopped,
        ),
        "stopped": stopped,
        "reason": event.note.strip(),
        "decided_at": format_appointment(event.at),
    }


def refusal_pdf(dossier: Dossier) -> bytes:
    """Form 03: the refusal, or the stop-processing notice when processing was stopped."""
    return render_pdf("dossiers/refusal.html", refusal_context(dossier))


# --- form 04 --------------------------------------------------------------------------

APOLOGY_TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"


def apology_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("apologise",))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} chưa có văn bản xin lỗi và hẹn lại ngày trả kết quả: "
            "không có phiếu xin lỗi để in.",
            code="not_apologised",
        )
    old_due = _parse_datetime(event.data.get("old_due_at")) or dossier.original_due_at
    new_due = _parse_datetime(event.data.get("new_due_at"))
    return {
        **form_context(
            dossier,
            title=APOLOGY_TITLE,
            day=local(event.at).date(),
            signers=[None, Signer("ĐẠI DIỆN CƠ QUAN", SEAL_HINT, event.actor_name)],
            # The agency that is late apologises, not necessarily the desk that received it.
            issuer=event.agency or dossier.current_agency,
            desk_unit=False,
        ),
        "receiving_agency": dossier.agency,
        "received_at": format_appointment(dossier.received_at) if dossier.received_at else "",
        "old_due": format_appointment(old_due) if old_due else "",
        "new_due": format_appointment(new_due) if new_due else "",
        "reason": event.note.strip(),
    }


def apology_pdf(dossier: Dossier) -> bytes:
    """Form 04, the apology with the new appointment, from the apologise event."""
    return render_pdf("dossiers/apology.html", apology_context(dossier))


# --- notices offered for download (desk and portal) -----------------------------------


@dataclass(frozen=True)
class Notice:
    name: str  # URL names: desk:<name>_notice, my_<name>_notice
    actions: tuple[str, ...]  # the events the form is drawn from
    filename: str  # without the dossier code and ".pdf"
    render: Callable[[Dossier], bytes]

    def label(self, actions: set[str]) -> str:
        """The link's text, given the actions found among the dossier's events."""
        if self.name == "refusal" and "stop" in actions and "refuse" not in actions:
            return "Thông báo dừng xử lý hồ sơ (mẫu 03)"
        return NOTICE_LABELS[self.name]


NOTICE_LABELS = {
    "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)",
    "refusal": "Phiếu từ chối tiếp nhận, giải quyết hồ sơ (mẫu 03)",
    "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
}
NOTICES: dict[str, Notice] = {
    n.name: n
    for n in [
        Notice(
            "supplement",
            ("request_supplement",),
            "phieu-yeu-cau-bo-sung",
            supplement_request_pdf,
        ),
        Notice("refusal", ("refuse", "stop"), "phieu-tu-choi", refusal_pdf),
        Notice("apology", ("apologise",), "phieu-xin-loi", apology_pdf),
    ]
}


def available_notices(dossier: Dossier) -> list[tuple[Notice, str]]:
    """Forms 02-04 that exist for this dossier, with their link text (one query)."""
    wanted = {a for n in NOTICES.values() for a in n.actions}
    found = set(
        dossier.events.filter(action__in=wanted).values_list("action", flat=True).distinct()
    )
    return [(n, n.label(found)) for n in NOTICES.values() if found.intersection(n.actions)]


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A form shown in the browser (inline); filename is ASCII (codes and slugs only)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
