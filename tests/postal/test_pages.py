"""The pages: the submission form shows the postal fee of the commune chosen; the desk's
dossier page sends the result by post, prints the handover record (PDF), and shows the
parcel's events, the return to sender as a visible note."""

from __future__ import annotations

import io
import re
import unicodedata

from django.urls import reverse
from pypdf import PdfReader

from motcua.postal.models import PostalOrder
from tests.postal.conftest import deliver, done_by_post, emit, post_signed


def _text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def test_the_submission_form_asks_for_the_fee(client, world, units, postal):
    client.force_login(world.citizen)
    page = client.get(reverse("submit", args=[world.proc.code])).content.decode()
    assert 'id="postal-fee"' in page and f'data-quote-url="{reverse("postal:quote")}"' in page
    fragment = client.get(reverse("postal:quote"), {"return_unit": "14308"}).content.decode()
    assert "Cước phí trả kết quả qua bưu chính đến Phường Hoa Lư" in fragment
    assert "22.000 đồng" in fragment
    fragment = client.get(reverse("postal:quote"), {"return_unit": "37"}).content.decode()
    assert "cần chọn xã, phường nhận kết quả" in fragment
    postal.http.post("/_control/postal/settings", json={"down": True})
    fragment = client.get(reverse("postal:quote"), {"return_unit": "14308"}).content.decode()
    assert "Chưa lấy được cước phí" in fragment


def test_the_desk_sends_prints_and_follows_the_parcel(client, world, units, postal):
    dossier = done_by_post(world, units)
    client.force_login(world.desk)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert 'id="postal-send"' in page
    response = client.post(reverse("postal:send", args=[dossier.code]))
    assert response.status_code == 302
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Chờ bưu điện nhận đơn" in page and 'id="postal-send"' not in page
    # A parcel on its way: no hand return offered, and the page says why.
    assert 'data-action="return_result"' not in page
    assert 'id="postal-travelling"' in page
    deliver()
    order = PostalOrder.objects.get()
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert order.tracking_number in page
    handover = reverse("postal:handover", args=[dossier.code, order.reference])
    assert handover in page
    response = client.get(handover)
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for words in (
        "BIÊN BẢN BÀN GIAO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        order.tracking_number,
        dossier.code,
        "Số 12 đường Trần Hưng Đạo, Phường Hoa Lư, Tỉnh Ninh Bình",
        "22.000 đồng",
        "NHÂN VIÊN BƯU ĐIỆN",
        "NGƯỜI BÀN GIAO",
    ):
        assert words in text, words
    [sent] = emit(postal, order.tracking_number, "returned", note="Sai số nhà")["sent"]
    assert post_signed(client, sent).status_code == 200
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert 'id="postal-returned"' in page and "Sai số nhà" in page
    assert 'id="postal-send"' in page  # back at the desk: may send again
    assert "Bưu điện chuyển hoàn kết quả về bộ phận một cửa" in page  # the history line


def test_other_officers_and_citizens_cannot_send_or_print(client, world, units, postal):
    dossier = done_by_post(world, units)
    client.force_login(world.citizen)
    assert client.post(reverse("postal:send", args=[dossier.code])).status_code == 403
    client.force_login(world.other_desk)
    assert client.post(reverse("postal:send", args=[dossier.code])).status_code == 404
    client.force_login(world.desk)
    missing = reverse("postal:handover", args=[dossier.code, "X-BC1"])
    assert client.get(missing).status_code == 404
    assert not PostalOrder.objects.exists()
