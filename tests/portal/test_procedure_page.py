"""The procedure page: steps, applicants, conditions, legal basis, fees, time limit,
result, and blank forms served by Motcua."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.catalog import services
from motcua.catalog.models import FormTemplate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def birth(db):
    proc = factories.procedure(None, code="1.001193", name="Đăng ký khai sinh", days="1")
    proc.legal_basis = "Luật Hộ tịch 2014"
    proc.fee_note = "Miễn lệ phí"
    proc.save()
    services.load_procedure_details(services.demo_procedure_details())
    proc.refresh_from_db()
    return proc


def test_demo_details_fill_the_page(client, birth):
    html = client.get(reverse("procedure_detail", args=[birth.code])).content.decode()
    for text in [
        "Đối tượng thực hiện",
        "Cha, mẹ của trẻ",
        "Trình tự thực hiện",
        "Bước 3: Hồ sơ hợp lệ",
        "Yêu cầu, điều kiện",
        "60 ngày",
        "Căn cứ pháp lý",
        "Luật Hộ tịch 2014",
        "Thời hạn giải quyết",
        "1 ngày làm việc",
        "Lệ phí",
        "Miễn lệ phí",
        "Kết quả",
        "Mẫu đơn, tờ khai",
        "Tờ khai đăng ký khai sinh",
    ]:
        assert text in html, text
    assert html.count("<li>Bước") == 4


def test_form_template_downloads_from_motcua(client, birth):
    template = FormTemplate.objects.get(procedure=birth)
    url = reverse("form_template", args=[birth.code, template.pk])
    assert url in client.get(reverse("procedure_detail", args=[birth.code])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    # Another procedure's code, or no such form: 404.
    other = factories.procedure(None, code="1.000001", name="Đăng ký kết hôn")
    assert client.get(reverse("form_template", args=[other.code, template.pk])).status_code == 404
    assert client.get(reverse("form_template", args=[birth.code, 999999])).status_code == 404


def test_loading_again_keeps_the_stored_forms(birth):
    before = list(FormTemplate.objects.values_list("pk", "file"))
    services.load_procedure_details(services.demo_procedure_details())
    assert list(FormTemplate.objects.values_list("pk", "file")) == before


def test_default_steps_for_procedures_without_their_own(client, db):
    proc = factories.procedure(None, code="9.999999", name="Thủ tục khác")
    services.load_procedure_details({"_default": {"steps": "Bước 1: Nộp\nBước 2: Nhận"}})
    html = client.get(reverse("procedure_detail", args=[proc.code])).content.decode()
    assert "<li>Bước 1: Nộp</li>" in html
    assert "Yêu cầu, điều kiện" not in html  # nothing stated, nothing shown


def test_unknown_procedure_is_404(client, db):
    assert client.get(reverse("procedure_detail", args=["0.000000"])).status_code == 404
