"""Signing keys registered and results signed. Each change in one transaction with its
event (process control sheet) and audit entry.

No outbox message: signing does not change the dossier's national status, and the signed
file travels to DVCQG with the result when the dossier is finished or returned.
"""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Agency
from motcua.core import audit
from motcua.core.codes import result_code as make_result_code
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.core.storage import store
from motcua.dossiers import policy
from motcua.dossiers.models import CLOSED, NATIONAL_STATUS, Attachment, Dossier, Event
from motcua.signing import ca, signers
from motcua.signing.keys import SigningUnavailable, passphrase, resolve
from motcua.signing.models import Kind, SignedResult, SigningCredential
from motcua.signing.stamp import stamp_first_page

log = logging.getLogger(__name__)
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Kinds of attachment that can be signed as a result ("draft" if the process adds one).
SIGNABLE_KINDS = {Attachment.Kind.RESULT, "draft"}
SIGN_ACTION = "sign_result"


# --- keys -----------------------------------------------------------------------------


@transaction.atomic
def register_credential(
    *,
    p12_file: str,
    user: User | None = None,
    agency: Agency | None = None,
    passphrase_env: str = "",
    actor: User | None = None,
) -> SigningCredential:
    """Tie a PKCS#12 file (relative to the key folder) to an officer (personal) or an
    agency (seal). The file is opened with its passphrase first: a key that cannot sign
    is never registered. Replaces the owner's key in use."""
    if (user is None) == (agency is None):
        raise InvalidInput("Chứng thư số phải thuộc về một cán bộ hoặc một cơ quan.")
    kind = Kind.PERSONAL if user is not None else Kind.SEAL
    signer = signers.Pkcs12Signer(resolve(p12_file), passphrase(passphrase_env), kind=kind)
    cert = signer.certificate
    owner = {"user": user} if user is not None else {"agency": agency}
    SigningCredential.objects.filter(kind=kind, is_active=True, **owner).update(is_active=False)
    credential = SigningCredential.objects.create(
        kind=kind,
        p12_file=p12_file,
        passphrase_env=passphrase_env,
        subject=cert.subject[:300],
        issuer=cert.issuer[:300],
        serial=cert.serial[:64],
        not_before=cert.not_before,
        not_after=cert.not_after,
        **owner,
    )
    audit.record(
        "signing.register",
        "signing_credential",
        credential.pk,
        actor=actor,
        data={
            "kind": kind,
            "owner": user.username if user is not None else agency.identifier,
            "subject": cert.subject,
            "issuer": cert.issuer,
            "serial": cert.serial,
        },
    )
    return credential


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-")[:80] or "key"


def issue_demo_credential(
    *, user: User | None = None, agency: Agency | None = None
) -> SigningCredential:
    """A certificate from the demo CA for a leader (personal) or an agency (seal),
    written as a PKCS#12 file and registered."""
    root = ca.demo_root()
    if user is not None:
        officer = policy.officer_of(user)
        organisation = officer.agency.name if officer is not None else ""
        key, cert = root.issue(user.get_full_name() or user.username, organisation)
        relative = f"{ca.DEMO_FOLDER}/personal-{_slug(user.username)}.p12"
    else:
        key, cert = root.issue(agency.name, agency.name)
        relative = f"{ca.DEMO_FOLDER}/seal-{_slug(agency.identifier)}.p12"
    ca.write_pkcs12(relative, root.pkcs12(key, cert, passphrase()))
    return register_credential(p12_file=relative, user=user, agency=agency)


def demo_root_pem() -> bytes:
    return ca.demo_root().cert.public_bytes(serialization.Encoding.PEM)


# --- signing a result ------------------------------------------------------------------


def _result_code(dossier: Dossier) -> str:
    # The number the result has (finish gives it) or will have (-KQ1 when signed first).
    return dossier.result_code or make_result_code(dossier.code, 1)


def _check(dossier: Dossier, attachment: Attachment, user: User) -> None:
    action = "sign" if "sign" in policy.OFFICER_ACTIONS else "approve"
    if not policy.allowed(user, dossier, action):
        raise NotAllowed(f"Chỉ lãnh đạo cơ quan xử lý được ký kết quả của hồ sơ {dossier.code}.")
    if dossier.status in CLOSED:
        raise IllegalTransition(
            f"Không thể ký kết quả của hồ sơ {dossier.code} đã kết thúc.",
            from_status=dossier.status,
            action=SIGN_ACTION,
        )
    if attachment.kind not in SIGNABLE_KINDS:
        raise InvalidInput("Chỉ ký số được tệp kết quả giải quyết.", code="not_a_result")
    if attachment.content_type != "application/pdf":
        raise InvalidInput("Chỉ ký số được kết quả ở định dạng PDF.", code="not_a_pdf")


