"""E-mail adapter: Django's SMTP backend (settings from the environment: MOTCUA_EMAIL_HOST,
_PORT, _USER, _PASSWORD, _STARTTLS, _SSL, _FROM). One SMTP connection is kept open per
process and opened again after a failure. The notice key is the Message-ID, so a mail
system that sees the same notice twice can tell."""

from __future__ import annotations

import contextlib
import smtplib
import threading

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from motcua.notify.channels import Refused, Unavailable
from motcua.notify.models import Notice

_lock = threading.Lock()
_connection = None


def _open():
    global _connection
    if _connection is None:
        _connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
        _connection.open()
    return _connection


def reset() -> None:
    """Close the kept connection (settings changed, or after a failure)."""
    global _connection
    if _connection is not None:
        # A dead connection is being dropped anyway: its close may fail.
        with contextlib.suppress(Exception):
            _connection.close()
    _connection = None


class SmtpEmail:
    @classmethod
    def from_settings(cls) -> SmtpEmail | None:
        return cls() if settings.MOTCUA_NOTIFY_EMAIL_ENABLED else None

    def send(self, notice: Notice) -> str:
        message_id = f"<{notice.key.replace(':', '.')}@motcua>"
        mail = EmailMessage(
            notice.subject,
            notice.body,
            settings.DEFAULT_FROM_EMAIL,
            [notice.recipient],
            headers={"Message-ID": message_id},
        )
        with _lock:
            try:
                try:
                    mail.connection = _open()
                    mail.send()
                except smtplib.SMTPServerDisconnected:
                    # The kept connection timed out on the server's side: once more, fresh.
                    reset()
                    mail.connection = _open()
                    mail.send()
            except smtplib.SMTPRecipientsRefused as exc:
                reset()
                raise Refused(f"máy chủ thư từ chối địa chỉ {notice.recipient}: {exc}") from exc
            except (smtplib.SMTPException, OSError) as exc:
                reset()
                raise Unavailable(f"SMTP: {type(exc).__name__}: {exc}") from exc
        return message_id
