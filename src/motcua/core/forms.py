"""Form pieces shared by the public portal and the desk (which may not import each other)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motcua.core.storage import ALLOWED_TYPES

ACCEPT = ",".join(sorted(ALLOWED_TYPES))  # for <input accept>
ACCEPT_TEXT = ", ".join(sorted({ext.lstrip(".") for ext in ALLOWED_TYPES}))  # for people
# Explicit Vietnamese messages: a browser that asks for English (Accept-Language) must
# not turn half of the page into English.
REQUIRED = {"required": _("Vui lòng nhập thông tin này."), "invalid": _("Giá trị không hợp lệ.")}
FILE_MESSAGES = {
    "required": _("Vui lòng chọn tệp."),
    "invalid": _("Tệp gửi lên không hợp lệ."),
    "empty": _("Tệp rỗng."),
    "missing": _("Không nhận được tệp."),
}


def max_size_text() -> str:
    return f"{settings.MOTCUA_MAX_ATTACHMENT_BYTES / 1048576:.0f} MB"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("error_messages", FILE_MESSAGES)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data:
            # An empty list slips past FileField's own "required" check.
            return [single(None, initial)] if self.required else []
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]
