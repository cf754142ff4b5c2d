"""Third-party apps under Vietnamese names in the admin (same app labels, so nothing else
changes). Kept out of apps.py: Django picks an app's config automatically only when its
apps.py has exactly one."""

from axes.apps import AppConfig as _AxesConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as _OtpStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as _OtpTotpConfig


class AxesConfig(_AxesConfig):
    verbose_name = "Khóa đăng nhập sai"


class OtpTotpConfig(_OtpTotpConfig):
    verbose_name = "Xác thực hai bước (TOTP)"


class OtpStaticConfig(_OtpStaticConfig):
    verbose_name = "Mã khôi phục xác thực hai bước"
