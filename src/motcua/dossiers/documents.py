"""Printable forms of the one-stop desk, TT 03/2025/TT-VPCP (Appendix I), as PDF.

01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả · 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ ·
03 Phiếu từ chối tiếp nhận giải quyết hồ sơ · 04 Văn bản xin lỗi và đề nghị gia hạn thời
gian giải quyết · 05 Thông báo dừng giải quyết hồ sơ (A5) · 06 Phiếu kiểm soát quá trình
giải quyết hồ sơ (A4) · 07 Sổ theo dõi hồ sơ (A4 landscape, and .xlsx).

Since NĐ 118/2025 the receiving unit is the province's Trung tâm Phục vụ hành chính công
or one of its branches: forms the desk issues are headed by the configured ServiceCentre
serving the dossier's agency (the agency itself when none is configured); 04 and 05 by the
agency that is late or stops. Forms 02-06 are drawn from the dossier's events, so a copy
printed later reads the same as the first one. Wording is data: each form's text blocks
can be corrected in the admin (FormText), the shipped defaults below fill any gap.

Rendered offline: fonts come from the system (Liberation Serif, which covers Vietnamese),
the QR code is an inline SVG data: URI, and the URL fetcher refuses everything else.
WeasyPrint and XlsxWriter are imported on first use only.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from motcua.catalog.models import Agency, Component, ServiceCentre, time_limit_label
from motcua.catalog.selectors import centre_for
from motcua.catalog.services import procedure_snapshot
from motcua.core.problems import InvalidInput
from motcua.dossiers.models import (
    CLOSED,
    EVENT_LABELS,
    Attachment,
    Channel,
    Dossier,
    Event,
    FormText,
    ProcessingLeg,
    RegisterEntry,
    ReturnMethod,
    Status,
)

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


def format_datetime(value: dt.datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    return f"{local(value):%d/%m/%Y %H:%M}" if value else ""


def format_date(value: dt.datetime | None) -> str:
    return f"{local(value):%d/%m/%Y}" if value else ""


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


def _unit_place(unit) -> str:
    name = unit.name.strip()
    kind = (unit.division_type or "").strip()
    if kind and name.lower().startswith(kind.lower() + " "):
        return name[len(kind) + 1 :].strip()
    return _PLACE_PREFIXES.sub("", name)


def place_name(agency: Agency) -> str:
    """The place of the date line: the agency's administrative unit, without its type."""
    return _unit_place(agency.unit)


# --- wording (FormText, editable in the admin) ----------------------------------------

