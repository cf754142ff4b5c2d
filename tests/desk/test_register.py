"""The desk's Sổ theo dõi hồ sơ page (form 07, TT 03/2025/TT-VPCP): the books an officer
may open, the PDF and .xlsx for a period, the reads logged, hostile queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog.models import ServiceCentre
from motcua.core.models import AuditEntry
from motcua.dossiers import documents, services
from motcua.dossiers.models import DossierAccess
from tests import factories
from tests.dossiers.test_documents import _xlsx_rows
from tests.fuzz.test_api import is_vietnamese

URL = "desk:register"


@pytest.fixture
def centre(world) -> ServiceCentre:
    obj = ServiceCentre.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh Ninh Bình",
        parent_line="UBND TỈNH NINH BÌNH",
        unit=factories.unit(),
        book_code="TTPVHCC",
    )
    obj.agencies.set([world.dept, world.other_dept])
    return obj


def _today() -> dt.date:
    return documents.local(services.timezone.now()).date()


def _query(centre, fmt: str, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    today = _today()
    return {
        "book": f"c{centre.pk}",
        "start": (start or today).isoformat(),
        "end": (end or today).isoformat(),
        "format": fmt,
    }


def test_form_offers_the_centres_serving_the_officers_agency(client, world, centre):
    client.force_login(world.desk)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sổ theo dõi hồ sơ" in body and centre.name in body
    # The queue links to it for desk officers and leaders.
    assert reverse(URL) in client.get(reverse("desk:queue")).content.decode()


def test_specialists_and_citizens_are_refused(client, world, centre):
    client.force_login(world.specialist)
    assert client.get(reverse(URL)).status_code == 403
    client.force_login(world.citizen)
    assert client.get(reverse(URL)).status_code == 403


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_register_download_lists_the_period_and_logs_the_reads(client, world, centre, fmt):
    dossiers = [services.receive(world.submit_online(), world.desk) for _ in range(2)]
    client.force_login(world.leader)
    reads = AuditEntry.objects.filter(object_id="list:desk.register")
    before = reads.count()
    response = client.get(reverse(URL), _query(centre, fmt))
    assert response.status_code == 200
    if fmt == "pdf":
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    else:
        assert response["Content-Type"] == documents.XLSX_TYPE
        assert response["Content-Disposition"].startswith("attachment; filename=")
        codes = {row[1] for row in _xlsx_rows(response.content) if len(row) > 1}
        assert {d.code for d in dossiers} <= codes
    # One audit entry for the page, one access row per dossier listed (the applicant's
    # "who opened my dossier").
    assert reads.count() == before + 1
    assert set(reads.last().data["ids"]) == {d.code for d in dossiers}
    for dossier in dossiers:
        assert DossierAccess.objects.filter(dossier=dossier, via=DossierAccess.Via.PDF).exists()


def test_a_book_of_another_unit_cannot_be_asked_for(client, world, centre):
    other = ServiceCentre.objects.create(
        name="Chi nhánh khác", unit=factories.unit(), book_code="KHAC"
    )
    other.agencies.set([world.commune])
    client.force_login(world.desk)
    response = client.get(reverse(URL), {**_query(centre, "pdf"), "book": f"c{other.pk}"})
    assert response.status_code == 400
    assert "Sổ theo dõi hồ sơ" in response.content.decode()


def test_period_rules(client, world, centre):
    client.force_login(world.desk)
    today = _today()
    backwards = _query(centre, "pdf", today, today - dt.timedelta(days=1))
    response = client.get(reverse(URL), backwards)
    assert response.status_code == 400
    assert "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu." in response.content.decode()
    too_long = _query(centre, "xlsx", today - dt.timedelta(days=400), today)
    assert client.get(reverse(URL), too_long).status_code == 400


HOSTILE = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.sampled_from(["\x00", "2026-02-30", "9999-12-31", "0001-01-01", "x" * 5000, "c-1", ""]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_hostile_queries_never_fail(client, world, centre, data):
    client.force_login(world.desk)
    query = {name: data.draw(HOSTILE, label=name) for name in ("book", "start", "end", "format")}
    response = client.get(reverse(URL), query)
    assert response.status_code in (200, 400)
    # A NUL never reaches the view: the input guard answers 400 before it.
    if response.status_code == 400 and "form" in response.context:
        form = response.context["form"]
        messages = [str(m) for errors in form.errors.values() for m in errors]
        assert messages and all(is_vietnamese(m) for m in messages), messages


def test_a_register_too_long_for_a_pdf_asks_for_excel(client, world, centre, monkeypatch):
    for _ in range(3):
        services.receive(world.submit_online(), world.desk)
    monkeypatch.setattr(documents, "MAX_REGISTER_PDF_ROWS", 2)
    client.force_login(world.desk)
    response = client.get(reverse(URL), _query(centre, "pdf"))
    assert response.status_code == 400
    assert "quá 2 hồ sơ để in thành PDF" in response.content.decode()
    assert client.get(reverse(URL), _query(centre, "xlsx")).status_code == 200
