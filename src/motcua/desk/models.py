from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """An officer's named search of the queue ("Hồ sơ đất đai sắp đến hạn"): the query
    string of the list page, replayed as is (the form validates it again each time)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_filters"
    )
    name = models.CharField(_("tên bộ lọc"), max_length=100)
    query = models.CharField(_("điều kiện lọc"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bộ lọc đã lưu")
        verbose_name_plural = _("bộ lọc đã lưu")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="desk_savedfilter_user_name")
        ]

    def __str__(self) -> str:
        return self.name
