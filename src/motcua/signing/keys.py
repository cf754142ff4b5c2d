"""Where signing keys live and how their passphrases are found."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

from motcua.core.problems import DomainError


class SigningUnavailable(DomainError):
    """The key cannot be used (missing file, missing or wrong passphrase): a Vietnamese
    problem for the officer (409), never a 500."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="signing_unavailable")


def key_dir() -> Path:
    """MOTCUA_SIGNING_KEY_DIR, by default `signing/` in the folder of the other keys
    (MOTCUA_DATA_DIR/keys/), so whatever isolates or backs up the keys covers these."""
    configured = getattr(settings, "MOTCUA_SIGNING_KEY_DIR", "")
    if configured:
        return Path(configured)
    return Path(settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR) / "signing"


def resolve(relative: str) -> Path:
    """A key file named relative to the key folder; nothing outside it."""
    base = key_dir().resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise SigningUnavailable("Đường dẫn tệp khóa nằm ngoài thư mục khóa ký số.")
    return path


def passphrase(env_name: str = "") -> bytes:
    """The passphrase of a PKCS#12 file: from the record's own environment variable, else
    MOTCUA_SIGNING_PASSPHRASE, else (demo and first runs) a random one generated once into
    the key folder, readable by the app's user only."""
    if env_name:
        value = os.environ.get(env_name, "")
        if not value:
            raise SigningUnavailable(f"Chưa đặt mật khẩu khóa ký số (biến môi trường {env_name}).")
        return value.encode()
    value = getattr(settings, "MOTCUA_SIGNING_PASSPHRASE", "")
    if value:
        return value.encode()
    path = key_dir() / "passphrase"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()
