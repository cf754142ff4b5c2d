"""What the portal publishes itself: announcements on the home page."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Announcement(models.Model):
    """A notice to citizens (a holiday schedule, a system maintenance, a new procedure),
    written in the admin and shown on the home page between its two dates."""

    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"), blank=True)
    is_important = models.BooleanField(
        _("quan trọng"), default=False, help_text=_("Hiện nổi bật, trước các thông báo khác.")
    )
    published_at = models.DateTimeField(_("hiện từ"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("hiện đến"), null=True, blank=True, help_text=_("Để trống: hiện cho đến khi gỡ.")
    )
    is_published = models.BooleanField(_("đang đăng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["-is_important", "-published_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [models.Index(fields=["is_published", "published_at"], name="portal_ann_live")]

    def __str__(self) -> str:
        return self.title
