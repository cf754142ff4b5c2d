"""What a production start needs before it serves anyone: used by `motcua serve` and by the
`check --deploy` system check."""

from __future__ import annotations

from django.conf import settings

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT = 5


def secret_key_problem() -> str | None:
    """Why the configured secret key may not serve production traffic, or None.

    The development key is published in the source: whoever knows it can forge session
    cookies and password-reset links, so it is refused whenever DEBUG is off."""
    if settings.DEBUG:
        return None
    key = settings.SECRET_KEY
    if not key or key == getattr(settings, "DEVELOPMENT_SECRET_KEY", None):
        return (
            "MOTCUA_SECRET_KEY chưa được đặt: không thể chạy ở chế độ sản xuất với khoá phát "
            'triển công khai. Tạo khoá bằng: python -c "import secrets; '
            'print(secrets.token_urlsafe(64))"'
        )
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return (
            f"MOTCUA_SECRET_KEY quá yếu: cần ít nhất {MIN_SECRET_KEY_LENGTH} ký tự, "
            "ngẫu nhiên (ví dụ secrets.token_urlsafe(64))."
        )
    return None
