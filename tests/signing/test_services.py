"""sign_result: a leader's PAdES signature on a dossier's result PDF (NĐ 118/2025 art. 25:
an electronic result is a digitally signed document; Luật Giao dịch điện tử 2023)."""

from __future__ import annotations

import io
import unicodedata

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from motcua.core.audit import AuditEntry
from motcua.core.problems import InvalidInput, NotAllowed
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Attachment, Event
from motcua.signing import services
from motcua.signing.keys import SigningUnavailable
from motcua.signing.models import Kind
from motcua.signing.selectors import signature_status, verify_pdf
from tests.signing.helpers import draft_result, give_key


def _read(attachment: Attachment) -> bytes:
    with default_storage.open(attachment.path, "rb") as f:
        return f.read()


def test_signed_result_is_a_new_version_and_verifies(world, draft, leader_key):
    before = _read(draft)
    result = services.sign_result(draft, world.leader)

    assert result.original == draft and result.signed != draft
    assert _read(draft) == before  # the draft is kept as it was
    assert result.signed.kind == Attachment.Kind.RESULT
    assert result.signer == world.leader and result.kind == Kind.PERSONAL
    assert result.result_code == f"{draft.dossier.code}-KQ1"
    status = signature_status(result.signed)
    assert status.signed and status.valid, status.problem
    assert status.signer == world.leader.get_full_name()
    assert result.result_code in status.reason
    assert abs((status.signed_at - result.signed_at).total_seconds()) < 60
    assert "chữ ký hợp lệ" in status.label and "KHÔNG" not in status.label


def test_result_code_is_visible_on_the_first_page(world, draft, leader_key):
    result = services.sign_result(draft, world.leader)
    text = unicodedata.normalize(
        "NFC", PdfReader(io.BytesIO(_read(result.signed))).pages[0].extract_text()
    )
    assert f"Số kết quả: {result.result_code}" in text
    assert f"Đã ký số bởi: {world.leader.get_full_name()}" in text
    assert "GIAY PHEP XAY DUNG" in text  # the draft's own content is still there


def test_event_and_audit_entry_are_written(world, draft, leader_key):
    result = services.sign_result(draft, world.leader)
    event = Event.objects.get(dossier=draft.dossier, action=services.SIGN_ACTION)
    assert event.actor == world.leader
    assert event.from_status == event.to_status == draft.dossier.status
    assert event.data["result_code"] == result.result_code
    assert event.data["signed"] == result.signed.sha256
    entry = AuditEntry.objects.filter(action="dossier.sign_result").get()
    assert entry.object_id == draft.dossier.code


def test_the_units_seal(world, draft):
    give_key(world.leader)
    services.issue_demo_credential(agency=world.dept)
    result = services.sign_result(draft, world.leader, seal=True)
    assert result.kind == Kind.SEAL
    status = signature_status(result.signed)
    assert status.valid and status.signer == world.dept.name


def test_leader_and_seal_both_sign_and_both_verify(world, draft):
    give_key(world.leader)
    services.issue_demo_credential(agency=world.dept)
    first = services.sign_result(draft, world.leader)
    second = services.sign_result(first.signed, world.leader, seal=True)
    status = signature_status(second.signed)
    assert status.valid, status.problem
    assert status.signer == f"{world.leader.get_full_name()}, {world.dept.name}"


def test_tampered_file_is_invalid(world, draft, leader_key):
    result = services.sign_result(draft, world.leader)
    assert signature_status(result.signed).valid  # cached as valid under the old hash
    data = bytearray(_read(result.signed))
    at = data.index(b"GIAY PHEP")
    data[at : at + 5] = b"GIAY!"  # same length: only the bytes change
    path = default_storage.path(result.signed.path)
    with open(path, "wb") as f:
        f.write(bytes(data))
    status = signature_status(result.signed)
    assert status.signed and not status.valid
    assert "KHÔNG hợp lệ" in status.label
    assert status.problem


def test_content_appended_after_signing_is_invalid(world, draft, leader_key):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    result = services.sign_result(draft, world.leader)
    writer = IncrementalPdfFileWriter(io.BytesIO(_read(result.signed)))
    writer.root["/Pages"].get_object()  # touch nothing, then add a new page stream
    from pyhanko.pdf_utils import generic

    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"")))
    out = io.BytesIO()
    writer.write(out)
    status = verify_pdf(out.getvalue())
    assert status.signed and not status.valid


def test_certificate_from_an_untrusted_ca_is_invalid(world, draft, leader_key, settings):
    result = services.sign_result(draft, world.leader)
    settings.MOTCUA_SIGNING_TRUST_DEMO_CA = False  # e.g. production: demo CA not trusted
    status = signature_status(result.signed)
    assert status.signed and not status.valid
    assert "tin cậy" in status.problem


def test_unsigned_file_is_not_signed(draft):
    status = signature_status(draft)
    assert not status.signed and not status.valid
    assert status.label == "Chưa ký số"


def test_only_a_leader_of_the_agency_signs(world, draft, leader_key):
    give_key(world.other_leader)
    with pytest.raises(NotAllowed):
        services.sign_result(draft, world.specialist)
    with pytest.raises(NotAllowed):
        services.sign_result(draft, world.other_leader)  # another department


def test_leader_without_a_certificate_is_told(world, draft):
    with pytest.raises(SigningUnavailable) as exc:
        services.sign_result(draft, world.leader)
    assert "chứng thư số" in exc.value.message


def test_not_a_pdf_is_refused_in_vietnamese(world, received, leader_key):
    from tests import factories

    broken = draft_result(received, factories.PDF)  # starts with %PDF-, is no PDF
    with pytest.raises(InvalidInput) as exc:
        services.sign_result(broken, world.leader)
    assert exc.value.code == "invalid_pdf"
    assert not Event.objects.filter(action=services.SIGN_ACTION).exists()


def test_closed_dossier_cannot_be_signed(world, draft, leader_key):
    dossier_services.withdraw(draft.dossier, world.desk, "Công dân xin rút hồ sơ")
    with pytest.raises(Exception) as exc:
        services.sign_result(draft, world.leader)
    assert "đã kết thúc" in str(exc.value)


def test_wrong_passphrase_is_a_problem_not_a_crash(world, draft, leader_key, settings):
    settings.MOTCUA_SIGNING_PASSPHRASE = "another-passphrase"
    with pytest.raises(SigningUnavailable) as exc:
        services.sign_result(draft, world.leader)
    assert "mật khẩu" in exc.value.message
