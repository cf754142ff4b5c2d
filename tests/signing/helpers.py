"""Test data for signed results, importable by other test packages (the process steps
call sign_result too): real PDFs, demo-CA keys for the world's leaders, a result draft."""

from __future__ import annotations

import io

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from motcua.core.storage import store
from motcua.dossiers.models import Attachment, Dossier
from motcua.signing import services
from motcua.signing.models import SigningCredential


def use_test_keys(settings, tmp_path) -> None:
    """Keys in the test's folder, a known passphrase, the demo CA trusted."""
    settings.MOTCUA_SIGNING_KEY_DIR = str(tmp_path / "signing-keys")
    settings.MOTCUA_SIGNING_PASSPHRASE = "test-signing-passphrase"
    settings.MOTCUA_SIGNING_TRUST_ROOTS = []
    settings.MOTCUA_SIGNING_TRUST_DEMO_CA = True


def result_pdf(title: str = "GIAY PHEP XAY DUNG") -> bytes:
    """A one-page A4 PDF with some text, as a specialist's draft result would be."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 16 Tf 72 760 Td ({title}) Tj ET".encode("latin-1"))
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Contents")] = writer._add_object(content)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def give_key(user: User) -> SigningCredential:
    return services.issue_demo_credential(user=user)


def draft_result(dossier: Dossier, data: bytes | None = None) -> Attachment:
    """A result PDF attached to the dossier as the specialist's draft (kind result)."""
    upload = SimpleUploadedFile("ket-qua.pdf", data or result_pdf(), "application/pdf")
    stored = store(upload, f"results/{dossier.agency.identifier}")
    return Attachment.objects.create(
        dossier=dossier,
        kind=Attachment.Kind.RESULT,
        path=stored.path,
        original_name=stored.original_name,
        size=stored.size,
        sha256=stored.sha256,
        content_type=stored.content_type,
    )