FORM_NAMES = {
    1: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    2: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    3: "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    4: "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    5: "Thông báo dừng giải quyết hồ sơ",
    6: "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    7: "Sổ theo dõi hồ sơ",
}
_QR_NOTE = (
    "Mã QR ở góc trên chứa mã hồ sơ, mã thủ tục và số định danh của người nộp. Tra cứu "
    "tình trạng hồ sơ bằng mã hồ sơ trên Cổng Dịch vụ công."
)
_CLOSING = "Xin thông báo để Ông/Bà được biết và thực hiện./."
# {placeholders}: {unit} the receiving unit, {agency} the issuing agency, and what each
# form names below. An unknown placeholder is printed as typed.
DEFAULT_TEXTS: dict[int, dict[str, tuple[str, str]]] = {
    1: {
        "title": ("Tiêu đề", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
        "intro": ("Câu mở đầu", "{unit} tiếp nhận hồ sơ của:"),
        "note": ("Ghi chú cuối phiếu", _QR_NOTE),
    },
    2: {
        "title": ("Tiêu đề", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
        "intro": ("Câu mở đầu", "{unit} tiếp nhận hồ sơ của:"),
        "body": (
            "Yêu cầu",
            "Sau khi kiểm tra, hồ sơ chưa đầy đủ, hợp lệ. Đề nghị Ông/Bà bổ sung, hoàn thiện "
            "hồ sơ gồm những nội dung sau:",
        ),
        "reason": (
            "Lý do, căn cứ",
            "Lý do: hồ sơ còn thiếu hoặc chưa đúng các giấy tờ nêu trên so với thành phần hồ "
            "sơ của thủ tục hành chính. Theo Nghị định số 118/2025/NĐ-CP, phiếu này hướng dẫn "
            "đầy đủ, một lần toàn bộ nội dung cần bổ sung, hoàn thiện; thời gian bổ sung không "
            "tính vào thời hạn giải quyết hồ sơ.",
        ),
        "closing": (
            "Câu kết",
            "Thời điểm yêu cầu: {asked_at}. Nếu có vướng mắc, Ông/Bà liên hệ {unit} để được "
            "hướng dẫn.",
        ),
        "note": ("Ghi chú cuối phiếu", _QR_NOTE),
    },
    3: {
        "title": ("Tiêu đề", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
        "intro": ("Câu mở đầu", "{unit} nhận được hồ sơ của:"),
        "body": (
            "Nội dung từ chối",
            "Qua xem xét, {unit} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ "
            "thể như sau:",
        ),
        "closing": ("Câu kết", _CLOSING),
        "note": ("Ghi chú cuối phiếu", _QR_NOTE),
    },
    4: {
        "title": ("Tiêu đề", "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"),
        "intro": ("Câu mở đầu", "Vào {received_at}, {unit} tiếp nhận hồ sơ của:"),
        "late": (
            "Nêu việc chậm trễ",
            "Tuy nhiên đến nay, {agency} chưa thể trả kết quả giải quyết hồ sơ của Ông/Bà "
            "đúng hẹn. Lý do:",
        ),
        "apology": (
            "Lời xin lỗi, đề nghị gia hạn",
            "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của Ông/Bà. {agency} "
            "xin lỗi Ông/Bà và đề nghị gia hạn thời gian giải quyết, hẹn trả kết quả giải "
            "quyết hồ sơ vào:",
        ),
        "closing": (
            "Câu kết",
            "Kính mong nhận được sự thông cảm của Ông/Bà. Xin trân trọng cảm ơn./.",
        ),
        "note": ("Ghi chú cuối phiếu", _QR_NOTE),
    },
    5: {
        "title": ("Tiêu đề", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"),
        "intro": ("Câu mở đầu", "{agency} đang giải quyết hồ sơ của:"),
        "body": (
            "Nội dung thông báo",
            "{agency} thông báo dừng giải quyết hồ sơ nêu trên kể từ {stopped_at}, với lý do "
            "cụ thể như sau:",
        ),
        "closing": ("Câu kết", _CLOSING),
        "note": ("Ghi chú cuối phiếu", _QR_NOTE),
    },
    6: {
        "title": ("Tiêu đề", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
        "intro": ("Câu mở đầu", "Kèm theo hồ sơ của:"),
        "note": (
            "Ghi chú cuối phiếu",
            "Phiếu được lập từ nhật ký xử lý hồ sơ trên Hệ thống thông tin giải quyết thủ tục "
            "hành chính; mỗi bước ghi người giao, người nhận, thời điểm và hạn xử lý.",
        ),
    },
    7: {
        "title": ("Tiêu đề", "SỔ THEO DÕI HỒ SƠ"),
        "note": (
            "Ghi chú cuối sổ",
            "Sổ được lập từ Hệ thống thông tin giải quyết thủ tục hành chính; số thứ tự được "
            "cấp liên tục theo từng đơn vị, từng năm khi tiếp nhận hồ sơ.",
        ),
    },
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace known {placeholders}; anything else, braces included, stays as typed (the
    text comes from an administrator: no template language, no attribute access)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def form_texts(form: int, **values: str) -> dict[str, str]:
    """The text blocks of a form: the administrator's corrections over the defaults."""
    texts = {key: text for key, (_, text) in DEFAULT_TEXTS[form].items()}
    stored = FormText.objects.filter(form=form, key__in=texts).values_list("key", "text")
    texts.update((key, text) for key, text in stored if text.strip())
    return {key: fill(text, values) for key, text in texts.items()}


def seed_form_texts(model: Any = None, *, using: str = "default") -> int:
    """Rows for every shipped block not yet in the database, so the admin lists them all
    (post_migrate). Existing rows, corrected or not, are kept."""
    model = model or FormText
    have = set(model.objects.using(using).values_list("form", "key"))
    rows = [
        model(form=form, key=key, label=label, text=text)
        for form, blocks in DEFAULT_TEXTS.items()
        for key, (label, text) in blocks.items()
        if (form, key) not in have
    ]
    model.objects.using(using).bulk_create(rows)
    return len(rows)


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


# --- who issues: the header -----------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    """The header's left column and the date line's place."""

    upper: str  # "UBND TỈNH NINH BÌNH"
    name: str  # "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH NINH BÌNH"
    place: str  # "Ninh Bình"
    agency: Agency | None  # whose seal signs the form (None: no seal)
    centre: ServiceCentre | None = None

    @property
    def unit_name(self) -> str:
        """How the body text names the receiving unit."""
        if self.centre is not None:
            return self.centre.name
        return f"Bộ phận Một cửa – {self.agency.name}"


def desk_issuer(agency: Agency) -> Issuer:
    """The receiving unit of the agency's dossiers: its service centre, or, when none is
    configured, the agency's own one-stop desk."""
    centre = centre_for(agency)
    if centre is not None:
        return Issuer(
            upper=centre.parent_line or (centre.parent.name if centre.parent else ""),
            name=centre.name,
            place=_unit_place(centre.unit),
            agency=agency,
            centre=centre,
        )
    return Issuer(
        upper=agency.name,
        name="Bộ phận Một cửa",
        place=place_name(agency),
        agency=agency,
    )


def agency_issuer(agency: Agency) -> Issuer:
    """An agency writing in its own name (apology, stop notice)."""
    return Issuer(
        upper=agency.parent.name if agency.parent else "",
        name=agency.name,
        place=place_name(agency),
        agency=agency,
    )


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
    form: int,
    issuer: Issuer,
    day: dt.date,
    signers: list[Signer | None],
    texts: dict[str, str],
) -> dict[str, Any]:
    """What dossiers/form_base.html needs: the header, the QR code, the date line, the
    title and the signers (one column each; None leaves a column empty so that a single
    signer stands right)."""
    payload = receipt_qr_payload(dossier)
    return {
        "form_number": f"{form:02d}",
        "form_name": FORM_NAMES[form],
        "dossier": dossier,
        "issuer": issuer,
        "procedure": dossier.procedure,
        # The version the dossier was filed under (catalogue sync), not today's.
        "procedure_version": dossier.procedure_version,
        "qr_src": svg_data_uri(qr_svg(payload)),
        "qr_payload": payload,
        "date_line": format_date_line(issuer.place, day),
        "title": texts["title"],
        "texts": texts,
        "signers": signers,
    }


def _values(dossier: Dossier, issuer: Issuer, agency: Agency | None = None) -> dict[str, str]:
    return {
        "unit": issuer.unit_name,
        "agency": (agency or issuer.agency).name,
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "received_at": format_appointment(dossier.received_at) if dossier.received_at else "",
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
    kind: str  # bản chính / bản sao
    copies: int
    required: bool
    files: int
    how: str  # how it was handed in: electronic file, paper, or not submitted


def filed_terms(dossier: Dossier) -> dict[str, Any]:
    """What the dossier was filed under: its procedure version's snapshot (components,
    fees, time limit), so that a national change accepted later does not rewrite the
    receipt of a dossier filed before it. Fields the snapshot lacks (dossiers filed before
    versions existed have none) come from the procedure as it stands."""
    version = dossier.procedure_version
    snapshot = version.snapshot if version is not None else {}
    current = None
    if not all(k in snapshot for k in ("components", "fee_vnd", "charge_vnd", "processing_days")):
        current = procedure_snapshot(dossier.procedure)
    return {**(current or {}), **snapshot}


def _component_rows(dossier: Dossier, terms: dict[str, Any]) -> tuple[list[ComponentRow], int]:
    """The components the dossier was filed under, with how each was handed in, and the
    count of files attached to no component (or to one the version does not list)."""
    attachments = list(
        dossier.attachments.filter(
            kind__in=[Attachment.Kind.APPLICATION, Attachment.Kind.SUPPLEMENT]
        )
    )
    files = Counter(a.component_id for a in attachments)
    # What the applicant handed in, where the attachment records it; else what the
    # procedure asks for.
    handed = {a.component_id: a.copy_kind for a in attachments if getattr(a, "copy_kind", None)}
    online = dossier.channel == Channel.ONLINE
    # Today's component rows (which attachments point at) matched to the version's list:
    # by id (a snapshot keeps it), else by name (a national change keeps a kept
    # component's name; older snapshots have no ids).
    today = list(dossier.procedure.components.all())
    by_id = {c.pk: c for c in today}
    by_name = {c.name.casefold(): c for c in today}
    listed: set[int | None] = set()
    rows = []
    for number, item in enumerate(terms["components"], start=1):
        component = by_id.get(item.get("id")) or by_name.get(str(item["name"]).casefold())
        pk = component.pk if component is not None else None
        listed.add(pk)
        n = files.get(pk, 0) if pk is not None else 0
        # At the desk or by post, a component with no file was handed in on paper.
        how = "Tệp điện tử" if n else ("Không nộp" if online else "Bản giấy")
        kind = handed.get(pk) or (
            component.copy_kind if component is not None else Component.CopyKind.ORIGINAL
        )
        rows.append(
            ComponentRow(
                number,
                str(item["name"]),
                _copy_kind_label(kind),
                int(item["copies"]),
                bool(item["required"]),
                n,
                how,
            )
        )
    other = sum(n for pk, n in files.items() if pk is None or pk not in listed)
    return rows, other


def _copy_kind_label(kind: str) -> str:
    try:
        return str(Component.CopyKind(kind).label)
    except ValueError:
        return kind


def _receiving_officer(dossier: Dossier) -> str:
    event = dossier.events.filter(action="receive").order_by("-at", "-id").first()
    return event.actor_name if event is not None else ""


def return_channel_text(dossier: Dossier, issuer: Issuer) -> str:
    """How the applicant chose to get the result (at submission, NĐ 118/2025), with the
    postal address or the desk's address."""
    channel = getattr(dossier, "return_channel", None) or dossier.return_method
    if channel == ReturnMethod.ONLINE:
        return "Trực tuyến: bản điện tử của kết quả qua tài khoản dịch vụ công của người nộp"
    if channel == ReturnMethod.POST:
        address = (
            getattr(dossier, "return_address", "")
            or dossier.applicant_address
            or "địa chỉ người nộp đã đăng ký"
        )
        unit = getattr(dossier, "return_unit", None)
        if unit is not None and unit.name not in address:
            address = f"{address}, {unit.name}"
        return f"Qua dịch vụ bưu chính công ích, đến địa chỉ: {address}"
    place = issuer.unit_name
    address = issuer.centre.address if issuer.centre is not None else issuer.agency.address
    if address:
        place += f", {address}"
    return f"Trực tiếp tại {place}"


def register_entry(dossier: Dossier) -> RegisterEntry | None:
    try:
        return dossier.register_entry
    except RegisterEntry.DoesNotExist:
        return None


def receipt_context(dossier: Dossier) -> dict[str, Any]:
    if dossier.received_at is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} chưa được tiếp nhận: chưa thể in giấy tiếp nhận hồ sơ "
            "và hẹn trả kết quả.",
            code="not_received",
        )
    procedure = dossier.procedure
    terms = filed_terms(dossier)
    issuer = desk_issuer(dossier.agency)
    rows, other_files = _component_rows(dossier, terms)
    received = local(dossier.received_at)
    officer = Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_HINT, _receiving_officer(dossier))
    texts = form_texts(1, **_values(dossier, issuer))
    # A reprint after an apology (form 04): the appointment given at receipt and the new one.
    apology = latest_event(dossier, ("apologise",))
    first_due = dossier.original_due_at or dossier.due_at
    new_due = None
    if apology is not None:
        first_due = _parse_datetime(apology.data.get("old_due_at")) or first_due
        new_due = _parse_datetime(apology.data.get("new_due_at")) or dossier.due_at
    entry = register_entry(dossier)
    return {
        **form_context(
            dossier,
            form=1,
            issuer=issuer,
            day=received.date(),
            signers=[Signer("NGƯỜI NỘP HỒ SƠ", SIGN_HINT, dossier.applicant_name), officer],
            texts=texts,
        ),
        "channel": Channel(dossier.channel).label if dossier.channel else "",
        "rows": rows,
        "compact": len(rows) > 5,
        "other_files": other_files,
        "file_count": sum(r.files for r in rows) + other_files,
        "processing_days": format_days(Decimal(str(terms["processing_days"]))),
        # Days, hours or "in the day", of the version (hours are not in a version's
        # snapshot: today's procedure gives them).
        "time_limit": time_limit_label(
            terms.get("time_limit_kind") or procedure.time_limit_kind,
            Decimal(str(terms["processing_days"])),
            procedure.time_limit_hours,
        ),
        "fee": format_vnd(fee) if (fee := int(terms["fee_vnd"]) + int(terms["charge_vnd"])) else "",
        "received_at": format_datetime(dossier.received_at),
        "due_at": format_appointment(first_due) if first_due else "",
        "new_due_at": format_appointment(new_due) if new_due else "",
        "apologised_on": format_date(apology.at) if apology is not None else "",
        "return_channel": return_channel_text(dossier, issuer),
        "register": entry,
    }


# --- rendering ------------------------------------------------------------------------


def _url_fetcher() -> Any:
    """Only data: URIs (the QR code); never the network or the file system."""
    try:
        from weasyprint.urls import URLFetcher  # recent WeasyPrint: a fetcher class
    except ImportError:  # older: a function fetcher
        from weasyprint import default_url_fetcher

        return partial(default_url_fetcher, allowed_protocols={"data"})
    return URLFetcher(allowed_protocols={"data"})


def render_pdf(template: str, context: dict[str, Any], stylesheet: str = "") -> bytes:
    """`stylesheet`: a CSS template given to WeasyPrint apart, for templates that carry
    no <style> of their own (the project's templates have none outside form_base.html)."""
    from weasyprint import CSS, HTML  # heavy: loaded on first rendering only

    html = render_to_string(template, context)
    fetcher = _url_fetcher()
    document = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher)
    sheets = [CSS(string=render_to_string(stylesheet), url_fetcher=fetcher)] if stylesheet else []
    return document.write_pdf(stylesheets=sheets)


# Forms are sealed with the issuing agency's seal when one is configured. The signing app
# sits above this one (it imports dossiers), so it plugs its sealer in here at start-up
# (register_sealer) instead of being imported.
Sealer = Callable[[bytes, Agency, str], bytes]
_sealer: Sealer | None = None


def register_sealer(sealer: Sealer | None) -> None:
    global _sealer  # noqa: PLW0603 - one process-wide hook, set once at start-up
    _sealer = sealer


def seal_form(data: bytes, agency: Agency, reason: str) -> bytes:
    """The PDF with the agency's seal (PAdES) when a sealer is plugged in and the agency
    has a seal; unchanged otherwise."""
    return data if _sealer is None else _sealer(data, agency, reason)


def _finish(template: str, context: dict[str, Any], stylesheet: str = "") -> bytes:
    data = render_pdf(template, context, stylesheet)
    agency = context["issuer"].agency
    return data if agency is None else seal_form(data, agency, f"Mẫu số {context['form_number']}")


def receipt_pdf(dossier: Dossier) -> bytes:
    """Form 01, the receipt and appointment slip, as an A5 PDF."""
    return _finish("dossiers/receipt.html", receipt_context(dossier))


# --- form 02 --------------------------------------------------------------------------


def supplement_request_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("request_supplement",))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} chưa có yêu cầu bổ sung, hoàn thiện hồ sơ: không có phiếu "
            "yêu cầu bổ sung để in.",
            code="no_supplement_request",
        )
    # Everything missing, once: each paper listed a single time, in the order asked, with
    # the reason for it where the request gives one.
    reasons: dict[str, str] = {}
    for entry in event.data.get("items") or [
        {"item": m, "reason": ""} for m in event.data.get("missing", [])
    ]:
        if isinstance(entry, dict) and str(entry.get("item", "")).strip():
            reasons.setdefault(str(entry["item"]).strip(), str(entry.get("reason", "")).strip())
    missing = list(reasons)
    issuer = desk_issuer(dossier.agency)
    texts = form_texts(2, **_values(dossier, issuer), asked_at=format_datetime(event.at))
    return {
        **form_context(
            dossier,
            form=2,
            issuer=issuer,
            day=local(event.at).date(),
            signers=[None, Signer("NGƯỜI HƯỚNG DẪN", SIGN_HINT, event.actor_name)],
            texts=texts,
        ),
        "missing": missing,
        "items": list(reasons.items()),
        "stage": "thẩm định" if event.data.get("stage") == "appraisal" else "tiếp nhận",
        # Long reasons wrap: denser once the list takes more than a few lines.
        "compact": sum(1 + (len(k) + len(r)) // 70 for k, r in reasons.items()) > 5,
        "note": event.note.strip(),
        "asked_at": format_datetime(event.at),
    }


def supplement_request_pdf(dossier: Dossier) -> bytes:
    """Form 02, the supplement request, from the latest request_supplement event."""
    return _finish("dossiers/supplement_request.html", supplement_request_context(dossier))


# --- form 03 --------------------------------------------------------------------------


def refusal_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("refuse",))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} không bị từ chối tiếp nhận: không có phiếu từ chối để in.",
            code="not_refused",
        )
    issuer = desk_issuer(dossier.agency)
    return {
        **form_context(
            dossier,
            form=3,
            issuer=issuer,
            day=local(event.at).date(),
            signers=[None, Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_HINT, event.actor_name)],
            texts=form_texts(3, **_values(dossier, issuer)),
        ),
        "reason": event.note.strip(),
    }


