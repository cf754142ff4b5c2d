"""Django's four password validators, with Vietnamese messages and help texts whatever the
active language (management commands such as createsuperuser run without one)."""

from django.contrib.auth import password_validation
from django.utils import translation


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def validate(self, password, user=None):
        # The field name in the message ("tên đăng nhập", "địa chỉ email") comes from the
        # model's verbose name, translated when the error is raised.
        with translation.override("vi"):
            super().validate(password, user)

    def get_error_message(self):
        return "Mật khẩu quá giống với %(verbose_name)s."

    def get_help_text(self):
        return "Mật khẩu không được quá giống với thông tin cá nhân của bạn."


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return f"Mật khẩu quá ngắn: cần ít nhất {self.min_length} ký tự."

    def get_help_text(self):
        return f"Mật khẩu phải có ít nhất {self.min_length} ký tự."


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return "Mật khẩu này quá phổ biến, dễ bị đoán."

    def get_help_text(self):
        return "Không dùng mật khẩu phổ biến, dễ đoán."


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return "Mật khẩu không được chỉ gồm chữ số."

    def get_help_text(self):
        return "Mật khẩu không được chỉ gồm chữ số."
