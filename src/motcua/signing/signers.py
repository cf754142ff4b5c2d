"""Who signs: the interface every signer implements, and the embedded PKCS#12 signer.

A remote signing service (a CA's cloud signing, a hardware module behind an API) is a
new `Signer` subclass: it receives the PDF bytes and returns them signed, so services,
pages and verification do not change. Signatures are PAdES baseline B-B (pyHanko, the
ETSI.CAdES.detached sub-filter); a timestamp service for B-T is not configured here.
"""

from __future__ import annotations

import io
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

from motcua.signing.keys import SigningUnavailable, passphrase, resolve
from motcua.signing.models import Kind, SigningCredential

# fontTools reports every table it cannot subset; nothing to act on.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


@dataclass(frozen=True)
class CertificateInfo:
    subject: str  # the common name, as shown on pages
    subject_full: str
    issuer: str
    serial: str
    not_before: object
    not_after: object

    @classmethod
    def of(cls, cert: asn1_x509.Certificate) -> CertificateInfo:
        native = cert.subject.native
        return cls(
            subject=native.get("common_name") or cert.subject.human_friendly,
            subject_full=cert.subject.human_friendly,
            issuer=cert.issuer.native.get("common_name") or cert.issuer.human_friendly,
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before,
            not_after=cert.not_valid_after,
        )


class Signer(ABC):
    """Signs PDF documents with one key. `name` is who the signature is shown as (the
    officer, or the agency for a seal); `certificate` describes the certificate."""

    name: str
    kind: str

    @property
    @abstractmethod
    def certificate(self) -> CertificateInfo: ...

    @abstractmethod
    def sign(self, pdf_bytes: bytes, *, reason: str, location: str, field_name: str) -> bytes:
        """Return the document with one more PAdES signature (incremental update: the
        bytes before it, and any earlier signature, stay as they were)."""


class Pkcs12Signer(Signer):
    """The embedded default: key and certificate chain in a PKCS#12 file."""

    def __init__(self, path: Path, secret: bytes, *, name: str = "", kind: str = Kind.PERSONAL):
        try:
            data = path.read_bytes()
        except OSError:
            raise SigningUnavailable("Không tìm thấy tệp khóa ký số.") from None
        try:
            self._signer = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=secret)
        except ValueError:
            raise SigningUnavailable(
                "Không mở được tệp khóa ký số (sai mật khẩu hoặc tệp hỏng)."
            ) from None
        self._certificate = CertificateInfo.of(self._signer.signing_cert)
        self.name = name or self._certificate.subject
        self.kind = kind

    @property
    def certificate(self) -> CertificateInfo:
        return self._certificate

    def sign(self, pdf_bytes: bytes, *, reason: str, location: str, field_name: str) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        meta = PdfSignatureMetadata(
            field_name=field_name,
            reason=reason,
            location=location,
            name=self.name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        return signers.sign_pdf(writer, meta, signer=self._signer).getvalue()


def for_credential(credential: SigningCredential, *, name: str = "") -> Pkcs12Signer:
    return Pkcs12Signer(
        resolve(credential.p12_file),
        passphrase(credential.passphrase_env),
        name=name,
        kind=credential.kind,
    )


def personal_credential(user) -> SigningCredential | None:
    return SigningCredential.objects.filter(kind=Kind.PERSONAL, user=user, is_active=True).first()


def seal_credential(agency) -> SigningCredential | None:
    return SigningCredential.objects.filter(kind=Kind.SEAL, agency=agency, is_active=True).first()


def seal_signer(agency) -> Pkcs12Signer | None:
    """The agency's seal (con dấu điện tử), or None when it has none: for forms that are
    sealed when a seal is configured."""
    credential = seal_credential(agency)
    return None if credential is None else for_credential(credential, name=agency.name)