def refusal_pdf(dossier: Dossier) -> bytes:
    """Form 03, the refusal to receive (before receipt)."""
    return _finish("dossiers/refusal.html", refusal_context(dossier))


# --- form 04 --------------------------------------------------------------------------


def apology_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("apologise",))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} chưa có văn bản xin lỗi và đề nghị gia hạn: không có "
            "phiếu xin lỗi để in.",
            code="not_apologised",
        )
    old_due = _parse_datetime(event.data.get("old_due_at")) or dossier.original_due_at
    new_due = _parse_datetime(event.data.get("new_due_at"))
    # The agency that is late apologises, not necessarily the desk that received it.
    agency = event.agency or dossier.current_agency
    issuer = agency_issuer(agency)
    values = {**_values(dossier, desk_issuer(dossier.agency)), "agency": agency.name}
    return {
        **form_context(
            dossier,
            form=4,
            issuer=issuer,
            day=local(event.at).date(),
            signers=[None, Signer("THỦ TRƯỞNG CƠ QUAN", SEAL_HINT, event.actor_name)],
            texts=form_texts(4, **values),
        ),
        "old_due": format_appointment(old_due) if old_due else "",
        "new_due": format_appointment(new_due) if new_due else "",
        "reason": event.note.strip(),
    }


def apology_pdf(dossier: Dossier) -> bytes:
    """Form 04, the apology asking for more time, from the apologise event."""
    return _finish("dossiers/apology.html", apology_context(dossier))


