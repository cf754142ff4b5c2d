"""The handover record (biên bản bàn giao) the desk prints when the postal operator
collects a result: what is sent, to whom, by which parcel. Same look as forms 01-06 (the
dossiers app's form_base.html), sealed like them when the agency has a seal."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from motcua.dossiers import documents
from motcua.postal.models import PostalOrder

TITLE = "BIÊN BẢN BÀN GIAO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH"
NOTE = (
    "Biên bản lập thành 02 bản, bộ phận một cửa giữ 01 bản, bưu điện giữ 01 bản. Tra cứu hành "
    "trình bưu gửi bằng mã vận đơn; tra cứu tình trạng hồ sơ bằng mã hồ sơ trên Cổng Dịch vụ "
    "công."
)


def handover_context(order: PostalOrder, officer_name: str) -> dict[str, Any]:
    dossier = order.dossier
    issuer = documents.desk_issuer(dossier.agency)
    payload = documents.receipt_qr_payload(dossier)
    day = documents.local(order.created_at).date()
    unit = order.unit
    place = ", ".join(p for p in (order.address, unit.name if unit else "") if p)
    if unit is not None and unit.parent is not None:
        place += f", {unit.parent.name}"
    return {
        "form_number": "BC",
        "form_name": "Biên bản bàn giao bưu gửi",
        "dossier": dossier,
        "order": order,
        "issuer": issuer,
        "procedure": dossier.procedure,
        "qr_src": documents.svg_data_uri(documents.qr_svg(payload)),
        "qr_payload": payload,
        "date_line": documents.format_date_line(issuer.place, day),
        "title": TITLE,
        "texts": {"note": NOTE},
        "signers": [
            documents.Signer("NHÂN VIÊN BƯU ĐIỆN", documents.SIGN_HINT, ""),
            documents.Signer("NGƯỜI BÀN GIAO", documents.SIGN_HINT, officer_name),
        ],
        "unit_name": issuer.unit_name,
        "recipient_place": place,
        "fee": documents.format_vnd(order.fee_vnd) if order.fee_vnd else "",
        "printed_at": documents.format_datetime(timezone.now()),
    }


def handover_pdf(order: PostalOrder, officer_name: str) -> bytes:
    context = handover_context(order, officer_name)
    data = documents.render_pdf("postal/handover.html", context)
    return documents.seal_form(data, order.dossier.agency, "Biên bản bàn giao bưu gửi")
