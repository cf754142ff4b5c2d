"""Channels wired to real servers: e-mail to an SMTP server started here (aiosmtpd), SMS
and Zalo to the simulator (its default credentials)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading

import httpx
import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.notify import email as notify_email

SMS_RECEIPT_SECRET = "motcua-sms-receipt-secret"  # the simulator's defaults
ZALO_APP_ID, ZALO_SECRET = "motcua-app", "motcua-zalo-secret"


class Mailbox:
    """An aiosmtpd handler keeping every message; `refuse` lists addresses answered 550."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope, *args):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="smtp.test",
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.mailbox.messages


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and the e-mail channel pointed at it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_TIMEOUT = 2
    settings.MOTCUA_NOTIFY_EMAIL_ENABLED = True
    notify_email.reset()
    yield server
    notify_email.reset()
    server.stop()


@pytest.fixture
def gateways(settings, simulator):
    """SMS and Zalo pointed at the simulator, receipts checked with its secrets."""
    settings.MOTCUA_NOTIFY_SMS_URL = f"{simulator.url}/sms"
    settings.MOTCUA_NOTIFY_SMS_API_KEY = "motcua-sms-key"
    settings.MOTCUA_NOTIFY_SMS_RECEIPT_SECRET = SMS_RECEIPT_SECRET
    settings.MOTCUA_NOTIFY_ZALO_URL = f"{simulator.url}/zalo"
    settings.MOTCUA_NOTIFY_ZALO_ACCESS_TOKEN = "motcua-zalo-token"
    settings.MOTCUA_NOTIFY_ZALO_APP_ID = ZALO_APP_ID
    settings.MOTCUA_NOTIFY_ZALO_SECRET = ZALO_SECRET
    settings.MOTCUA_NOTIFY_TIMEOUT = 2
    with httpx.Client(base_url=simulator.url, timeout=5) as control:
        yield control


def drain(rounds: int = 40) -> None:
    """Run the worker until no notice message is pending, retries made due at once (the
    status messages to the national portal wait: no portal here)."""
    pending = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, topic__startswith="notify."
    )
    for _ in range(rounds):
        pending.update(next_attempt_at=timezone.now())
        outbox.deliver_pending()
        if not pending.exists():
            return


def replay(client, control, path: str, kind: str) -> list:
    """Post the simulator's receipts (kind: "sms/receipts" or "zalo/events") to the app's
    webhook through the test client, as the provider would; returns the answers."""
    items = control.get(f"/_control/{kind}").json()["items"]
    answers = []
    for item in items:
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in item["headers"].items()}
        headers.pop("HTTP_CONTENT_TYPE", None)
        answers.append(
            client.post(path, data=item["body"], content_type="application/json", **headers)
        )
    return answers
