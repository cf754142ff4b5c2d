"""Outbox delivery: retries with backoff, order per ordering key, dead messages; the DVCQG
handler against the real simulator (more in tests/dvcqg/test_sync.py)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dvcqg import handlers
from tests.simulators.conftest import DVCQG_CLIENT

assert handlers.push_status  # registers "dvcqg.status" even before the app is listed

pytestmark = pytest.mark.django_db
S = OutboxMessage.Status


class Receiver:
    """A tiny HTTP receiver on 127.0.0.1 that remembers idempotency keys, as a real one must
    (the audit anchor tests post to it)."""

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


class Recorder:
    """A handler that remembers what it sent and fails the keys it is told to."""

    def __init__(self):
        self.sent: list[str] = []
        self.failing: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, message):
        if message.key in self.failing:
            raise RuntimeError("receiver answered 503")
        with self.lock:
            self.sent.append(message.key)


@pytest.fixture
def recorder():
    r = Recorder()
    outbox.handler("test.topic")(r)
    yield r
    outbox._handlers.pop("test.topic", None)


def queue(*keys, ordering_key=""):
    with transaction.atomic():
        return [outbox.enqueue("test.topic", k, {}, ordering_key=ordering_key) for k in keys]


@pytest.fixture
def portal(settings, simulator):
    settings.MOTCUA_DVCQG_URL = f"{simulator.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID, settings.MOTCUA_DVCQG_CLIENT_SECRET = DVCQG_CLIENT
    return simulator


def test_lifecycle_messages_reach_dvcqg_once_each(world, portal):
    import httpx

    from motcua.dossiers import services

    dossier = services.receive(world.submit_online(), world.desk)
    # Two status messages, and the applicant's notice of receipt (notify.dossier; no
    # channel is configured here, so it queues nothing further).
    assert outbox.deliver_pending() == 3
    assert outbox.deliver_pending() == 0
    delivered = OutboxMessage.objects.filter(status=S.DELIVERED)
    assert delivered.filter(topic="dvcqg.status").count() == 2
    assert list(delivered.exclude(topic="dvcqg.status").values_list("topic", flat=True)) == [
        "notify.dossier"
    ]
    synced = httpx.get(f"{portal.url}/_control/dvcqg/synced/{dossier.code}").json()
    assert synced["statuses"] == [1, 2]
    assert not OutboxMessage.objects.filter(status=S.PENDING).exists()


def test_failed_delivery_is_retried_with_backoff(recorder):
    recorder.failing.add("k-1")
    queue("k-1")
    assert outbox.deliver_pending() == 0
    message = OutboxMessage.objects.get(key="k-1")
    assert message.attempts == 1 and message.status == S.PENDING
    assert message.next_attempt_at > timezone.now()
    assert "503" in message.last_error
    recorder.failing.clear()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.deliver_pending() == 1
    assert recorder.sent == ["k-1"]


def test_without_a_url_messages_wait(world, settings):
    settings.MOTCUA_DVCQG_URL = ""
    world.submit_online()
    assert outbox.deliver_pending() == 0
    message = OutboxMessage.objects.get(topic="dvcqg.status")
    assert message.status == S.PENDING
    assert "MOTCUA_DVCQG_URL" in message.last_error


def test_messages_of_one_key_leave_in_order_behind_a_retrying_one(recorder):
    queue("a1", "a2", "a3", ordering_key="a")
    queue("b1", "b2", ordering_key="b")
    queue("free")
    recorder.failing.add("a1")
    assert outbox.deliver_pending() == 3  # b1, b2 and the unordered one
    assert sorted(recorder.sent) == ["b1", "b2", "free"]
    assert [k for k in recorder.sent if k.startswith("b")] == ["b1", "b2"]
    assert set(OutboxMessage.objects.filter(ordering_key="a").values_list("status", flat=True)) == {
        S.PENDING
    }
    recorder.failing.clear()
    OutboxMessage.objects.filter(key="a1").update(next_attempt_at=timezone.now())
    assert outbox.deliver_pending() == 3
    assert recorder.sent[3:] == ["a1", "a2", "a3"]


def test_a_dead_message_blocks_its_key_until_retried(recorder, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 1)
    recorder.failing.add("a1")
    queue("a1", "a2", ordering_key="a")
    outbox.deliver_pending()
    assert OutboxMessage.objects.get(key="a1").status == S.FAILED
    recorder.failing.clear()
    assert outbox.deliver_pending() == 0
    assert recorder.sent == []
    from motcua.core.services import retry_messages

    retry_messages(OutboxMessage.objects.filter(key="a1").values_list("pk", flat=True), None)
    assert outbox.deliver_pending() == 2
    assert recorder.sent == ["a1", "a2"]


def test_undeliverable_goes_dead_at_once(recorder):
    def refuse(message):
        raise outbox.Undeliverable("the receiver refused the content")

    outbox.handler("test.topic")(refuse)
    queue("x")
    outbox.deliver_pending()
    message = OutboxMessage.objects.get(key="x")
    assert (message.status, message.attempts) == (S.FAILED, 1)


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.enqueue("dvcqg.status", "k-3", {})


def test_backoff_grows_and_is_capped():
    assert outbox.backoff(1).total_seconds() == 5
    assert outbox.backoff(2).total_seconds() == 10
    assert outbox.backoff(30).total_seconds() == 3600


def test_outbox_command_delivers_and_reports(world, portal, capsys):
    from django.core.management import call_command

    from motcua.dossiers import services

    services.receive(world.submit_online(), world.desk)
    # Two status messages (submit, receive) and the notice of receipt (notify.dossier).
    assert OutboxMessage.objects.filter(topic="dvcqg.status").count() == 2
    assert OutboxMessage.objects.filter(topic="notify.dossier").count() == 1
    call_command("outbox", "status")
    assert "pending: 3" in capsys.readouterr().out
    call_command("outbox", "deliver")
    assert "delivered 3" in capsys.readouterr().out
    call_command("outbox", "status")
    out = capsys.readouterr().out
    assert "pending: 0" in out and "delivered: 3" in out


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_one_key_at_once(recorder):
    """Two threads (two database connections) deliver side by side: on PostgreSQL SKIP LOCKED
    and the NOT EXISTS on earlier pending messages keep each key to one at a time, in order;
    on SQLite the single writer serialises them."""
    in_flight: dict[str, int] = {}
    overlaps: list[str] = []
    guard = threading.Lock()

    def slow(message):
        with guard:
            in_flight[message.ordering_key] = in_flight.get(message.ordering_key, 0) + 1
            if in_flight[message.ordering_key] > 1:
                overlaps.append(message.key)
        threading.Event().wait(0.005)
        recorder(message)
        with guard:
            in_flight[message.ordering_key] -= 1

    outbox.handler("test.topic")(slow)
    for n in range(10):
        queue(*[f"k{n}-{i}" for i in range(5)], ordering_key=f"k{n}")

    def worker():
        try:
            while outbox.deliver_pending(20):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    assert sorted(recorder.sent) == sorted(f"k{n}-{i}" for n in range(10) for i in range(5))
    for n in range(10):
        assert [k for k in recorder.sent if k.startswith(f"k{n}-")] == [
            f"k{n}-{i}" for i in range(5)
        ]
