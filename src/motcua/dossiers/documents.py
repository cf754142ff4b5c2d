"""Printable forms of the one-stop desk (TT 01/2018/TT-VPCP numbering) as PDF.

Form 01: the receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả), A5.
Rendered offline: fonts come from the system (Liberation Serif, which covers Vietnamese),
the QR code is an inline SVG data: URI, and the URL fetcher refuses everything else.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.template.loader import render_to_string
from weasyprint import HTML

from motcua.catalog.models import Agency
from motcua.core.problems import InvalidInput
from motcua.dossiers.models import Attachment, Channel, Dossier, ReturnMethod

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
    """ "<dossier code>|<procedure code>|<applicant ID>": all ASCII, none contains "|"."""
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
    agency = dossier.agency
    procedure = dossier.procedure
    rows, other_files = _component_rows(dossier)
    received = local(dossier.received_at)
    payload = receipt_qr_payload(dossier)
    return {
        "dossier": dossier,
        "agency": agency,
        "parent_agency": agency.parent,
        "procedure": procedure,
        "qr_src": svg_data_uri(qr_svg(payload)),
        "qr_payload": payload,
        "date_line": format_date_line(place_name(agency), received.date()),
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
        "officer_name": _receiving_officer(dossier),
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
    html = render_to_string(template, context)
    document = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=_url_fetcher())
    return document.write_pdf()


def receipt_pdf(dossier: Dossier) -> bytes:
    """Form 01, the receipt and appointment slip, as an A5 PDF."""
    return render_pdf("dossiers/receipt.html", receipt_context(dossier))
