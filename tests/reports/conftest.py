import pytest

from motcua.notify import email as notify_email
from tests.notify.conftest import SmtpServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, Django's mail settings pointed at it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_TIMEOUT = 2
    notify_email.reset()
    yield server
    server.stop()
