"""Signing keys of officers and agencies, and the signed results they produced."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency
from motcua.dossiers.models import Attachment, Dossier


class Kind(models.TextChoices):
    PERSONAL = "personal", _("Chữ ký số cá nhân")
    SEAL = "seal", _("Con dấu điện tử của cơ quan")


class SigningCredential(models.Model):
    """A leader's personal certificate or an agency's seal, kept as a PKCS#12 file.

    The file lives under the signing key folder (MOTCUA_DATA_DIR/keys/signing/); its
    passphrase never enters the database: it comes from the environment variable named
    here, or MOTCUA_SIGNING_PASSPHRASE, so a database dump with a copy of the files still
    cannot sign. The certificate fields are copied from the file when it is registered,
    for pages and the admin; signing always reads the file itself.
    """

    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_credentials",
    )
    p12_file = models.CharField(
        _("tệp PKCS#12"),
        max_length=255,
        help_text=_("Đường dẫn tương đối trong thư mục khóa ký số (MOTCUA_DATA_DIR/keys/signing)."),
    )
    passphrase_env = models.CharField(
        _("biến môi trường chứa mật khẩu"),
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9_]*$", _("Tên biến môi trường không hợp lệ."))],
        help_text=_("Để trống: dùng MOTCUA_SIGNING_PASSPHRASE."),
    )
    subject = models.CharField(_("chủ thể chứng thư"), max_length=300)
    issuer = models.CharField(_("tổ chức cấp"), max_length=300)
    serial = models.CharField(_("số hiệu chứng thư"), max_length=64)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("tạo lúc"))

    class Meta:
        verbose_name = _("chứng thư ký số")
        verbose_name_plural = _("chứng thư ký số")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=Kind.PERSONAL) & Q(user__isnull=False))
                | (Q(kind=Kind.SEAL) & Q(agency__isnull=False)),
                name="signing_credential_owner",
            ),
            # One key in use per person and per agency: signing never has to choose.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_active=True, kind=Kind.PERSONAL),
                name="signing_one_active_personal",
            ),
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(is_active=True, kind=Kind.SEAL),
                name="signing_one_active_seal",
            ),
        ]

    def __str__(self) -> str:
        return f"{Kind(self.kind).label}: {self.subject}"


class SignedResult(models.Model):
    """A result document signed by someone: the signed file is a new attachment of the
    dossier, the unsigned draft stays as it was."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="signed_results", verbose_name=_("hồ sơ")
    )
    original = models.ForeignKey(
        Attachment, verbose_name=_("bản chưa ký"), on_delete=models.CASCADE, related_name="+"
    )
    signed = models.OneToOneField(
        Attachment, verbose_name=_("bản đã ký"), on_delete=models.CASCADE, related_name="signature"
    )
    result_code = models.CharField(_("số kết quả"), max_length=72)
    kind = models.CharField(_("loại chữ ký"), max_length=8, choices=Kind.choices)
    credential = models.ForeignKey(
        SigningCredential, on_delete=models.PROTECT, related_name="+", verbose_name=_("chứng thư")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ký"),
    )
    signer_name = models.CharField(_("người ký"), max_length=300)
    certificate_subject = models.CharField(_("chứng thư"), max_length=300)
    reason = models.CharField(_("lý do ký"), max_length=300)
    signed_at = models.DateTimeField(_("thời điểm ký"), default=timezone.now)

    class Meta:
        ordering = ["dossier", "id"]
        verbose_name = _("kết quả đã ký số")
        verbose_name_plural = _("kết quả đã ký số")

    def __str__(self) -> str:
        return self.result_code