# --- form 05 --------------------------------------------------------------------------


def stop_context(dossier: Dossier) -> dict[str, Any]:
    event = latest_event(dossier, ("stop",))
    if event is None:
        raise InvalidInput(
            f"Hồ sơ {dossier.code} không bị dừng giải quyết: không có phiếu thông báo dừng để in.",
            code="not_stopped",
        )
    # Stopped by the agency processing it (a leader): the agency itself issues it.
    agency = event.agency or dossier.current_agency
    issuer = agency_issuer(agency)
    values = {
        **_values(dossier, desk_issuer(dossier.agency)),
        "agency": agency.name,
        "stopped_at": format_appointment(event.at),
    }
    return {
        **form_context(
            dossier,
            form=5,
            issuer=issuer,
            day=local(event.at).date(),
            signers=[None, Signer("THỦ TRƯỞNG CƠ QUAN", SEAL_HINT, event.actor_name)],
            texts=form_texts(5, **values),
        ),
        "reason": event.note.strip(),
    }


def stop_pdf(dossier: Dossier) -> bytes:
    """Form 05, the notice that processing stopped (status 8)."""
    return _finish("dossiers/stop.html", stop_context(dossier))


# --- form 06 --------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlRow:
    number: int
    step: str
    giver: str
    giver_unit: str
    receiver: str
    receiver_unit: str
    at: str
    due: str
    result: str
    note: str


