"""Is this result signed, by whom, and does the signature verify (pyHanko)?

Verification trusts only the configured roots (MOTCUA_SIGNING_TRUST_ROOTS, plus the demo
CA when MOTCUA_SIGNING_TRUST_DEMO_CA is on). Its outcome is cached under the SHA-256 of
the bytes actually read from storage (and the set of roots), so a page view hashes the
file instead of re-verifying it, and a file changed on disk after signing is verified
afresh, and found invalid.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.dossiers.models import Attachment, Dossier
from motcua.signing.ca import demo_root_path
from motcua.signing.models import SignedResult

log = logging.getLogger(__name__)
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CACHE_SECONDS = 24 * 3600  # certificates expire: a day-old verdict is re-checked
CACHE_VERSION = "v1"


@dataclass(frozen=True)
class Status:
    signed: bool
    valid: bool
    signer: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""
    problem: str = ""  # why it is not valid, in Vietnamese

    @property
    def label(self) -> str:
        """ "Đã ký số bởi …, lúc …, chữ ký hợp lệ / KHÔNG hợp lệ" as pages show it."""
        if not self.signed:
            return "Chưa ký số"
        when = f", lúc {self.signed_at.astimezone(VN_TZ):%H:%M %d/%m/%Y}" if self.signed_at else ""
        verdict = "chữ ký hợp lệ" if self.valid else "chữ ký KHÔNG hợp lệ"
        return f"Đã ký số bởi {self.signer}{when}, {verdict}"

    def as_dict(self) -> dict:
        return {
            "signed": self.signed,
            "valid": self.valid,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "reason": self.reason,
            "problem": self.problem,
            "label": self.label,
        }


UNSIGNED = Status(signed=False, valid=False)


def _root_files() -> list[Path]:
    files = [Path(p) for p in settings.MOTCUA_SIGNING_TRUST_ROOTS]
    if settings.MOTCUA_SIGNING_TRUST_DEMO_CA and demo_root_path().exists():
        files.append(demo_root_path())
    return files


def trust_roots() -> list[asn1_x509.Certificate]:
    roots: list[asn1_x509.Certificate] = []
    for path in _root_files():
        try:
            roots.extend(load_certs_from_pemder([str(path)]))
        except (OSError, ValueError):
            log.error("signing trust root %s cannot be read", path)
    return roots


def verify_pdf(data: bytes, roots: list[asn1_x509.Certificate] | None = None) -> Status:
    """Every signature in the document must verify against the trusted roots, and the
    last one must cover the whole file (nothing appended after signing)."""
    roots = trust_roots() if roots is None else roots
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF we can read: nothing verifiable in it
        return UNSIGNED
    if not signatures:
        return UNSIGNED
    names, problem, when, reason = [], "", None, ""
    for index, embedded in enumerate(signatures):
        last = index == len(signatures) - 1
        try:
            status = validate_pdf_signature(
                embedded, ValidationContext(trust_roots=roots, allow_fetching=False)
            )
        except Exception:
            log.info("signature %s cannot be validated", index, exc_info=True)
            return Status(signed=True, valid=False, problem="Không kiểm tra được chữ ký.")
        cert = status.signing_cert
        names.append(cert.subject.native.get("common_name", "") if cert else "")
        when = status.signer_reported_dt or when
        reason = str(embedded.sig_object.get("/Reason", "")) or reason
        if not problem:
            if not status.intact or not status.valid:
                problem = "Tài liệu đã bị thay đổi sau khi ký."
            elif not status.trusted:
                problem = "Chứng thư ký không do tổ chức được tin cậy cấp."
            elif not status.bottom_line:
                problem = "Tài liệu đã bị sửa đổi sau khi ký."
            elif last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
                problem = "Tài liệu có nội dung được thêm vào sau chữ ký."
    return Status(
        signed=True,
        valid=not problem,
        signer=", ".join(n for n in names if n),
        signed_at=when,
        reason=reason,
        problem=problem,
    )


def _roots_key() -> str:
    digest = hashlib.sha256()
    for path in _root_files():
        digest.update(str(path).encode())
        with contextlib.suppress(OSError):  # a missing root only changes the verdicts
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def signature_status(attachment: Attachment) -> Status:
    """Verify a stored file (hash of the bytes read, then the cache or pyHanko)."""
    try:
        with default_storage.open(attachment.path, "rb") as f:
            data = f.read()
    except OSError:
        signed = SignedResult.objects.filter(signed=attachment).exists()
        return Status(signed=signed, valid=False, problem="Không tìm thấy tệp đã ký.")
    key = f"signing:status:{CACHE_VERSION}:{hashlib.sha256(data).hexdigest()}:{_roots_key()}"
    status = cache.get(key)
    if status is None:
        status = verify_pdf(data)
        cache.set(key, status, CACHE_SECONDS)
    return status


@dataclass(frozen=True)
class SignedView:
    record: SignedResult
    status: Status


def signed_results(dossier: Dossier) -> list[SignedView]:
    """The dossier's signed results, newest first, each with its verification."""
    records = SignedResult.objects.filter(dossier=dossier).select_related("signed")
    return [SignedView(r, signature_status(r.signed)) for r in records.order_by("-id")]


_LATEST_SQL = (
    "SELECT r.signed_id, a.path FROM signing_signedresult r "
    "JOIN dossiers_attachment a ON a.id = r.signed_id "
    "WHERE r.dossier_id = %s ORDER BY r.id DESC LIMIT 1"
)


def latest_signature(dossier: Dossier) -> Status | None:
    """The newest signed result's status, or None when no result is signed.

    Every public lookup asks, and most dossiers have none: one raw query for the newest
    signed file's id and path, not the signed result and its attachment as models (a
    third of the lookup's CPU went to compiling and loading them)."""
    with connection.cursor() as cursor:
        cursor.execute(_LATEST_SQL, [dossier.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    return signature_status(Attachment(pk=row[0], path=row[1]))


def public_signature_data(dossier: Dossier) -> dict | None:
    """The newest signed result as the public lookup and the API show it: who signed,
    when, and whether it verifies; no file, no certificate details."""
    status = latest_signature(dossier)
    if status is None:
        return None
    return {
        "signed": status.signed,
        "valid": status.valid,
        "signer": status.signer,
        "signed_at": timezone.localtime(status.signed_at).isoformat() if status.signed_at else None,
        "label": status.label,
    }
