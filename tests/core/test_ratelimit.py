"""Rate limits: one count shared by every process (Redis, else the database), and the
client's address behind proxies."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.db import connection

from motcua.core import ratelimit
from motcua.core.models import RateCounter

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    settings.MOTCUA_RATELIMIT_REDIS_URL = REDIS_URL if request.param == "redis" else ""
    return request.param


def _who() -> str:
    return uuid.uuid4().hex  # a fresh key: Redis is shared with other runs


def _redis_ttl_ms(scope: str, who: str) -> int:
    return redis.Redis.from_url(REDIS_URL).pttl(ratelimit.KEY_PREFIX + f"{scope}:{who}")


@pytest.mark.django_db
def test_window_allows_up_to_the_limit(backend):
    who = _who()
    decisions = [ratelimit.hit("test", who, 3, 60) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5]
    assert all(55 <= d.retry_after <= 60 for d in decisions)
    # Where the count lives: the shared store, never the process.
    if backend == "redis":
        assert 0 < _redis_ttl_ms("test", who) <= 60_000
        assert not RateCounter.objects.exists()
    else:
        assert RateCounter.objects.get(key=f"test:{who}").count == 5


@pytest.mark.django_db
def test_window_ends_and_starts_again(backend):
    who = _who()
    assert [ratelimit.hit("test", who, 1, 60).allowed for _ in range(2)] == [True, False]
    # Let the window end now rather than sleep.
    if backend == "redis":
        redis.Redis.from_url(REDIS_URL).pexpire(ratelimit.KEY_PREFIX + f"test:{who}", 1)
        time.sleep(0.01)
    else:
        RateCounter.objects.filter(key=f"test:{who}").update(
            window_end_ms=int(time.time() * 1000) - 1
        )
    decision = ratelimit.hit("test", who, 1, 60)
    assert decision.allowed and decision.count == 1 and decision.retry_after >= 59


@pytest.mark.django_db
def test_the_window_is_not_pushed_back_by_later_attempts(backend):
    who = _who()
    ratelimit.hit("test", who, 5, 2)
    time.sleep(1.1)
    assert ratelimit.hit("test", who, 5, 2).retry_after == 1


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    return f"postgres://{auth}@{params['HOST']}:{params['PORT']}/{params['NAME']}"


CHILD = """
import json, sys
import django
django.setup()
from motcua.core import ratelimit
scope, who, limit, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
print(json.dumps([ratelimit.hit(scope, who, limit, 60).count for _ in range(n)]))
"""


@pytest.mark.django_db(transaction=True)
def test_counters_are_shared_between_processes(backend, settings, tmp_path):
    """Two app processes count into one window: the limit is not multiplied by the number
    of workers."""
    who = _who()
    assert [ratelimit.hit("shared", who, 5, 60).count for _ in range(3)] == [1, 2, 3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "DATABASE_URL": _database_url(),
        "MOTCUA_DATA_DIR": str(tmp_path),
        "MOTCUA_REDIS_URL": settings.MOTCUA_RATELIMIT_REDIS_URL,
    }
    child = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", CHILD, "shared", who, "5", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(child.stdout.strip().splitlines()[-1]) == [4, 5, 6]
    decision = ratelimit.hit("shared", who, 5, 60)
    assert decision.count == 7 and not decision.allowed


@pytest.mark.django_db
def test_redis_down_counts_in_the_database(settings):
    settings.MOTCUA_RATELIMIT_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    who = _who()
    assert [ratelimit.hit("test", who, 1, 60).allowed for _ in range(2)] == [True, False]
    assert RateCounter.objects.get(key=f"test:{who}").count == 2


@pytest.mark.django_db
def test_long_identities_get_a_bounded_key():
    ratelimit.hit("test", "x" * 5000, 1, 60)
    assert len(RateCounter.objects.get().key) <= 80


@pytest.mark.django_db
def test_expired_counters_are_purged():
    ratelimit.hit("test", "old", 1, 60)
    ratelimit.hit("test", "current", 1, 60)
    RateCounter.objects.filter(key="test:old").update(window_end_ms=1)
    assert ratelimit.purge_expired() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["test:current"]


# --- the client's address ----------------------------------------------------------------


def _ip(rf, remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return ratelimit.client_ip(rf.get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(rf, settings):
    settings.MOTCUA_TRUSTED_PROXIES = []
    assert _ip(rf, "198.51.100.9", "203.0.113.7") == "198.51.100.9"


def test_an_untrusted_peer_cannot_choose_its_address(rf, settings):
    settings.MOTCUA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The peer is not our proxy: whatever it writes in the header is its own claim.
    assert _ip(rf, "198.51.100.9", "10.0.0.5, 203.0.113.7") == "198.51.100.9"


def test_behind_trusted_proxies_the_client_is_counted_from_the_right(rf, settings):
    settings.MOTCUA_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.0/24"]
    # Client-written left end (1.2.3.4) ignored; the proxies 10.0.0.2 and 192.168.1.1 are
    # skipped; 203.0.113.7 is what the outermost proxy saw.
    assert _ip(rf, "10.0.0.1", "1.2.3.4, 203.0.113.7, 192.168.1.1, 10.0.0.2") == "203.0.113.7"
    assert _ip(rf, "10.0.0.1", "203.0.113.7") == "203.0.113.7"
    # A spoofed entry that the proxy appended after: still the real peer.
    assert _ip(rf, "10.0.0.1", "10.9.9.9, 203.0.113.7") == "203.0.113.7"


def test_malformed_hops_stop_the_walk(rf, settings):
    settings.MOTCUA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Garbage where a trusted hop should have written: the last trusted hop's view, never
    # the client-written left end.
    assert _ip(rf, "10.0.0.1", "203.0.113.7, not-an-ip, 10.0.0.2") == "10.0.0.2"
    assert _ip(rf, "10.0.0.1", "203.0.113.7, ") == "10.0.0.1"
    assert _ip(rf, "10.0.0.1", "") == "10.0.0.1"
    assert _ip(rf, "10.0.0.1", "203.0.113.7:51000") == "203.0.113.7"


def test_ipv6_is_counted_per_64(rf, settings):
    settings.MOTCUA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    a = _ip(rf, "2001:db8:1:2::1")
    b = _ip(rf, "2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert a == b == "2001:db8:1:2::"
    assert _ip(rf, "2001:db8:1:3::1") != a
    assert _ip(rf, "10.0.0.1", "[2001:db8:1:2::99]:443") == a


def test_ipv4_mapped_ipv6_is_ipv4(rf, settings):
    settings.MOTCUA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip(rf, "::ffff:203.0.113.7") == "203.0.113.7"
    # A trusted proxy seen over an IPv6 socket is still trusted.
    assert _ip(rf, "::ffff:10.0.0.1", "198.51.100.9") == "198.51.100.9"