def _timeliness(done: dt.datetime | None, due: dt.datetime | None, open_: bool) -> str:
    """Trước hạn / Đúng hạn / Quá hạn, as the control sheet grades each step."""
    if due is None:
        return ""
    if done is None:
        if not open_:
            return ""
        return "Quá hạn" if timezone.now() > due else "Đang xử lý"
    if done > due:
        return "Quá hạn"
    return "Trước hạn" if local(done).date() < local(due).date() else "Đúng hạn"


def control_rows(dossier: Dossier) -> list[ControlRow]:
    """One line per event of the dossier, in order: who handed it over (the event's
    actor), who took it (the assignee of a transfer, else whoever acted next, the
    applicant for the return), when, by when, and whether in time."""
    events = list(dossier.events.select_related("agency").order_by("at", "id"))
    legs = {
        leg.seq: leg
        for leg in ProcessingLeg.objects.filter(dossier=dossier).select_related(
            "agency", "assignee"
        )
    }
    open_ = dossier.status not in CLOSED and dossier.status != Status.DONE
    applicant = dossier.applicant_name
    rows = []
    for i, event in enumerate(events):
        following = events[i + 1] if i + 1 < len(events) else None
        by_applicant = event.agency_id is None and (
            event.actor_id is None or event.actor_id == dossier.applicant_id
        )
        giver = event.actor_name or (applicant if by_applicant else "")
        giver_unit = (
            event.agency.name if event.agency else ("Người nộp hồ sơ" if by_applicant else "")
        )
        receiver = receiver_unit = ""
        due = done = None
        if event.action == "assign":
            leg = legs.get(event.data.get("leg"))
            if leg is not None:
                receiver = leg.assignee.get_full_name() if leg.assignee else ""
                receiver_unit = leg.agency.name
                due, done = leg.due_at, leg.finished_at
        elif event.action == "return_result":
            receiver, receiver_unit = applicant, "Người nộp hồ sơ"
        elif following is not None:
            receiver = following.actor_name
            receiver_unit = following.agency.name if following.agency else ""
        if event.action == "receive":
            due = dossier.original_due_at or dossier.due_at
            done = dossier.finished_at
        elif event.action == "submit" and dossier.intake_due_at is not None:
            due = dossier.intake_due_at
            done = following.at if following is not None else None
        rows.append(
            ControlRow(
                number=i + 1,
                step=EVENT_LABELS.get(event.action, event.action),
                giver=giver,
                giver_unit=giver_unit,
                receiver=receiver,
                receiver_unit=receiver_unit,
                at=format_datetime(event.at),
                due=format_datetime(due),
                result=_timeliness(done, due, open_),
                note=event.note.strip(),
            )
        )
    return rows