def sign_result(
    attachment: Attachment, signer_user: User, *, seal: bool = False, location: str = ""
) -> SignedResult:
    """Sign a dossier's result PDF with the signer's personal certificate (or, `seal`,
    their agency's seal). The result code is stamped on page 1 and named in the
    signature's reason; the signed file is a new result attachment, the draft stays.

    The signature is computed before the transaction (a few hundred milliseconds of CPU
    that must not hold the dossier's row lock); the state is checked again inside it.
    """
    attachment = Attachment.objects.select_related("dossier__agency", "dossier__procedure").get(
        pk=attachment.pk
    )
    dossier = attachment.dossier
    _check(dossier, attachment, signer_user)
    officer = policy.officer_of(signer_user)
    if seal:
        credential = signers.seal_credential(officer.agency)
        missing = f"{officer.agency.name} chưa có con dấu điện tử."
    else:
        credential = signers.personal_credential(signer_user)
        missing = "Bạn chưa có chứng thư số cá nhân để ký. Đề nghị liên hệ quản trị hệ thống."
    if credential is None:
        raise SigningUnavailable(missing)
    signer_name = (
        officer.agency.name if seal else signer_user.get_full_name() or signer_user.username
    )
    signer = signers.for_credential(credential, name=signer_name)

    code = _result_code(dossier)
    now = timezone.now()
    reason = f"Ký số kết quả giải quyết {code}"
    place = location or officer.agency.name
    try:
        with default_storage.open(attachment.path, "rb") as f:
            original = f.read()
    except OSError:
        raise InvalidInput("Không tìm thấy tệp kết quả để ký.", code="file_missing") from None
    lines = [
        f"Số kết quả: {code}",
        f"Đã ký số bởi: {signer_name}",
        f"Thời điểm ký: {now.astimezone(VN_TZ):%d/%m/%Y %H:%M}",
    ]
    # A countersignature (the seal after the leader) adds no stamp: changing the page
    # after the first signature would break it, and the number is already there.
    countersign = SignedResult.objects.filter(signed=attachment).exists()
    try:
        signed_bytes = signer.sign(
            original if countersign else stamp_first_page(original, lines),
            reason=reason,
            location=place,
            field_name=f"KySo{dossier.signed_results.count() + 1}",
        )
    except SigningUnavailable:
        raise
    except Exception:  # a malformed PDF can fail anywhere inside the parser
        log.info("cannot sign attachment %s", attachment.pk, exc_info=True)
        raise InvalidInput(
            "Tệp kết quả không phải là PDF hợp lệ nên không ký số được.", code="invalid_pdf"
        ) from None

    stored = store(
        ContentFile(signed_bytes, name=f"{code}.pdf"), f"results/{dossier.agency.identifier}"
    )
    try:
        with transaction.atomic():
            dossier = (
                Dossier.objects.select_for_update(of=("self",))
                .select_related("procedure", "agency")
                .get(pk=dossier.pk)
            )
            _check(dossier, attachment, signer_user)
            signed = Attachment.objects.create(
                dossier=dossier,
                kind=Attachment.Kind.RESULT,
                path=stored.path,
                original_name=stored.original_name,
                size=stored.size,
                sha256=stored.sha256,
                content_type=stored.content_type,
            )
            result = SignedResult.objects.create(
                dossier=dossier,
                original=attachment,
                signed=signed,
                result_code=code,
                kind=credential.kind,
                credential=credential,
                signer=signer_user,
                signer_name=signer_name,
                certificate_subject=signer.certificate.subject_full[:300],
                reason=reason,
                signed_at=now,
            )
            data = {
                "result_code": code,
                "kind": credential.kind,
                "original": attachment.sha256,
                "signed": stored.sha256,
                "certificate": signer.certificate.serial,
            }
            Event.objects.create(
                dossier=dossier,
                action=SIGN_ACTION,
                from_status=dossier.status,
                to_status=dossier.status,
                national_status=NATIONAL_STATUS[dossier.status],
                actor=signer_user,
                actor_name=signer_user.get_full_name() or signer_user.username,
                agency_id=officer.agency_id,
                at=now,
                note=reason,
                data=data,
                province_code=dossier.province_code,
            )
            audit.record(
                f"dossier.{SIGN_ACTION}", "dossier", dossier.code, actor=signer_user, data=data
            )
    except Exception:
        default_storage.delete(stored.path)
        raise
    return result


# --- forms sealed with the agency's seal ------------------------------------------------


def seal_pdf(data: bytes, agency: Agency, reason: str) -> bytes:
    """dossiers.documents' sealer: the form with the agency's seal (PAdES) when the agency
    has one. A seal that cannot be used (passphrase missing, file gone) leaves the form
    unsealed and says so in the log: printing a receipt must not fail over it."""
    credential = signers.seal_credential(agency)
    if credential is None:
        return data
    try:
        signer = signers.for_credential(credential, name=agency.name)
        return signer.sign(data, reason=reason, location=agency.name, field_name="DauCoQuan")
    except SigningUnavailable:
        log.error("seal of %s cannot be used; form left unsealed", agency.identifier)
        return data
