"""Outbox delivery against a real HTTP receiver on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


class Receiver:
    """A tiny DVCQG stand-in that remembers idempotency keys, as the real one must."""

    def __init__(self, fail_first: int = 0):
        self.received: list[tuple[str, dict]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(503)
                else:
                    receiver.received.append((self.headers["Idempotency-Key"], body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/status"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch):
    r = Receiver()
    monkeypatch.setenv("MOTCUA_DVCQG_URL", r.url)
    yield r
    r.close()


def test_lifecycle_messages_reach_dvcqg_once_each(world, receiver):
    from motcua.dossiers import services

    dossier = services.receive(world.submit_online(), world.desk)
    assert outbox.deliver_pending() == 2
    assert outbox.deliver_pending() == 0
    keys = [k for k, _ in receiver.received]
    assert len(keys) == len(set(keys)) == 2
    assert [body["status"] for _, body in receiver.received] == [1, 2]
    assert receiver.received[1][1]["code"] == dossier.code
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()


def test_failed_delivery_is_retried_with_backoff(world, receiver):
    receiver.fail_first = 1
    with transaction.atomic():
        outbox.enqueue("dvcqg.status", "k-1", {"code": "X", "status": 1})
    assert outbox.deliver_pending() == 0
    message = OutboxMessage.objects.get(key="k-1")
    assert message.attempts == 1 and message.status == OutboxMessage.Status.PENDING
    assert message.next_attempt_at > timezone.now()
    assert "503" in message.last_error
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.deliver_pending() == 1
    assert len(receiver.received) == 1


def test_without_a_url_messages_wait(world, monkeypatch):
    monkeypatch.delenv("MOTCUA_DVCQG_URL", raising=False)
    with transaction.atomic():
        outbox.enqueue("dvcqg.status", "k-2", {"code": "X", "status": 1})
    assert outbox.deliver_pending() == 0
    message = OutboxMessage.objects.get(key="k-2")
    assert message.status == OutboxMessage.Status.PENDING
    assert "MOTCUA_DVCQG_URL" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.enqueue("dvcqg.status", "k-3", {})


def test_backoff_grows_and_is_capped():
    assert outbox.backoff(1).total_seconds() == 5
    assert outbox.backoff(2).total_seconds() == 10
    assert outbox.backoff(30).total_seconds() == 3600


def test_outbox_command_delivers_and_reports(world, receiver, capsys):
    from django.core.management import call_command

    from motcua.dossiers import services

    services.receive(world.submit_online(), world.desk)
    call_command("outbox", "status")
    assert "pending: 2" in capsys.readouterr().out
    call_command("outbox", "deliver")
    assert "delivered 2" in capsys.readouterr().out
    call_command("outbox", "status")
    out = capsys.readouterr().out
    assert "pending: 0" in out and "delivered: 2" in out
    assert len(receiver.received) == 2