def control_sheet_context(dossier: Dossier) -> dict[str, Any]:
    issuer = desk_issuer(dossier.agency)
    return {
        **form_context(
            dossier,
            form=6,
            issuer=issuer,
            day=timezone.localdate(),
            signers=[],
            texts=form_texts(6, **_values(dossier, issuer)),
        ),
        "rows": control_rows(dossier),
        "received_at": format_datetime(dossier.received_at),
        "due_at": format_datetime(dossier.original_due_at or dossier.due_at),
    }


def control_sheet_pdf(dossier: Dossier) -> bytes:
    """Form 06, the process control sheet, A4, from every event of the dossier."""
    return _finish("dossiers/control_sheet.html", control_sheet_context(dossier))


# --- form 07: the register -----------------------------------------------------------

REGISTER_COLUMNS = [
    # (heading, xlsx width)
    ("Số thứ tự", 7),
    ("Mã hồ sơ", 24),
    ("Tên thủ tục hành chính", 40),
    ("Số lượng hồ sơ (bộ)", 8),
    ("Tên cá nhân, tổ chức", 24),
    ("Địa chỉ, số điện thoại", 30),
    ("Cơ quan chủ trì giải quyết", 28),
    ("Nhận hồ sơ", 16),
    ("Hẹn trả kết quả", 16),
    ("Chuyển hồ sơ đến cơ quan giải quyết", 16),
    ("Nhận kết quả từ cơ quan giải quyết", 16),
    ("Trả kết quả cho cá nhân, tổ chức", 16),
    ("Ghi chú", 30),
]


