from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from motcua.accounts import services
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


RECOVERY_RE = re.compile(r"[a-z2-7]{8}")


class RecoveryCodeForm(forms.Form):
    """One of the user's recovery codes, in place of the app's code; spent when right."""

    recovery_code = forms.CharField(
        label="Mã khôi phục (8 ký tự, ví dụ abcd-ef23)",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        error_messages={"required": "Vui lòng nhập mã khôi phục."},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_recovery_code(self) -> str:
        raw = unicodedata.normalize("NFKC", self.cleaned_data["recovery_code"])
        code = services.normalize_recovery_code(raw)
        if not RECOVERY_RE.fullmatch(code):
            raise forms.ValidationError(
                "Mã khôi phục gồm 8 ký tự (chữ a–z và số 2–7).", code="format"
            )
        device = services.recovery_device(self.user)
        if device is None:
            raise forms.ValidationError(
                "Tài khoản chưa có mã khôi phục. Liên hệ quản trị viên hệ thống.", code="none"
            )
        allowed, _extra = device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                "Bạn đã nhập sai mã nhiều lần. Vui lòng đợi ít phút rồi thử lại.",
                code="throttled",
            )
        self.device = services.use_recovery_code(self.user, code)
        if self.device is None:
            raise forms.ValidationError(
                "Mã khôi phục không đúng hoặc đã được dùng.", code="invalid_token"
            )
        return code


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


EMAIL_IN_USE = (
    "Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác. Nếu đó là tài khoản của "
    "bạn, hãy đăng nhập hoặc dùng chức năng “Quên mật khẩu”."
)


class SignUpForm(UserCreationForm):
    """A citizen's own account (until VNeID is the front door): login name, name, e-mail
    (confirmed by a link before the account works), password twice."""

    full_name = TextField(
        label="Họ và tên", max_length=150, error_messages={"required": "Vui lòng nhập họ và tên."}
    )
    email = forms.EmailField(
        label="Thư điện tử",
        max_length=254,
        help_text="Hệ thống gửi liên kết xác nhận đến địa chỉ này.",
        error_messages={
            "required": "Vui lòng nhập địa chỉ thư điện tử.",
            "invalid": "Địa chỉ thư điện tử không hợp lệ.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {"password_mismatch": "Hai mật khẩu không khớp nhau."}

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Tên đăng nhập"
        username.help_text = "Chữ cái không dấu, chữ số và các ký tự @ . + - _ (tối đa 150 ký tự)."
        username.error_messages.update(
            {
                "required": "Vui lòng nhập tên đăng nhập.",
                "unique": "Tên đăng nhập này đã có người dùng. Vui lòng chọn tên khác.",
            }
        )
        self.fields["password1"].label = "Mật khẩu"
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )
        self.fields["password2"].label = "Nhập lại mật khẩu"
        self.fields["password2"].help_text = ""
        for name in ("password1", "password2"):
            self.fields[name].error_messages["required"] = "Vui lòng nhập mật khẩu."

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(
                "Tên đăng nhập này đã có người dùng. Vui lòng chọn tên khác.", code="unique"
            )
        return username

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_IN_USE, code="email_in_use")
        return email


class PasswordResetForm(DjangoPasswordResetForm):
    email = forms.EmailField(
        label="Thư điện tử của tài khoản",
        max_length=254,
        error_messages={
            "required": "Vui lòng nhập địa chỉ thư điện tử.",
            "invalid": "Địa chỉ thư điện tử không hợp lệ.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SetPasswordForm(DjangoSetPasswordForm):
    error_messages = {"password_mismatch": "Hai mật khẩu mới không khớp nhau."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Mật khẩu mới"
        self.fields["new_password2"].label = "Nhập lại mật khẩu mới"
