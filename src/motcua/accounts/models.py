"""A citizen's own identity, bound to their account: from VNeID (verified) or declared once
by a local account. Submissions take the applicant's name and ID number from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CitizenIdentity(models.Model):
    class Source(models.TextChoices):
        VNEID = "vneid", _("VNeID (đã xác thực)")
        DECLARED = "declared", _("Tự khai báo")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="citizen_identity",
        verbose_name=_("tài khoản"),
    )
    id_number = models.CharField(_("số định danh cá nhân"), max_length=12)
    full_name = models.CharField(_("họ và tên"), max_length=200)
    birthdate = models.DateField(_("ngày sinh"), null=True, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    # VNeID's stable subject for this citizen ("sub" claim); empty for declared identities.
    subject = models.CharField(max_length=255, blank=True, verbose_name=_("mã định danh tại VNeID"))
    bound_at = models.DateTimeField(_("thời điểm gắn"), default=timezone.now)
    last_login_at = models.DateTimeField(_("đăng nhập VNeID lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("định danh công dân")
        verbose_name_plural = _("định danh công dân")
        constraints = [
            # One account per verified ID number. Declared numbers are claims, not proof:
            # making them unique would let anyone squat someone else's number.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=models.Q(source="vneid"),
                name="accounts_identity_vneid_id_number",
            ),
        ]
        indexes = [models.Index(fields=["id_number"], name="accounts_identity_id_number")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_source_display()})"

    @property
    def verified(self) -> bool:
        return self.source == self.Source.VNEID
