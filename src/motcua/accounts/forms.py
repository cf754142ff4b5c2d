from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm

from motcua.core.forms import IdNumberField, TextField

TOKEN_RE = re.compile(r"[0-9]{6}")


class TokenForm(forms.Form):
    """One TOTP code for `device` (the enrolled one, or the one being enrolled)."""

    otp_token = forms.CharField(
        label="Mã xác thực (6 chữ số)",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
        error_messages={"required": "Vui lòng nhập mã xác thực."},
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self) -> str:
        # Phones may paste full-width digits or group them "123 456".
        token = re.sub(r"\s", "", unicodedata.normalize("NFKC", self.cleaned_data["otp_token"]))
        if not TOKEN_RE.fullmatch(token):
            raise forms.ValidationError("Mã xác thực gồm đúng 6 chữ số.", code="format")
        allowed, _extra = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                "Bạn đã nhập sai mã nhiều lần. Vui lòng đợi ít phút rồi thử lại.",
                code="throttled",
            )
        # verify_token also refuses a code already used (replay) and counts failures.
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                "Mã xác thực không đúng hoặc đã hết hạn.", code="invalid_token"
            )
        return token


class PasswordChangeForm(DjangoPasswordChangeForm):
    error_messages = {
        "password_incorrect": "Mật khẩu hiện tại không đúng. Vui lòng nhập lại.",
        "password_mismatch": "Hai mật khẩu mới không khớp nhau.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mật khẩu hiện tại"
        self.fields["new_password1"].label = "Mật khẩu mới"
        self.fields["new_password2"].label = "Nhập lại mật khẩu mới"


class IdentityForm(forms.Form):
    """A local account declares its holder's own ID number, once."""

    full_name = TextField(
        label="Họ và tên", max_length=200, error_messages={"required": "Vui lòng nhập họ và tên."}
    )
    id_number = IdNumberField(
        label="Số định danh cá nhân",
        error_messages={"required": "Vui lòng nhập số định danh cá nhân."},
        help_text="Của chính bạn; sau khi gắn không tự sửa được.",
    )