@dataclass(frozen=True)
class RegisterBook:
    """Whose register: a service centre, or an agency without one."""

    centre: ServiceCentre | None
    agency: Agency | None

    @property
    def name(self) -> str:
        return self.centre.name if self.centre is not None else self.agency.name

    def issuer(self) -> Issuer:
        if self.centre is not None:
            return Issuer(
                upper=self.centre.parent_line,
                name=self.centre.name,
                place=_unit_place(self.centre.unit),
                agency=None,  # a centre's own seal is not configurable yet
                centre=self.centre,
            )
        return desk_issuer(self.agency)


def _period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local days start..end inclusive as an aware half-open range."""
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=VN_TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=VN_TZ)
    return lo, hi


def register_entries(book: RegisterBook, start: dt.date, end: dt.date):
    """The book's lines received between start and end (local days, inclusive), in
    register order, with what each column needs (a handful of queries whatever the size)."""
    lo, hi = _period_bounds(start, end)
    qs = RegisterEntry.objects.filter(received_at__gte=lo, received_at__lt=hi)
    if book.centre is not None:
        qs = qs.filter(centre=book.centre)
    else:
        qs = qs.filter(centre__isnull=True, agency=book.agency)
    first_leg = ProcessingLeg.objects.filter(dossier=OuterRef("dossier_id"), seq=1)
    return (
        qs.select_related("dossier__procedure__agency", "dossier__agency")
        .annotate(transferred_at=Subquery(first_leg.values("started_at")[:1]))
        .order_by("received_at", "number")
    )


_REGISTER_VALUES = (
    "number",
    "dossier__code",
    "dossier__procedure__name",
    "dossier__applicant_name",
    "dossier__applicant_address",
    "dossier__applicant_phone",
    "dossier__procedure__agency__name",
    "dossier__agency__name",
    "received_at",
    "dossier__original_due_at",
    "dossier__due_at",
    "transferred_at",
    "dossier__finished_at",
    "dossier__result_code",
    "dossier__returned_at",
    "dossier__apologised_at",
    "dossier__status",
    "dossier__return_method",
)
_NOTED_STATUSES = {
    s: str(Status(s).label) for s in (Status.STOPPED, Status.WITHDRAWN, Status.REJECTED)
}
_RETURN_LABELS = {m.value: str(m.label) for m in ReturnMethod}


def register_rows(entries) -> Iterator[list[str]]:
    """Each line of form 07 (a register_entries queryset) as the 13 cells of
    REGISTER_COLUMNS. Plain values, no model instances: a month of a big centre is
    10,000 lines."""
    for (
        number,
        code,
        procedure,
        name,
        address,
        phone,
        handler,
        receiving_agency,
        received_at,
        original_due,
        due,
        transferred_at,
        finished_at,
        result_code,
        returned_at,
        apologised_at,
        status,
        return_method,
    ) in entries.values_list(*_REGISTER_VALUES).iterator(chunk_size=2000):
        notes = []
        if apologised_at is not None and original_due:
            notes.append(f"Xin lỗi, hẹn lại: {format_date(due)}")
        if status in _NOTED_STATUSES:
            notes.append(_NOTED_STATUSES[status])
        if return_method:
            notes.append(_RETURN_LABELS.get(return_method, return_method))
        yield [
            str(number),
            code,
            procedure,
            "01",
            name,
            ", ".join(x for x in (address, phone) if x),
            handler or receiving_agency,
            format_datetime(received_at),
            format_datetime(original_due or due),
            format_datetime(transferred_at),
            format_datetime(finished_at) if result_code else "",
            format_datetime(returned_at),
            "; ".join(notes),
        ]


def _register_title(book: RegisterBook, start: dt.date, end: dt.date) -> str:
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


# WeasyPrint lays out the whole register in memory and takes ~30 ms a line here (2,000
# lines: a minute and 650 MB; bench/register.py): a bigger book is asked for as .xlsx, so a
# page request stays around 15 s at worst.
MAX_REGISTER_PDF_ROWS = 500


def register_pdf(book: RegisterBook, start: dt.date, end: dt.date) -> bytes:
    """Form 07 for a period, A4 landscape."""
    entries = register_entries(book, start, end)
    count = entries.count()
    if count > MAX_REGISTER_PDF_ROWS:
        raise InvalidInput(
            f"Sổ theo dõi có {count} hồ sơ trong khoảng thời gian này, quá {MAX_REGISTER_PDF_ROWS} "
            "hồ sơ để in thành PDF: hãy chọn khoảng thời gian ngắn hơn hoặc tải tệp Excel.",
            code="register_too_long",
        )
    issuer = book.issuer()
    texts = form_texts(7, unit=book.name)
    rows = list(register_rows(entries))
    context = {
        "form_number": "07",
        "form_name": FORM_NAMES[7],
        "issuer": issuer,
        "title": texts["title"],
        "texts": texts,
        "period": _register_title(book, start, end),
        "date_line": format_date_line(issuer.place, timezone.localdate()),
        "columns": [c for c, _ in REGISTER_COLUMNS],
        "rows": rows,
    }
    return _finish("dossiers/register.html", context, "dossiers/register.css")


def register_xlsx(book: RegisterBook, start: dt.date, end: dt.date) -> bytes:
    """Form 07 for a period as a workbook (XlsxWriter in memory: its fastest mode, about
    a second for 10,000 lines; a few MB)."""
    import xlsxwriter  # loaded on first use only

    texts = form_texts(7, unit=book.name)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("So theo doi")
    bold = workbook.add_format({"bold": True, "font_name": "Times New Roman", "font_size": 12})
    title = workbook.add_format(
        {"bold": True, "font_name": "Times New Roman", "font_size": 14, "align": "center"}
    )
    head = workbook.add_format(
        {
            "bold": True,
            "font_name": "Times New Roman",
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
        }
    )
    cell = workbook.add_format(
        {"font_name": "Times New Roman", "text_wrap": True, "valign": "top", "border": 1}
    )
    last = len(REGISTER_COLUMNS) - 1
    for col, (_, width) in enumerate(REGISTER_COLUMNS):
        sheet.set_column(col, col, width)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(4)
    sheet.write(0, 0, book.name.upper(), bold)
    sheet.merge_range(1, 0, 1, last, texts["title"], title)
    sheet.merge_range(2, 0, 2, last, _register_title(book, start, end), cell)
    sheet.set_row(4, 45)
    for col, (heading, _) in enumerate(REGISTER_COLUMNS):
        sheet.write_string(4, col, heading, head)
    row = 5
    for values in register_rows(register_entries(book, start, end)):
        sheet.write_number(row, 0, int(values[0]), cell)
        for col in range(1, len(values)):
            sheet.write_string(row, col, values[col], cell)
        row += 1
    sheet.write_string(row + 1, 0, texts["note"])
    workbook.close()
    return buffer.getvalue()


def register_books(agency: Agency) -> list[RegisterBook]:
    """The books an officer of `agency` may open: the centres serving it, or its own."""
    centres = list(
        ServiceCentre.objects.filter(is_active=True, agencies=agency).select_related(
            "unit", "parent"
        )
    )
    if centres:
        return [RegisterBook(c, None) for c in centres]
    return [RegisterBook(None, agency)]


# --- notices offered for download (desk and portal) -----------------------------------


@dataclass(frozen=True)
class Notice:
    name: str  # URL names: desk:<name>_notice, my_<name>_notice
    form: int
    actions: tuple[str, ...]  # the events the form is drawn from; () = always there
    filename: str  # without the dossier code and ".pdf"
    render: Callable[[Dossier], bytes]
    for_applicant: bool = True
    listed_for_desk: bool = True  # the desk page links form 01 on its own

    @property
    def label(self) -> str:
        return f"{FORM_NAMES[self.form]} (mẫu {self.form:02d})"


NOTICES: dict[str, Notice] = {
    n.name: n
    for n in [
        Notice("receipt", 1, ("receive",), "giay-tiep-nhan", receipt_pdf, listed_for_desk=False),
        Notice(
            "supplement",
            2,
            ("request_supplement",),
            "phieu-yeu-cau-bo-sung",
            supplement_request_pdf,
        ),
        Notice("refusal", 3, ("refuse",), "phieu-tu-choi", refusal_pdf),
        Notice("apology", 4, ("apologise",), "van-ban-xin-loi", apology_pdf),
        Notice("stop", 5, ("stop",), "thong-bao-dung", stop_pdf),
        Notice("control", 6, (), "phieu-kiem-soat", control_sheet_pdf, for_applicant=False),
    ]
}


def available_notices(dossier: Dossier, *, applicant: bool = False) -> list[tuple[Notice, str]]:
    """Forms that exist for this dossier, with their link text (one query): for the
    desk 02-06 (01 has its own link), for the applicant 01-05."""
    wanted = {a for n in NOTICES.values() for a in n.actions}
    found = set(
        dossier.events.filter(action__in=wanted).values_list("action", flat=True).distinct()
    )
    shown = [n for n in NOTICES.values() if (n.for_applicant if applicant else n.listed_for_desk)]
    return [(n, n.label) for n in shown if not n.actions or found.intersection(n.actions)]


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A form shown in the browser (inline); filename is ASCII (codes and slugs only)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
