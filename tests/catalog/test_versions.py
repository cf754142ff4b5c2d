"""Procedure versions and national changes in the catalogue's own terms (no portal here:
tests/dvcqg/test_catalogue.py runs the same through the simulator)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from motcua.catalog import services
from motcua.catalog.models import NationalProcedureVersion, ProcedureVersion
from motcua.core.problems import InvalidInput
from motcua.dossiers.models import Attachment

State = NationalProcedureVersion.State


def national(proc_code, version=2, **data):
    row, created = services.record_national_version(
        national_code=proc_code,
        version=version,
        name=data.get("name", "Tên"),
        effective_from=data.pop("effective_from", dt.date(2025, 7, 1)),
        effective_until=data.pop("effective_until", None),
        data=data,
        raw={"MaTTHC": proc_code},
    )
    return row, created


def test_the_first_dossier_fixes_version_one_as_the_baseline(world):
    assert world.proc.versions.count() == 0
    first = world.submit_online()
    second = world.submit_online()
    assert first.procedure_version == second.procedure_version
    baseline = first.procedure_version
    assert (baseline.number, baseline.source) == (1, ProcedureVersion.Source.LOCAL)
    assert baseline.snapshot["processing_days"] == "3"
    assert [c["name"] for c in baseline.snapshot["components"]] == ["Giấy tờ số 1", "Giấy tờ số 2"]
    assert baseline.label == "phiên bản 1"


def test_only_the_fields_sent_are_compared(world):
    same = {"name": world.proc.name, "processing_days": "3.00"}
    row, created = national(world.proc.code, **same)
    assert created and row.state == State.SAME and row.diff == []
    row, _ = national(world.proc.code, version=3, name=world.proc.name, charge_vnd=50000)
    assert row.state == State.PENDING
    assert row.diff == [
        {"field": "charge_vnd", "label": "Lệ phí (đồng)", "local": 0, "national": 50000}
    ]
    assert services.display_value("charge_vnd", 50000) == "50.000"


def test_accept_keeps_components_matched_by_name(world):
    dossier = world.submit_online()
    kept = world.proc.components.get(name="Giấy tờ số 1")
    attachment = Attachment.objects.filter(dossier=dossier, component=kept).first()
    assert attachment is not None
    row, _ = national(
        world.proc.code,
        name=world.proc.name,
        processing_days="0.5",
        components=[
            {"name": "Giấy tờ số 1", "copies": 2, "required": True},
            {"name": "Tờ khai mới", "copies": 1, "required": False},
        ],
    )
    version = services.accept_national_version(row)
    components = list(world.proc.components.all())
    assert [(c.name, c.copies, c.required) for c in components] == [
        ("Giấy tờ số 1", 2, True),
        ("Tờ khai mới", 1, False),
    ]
    assert components[0].pk == kept.pk  # the dossier's file still points at it
    attachment.refresh_from_db()
    assert attachment.component_id == kept.pk
    world.proc.refresh_from_db()
    assert world.proc.processing_days == Decimal("0.5") and world.proc.current_version == version
    assert version.snapshot["processing_days"] == "0.5"
    dossier.refresh_from_db()
    assert dossier.procedure_version.number == 1


def test_decisions_only_on_pending_versions(world):
    row, _ = national("9.999999")
    assert row.state == State.UNMAPPED and row.procedure is None
    with pytest.raises(InvalidInput):
        services.accept_national_version(row)
    with pytest.raises(InvalidInput):
        services.reject_national_version(row)
    ended, _ = national(world.proc.code, version=1, effective_until=dt.date(2025, 7, 1))
    assert ended.state == State.HISTORICAL
    future, _ = national(
        world.proc.code,
        version=4,
        name="Tên mới",
        effective_from=timezone.localdate() + dt.timedelta(days=1),
    )
    assert future.state == State.PENDING
    with pytest.raises(InvalidInput, match="hiệu lực từ"):
        services.accept_national_version(future)


def test_form_01_names_the_version_the_dossier_was_filed_under(world):
    import io
    import unicodedata

    from pypdf import PdfReader

    from motcua.dossiers import documents
    from motcua.dossiers import services as dossier_services

    def receipt_text(dossier):
        dossier = dossier_services.receive(dossier, world.desk)
        reader = PdfReader(io.BytesIO(documents.receipt_pdf(dossier)))
        text = " ".join(p.extract_text() for p in reader.pages)
        return " ".join(unicodedata.normalize("NFC", text).split())

    old = world.submit_online()
    row, _ = national(world.proc.code, name=world.proc.name, processing_days="2")
    services.accept_national_version(row)
    new = world.submit_online()
    assert f"(mã thủ tục: {world.proc.code}, phiên bản 1)" in receipt_text(old)
    assert "phiên bản 2 hiệu lực từ 01/07/2025" in receipt_text(new)


def test_a_version_the_catalogue_cannot_hold_is_refused_whole(world):
    world.submit_online()
    row, _ = national(world.proc.code, name="Tên mới", processing_days="0.1")
    with pytest.raises(InvalidInput, match="Không áp dụng được"):
        services.accept_national_version(row)
    world.proc.refresh_from_db()
    assert world.proc.name != "Tên mới" and world.proc.current_version.number == 1
    row.refresh_from_db()
    assert row.state == State.PENDING


def test_a_repull_of_an_unchanged_version_writes_nothing(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row, _ = national("9.999999")
    with CaptureQueriesContext(connection) as queries:
        again, created = national("9.999999")
    assert not created and again.pk == row.pk
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert writes == []
    # An end date that moved is written.
    again, _ = national("9.999999", effective_until=dt.date(2030, 1, 1))
    again.refresh_from_db()
    assert again.effective_until == dt.date(2030, 1, 1)
