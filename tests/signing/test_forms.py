"""TT 03/2025 forms carry the issuing agency's seal (con dấu điện tử) when it has one."""

from __future__ import annotations

from motcua.dossiers import documents
from motcua.signing import services
from motcua.signing.selectors import verify_pdf


def test_receipt_is_sealed_by_the_agency_with_a_seal(world, received):
    services.issue_demo_credential(agency=received.agency)
    status = verify_pdf(documents.receipt_pdf(received))
    assert status.signed and status.valid, status.problem
    assert status.signer == received.agency.name
    assert "Mẫu số 01" in status.reason


def test_receipt_without_a_seal_is_unsigned(world, received):
    assert not verify_pdf(documents.receipt_pdf(received)).signed


def test_unusable_seal_leaves_the_form_unsealed_not_broken(world, received, settings):
    services.issue_demo_credential(agency=received.agency)
    settings.MOTCUA_SIGNING_PASSPHRASE = "not-the-one"
    data = documents.receipt_pdf(received)
    assert data.startswith(b"%PDF") and not verify_pdf(data).signed
