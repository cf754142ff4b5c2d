"""Rate limits on the real Redis server the deployment shares between processes."""

import time
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings

from motcua.core import ratelimit

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
}


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_window_allows_up_to_the_limit(backend):
    who = uuid.uuid4().hex  # a fresh key: Redis is shared with other runs
    if backend == "redis":
        with override_settings(CACHES=REDIS):
            results = [ratelimit.allow("test", who, 3, 60) for _ in range(5)]
            # The counter lives in Redis, where every app process sees it.
            assert cache.get(f"ratelimit:test:{who}") == 5
            cache.delete(f"ratelimit:test:{who}")
    else:
        results = [ratelimit.allow("test", who, 3, 60) for _ in range(5)]
    assert results == [True, True, True, False, False]


def test_client_ip_trusts_the_proxy_header_only_when_told(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1")
    settings.MOTCUA_TRUST_X_FORWARDED_FOR = False
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.MOTCUA_TRUST_X_FORWARDED_FOR = True
    assert ratelimit.client_ip(request) == "203.0.113.7"


def test_redis_window_expires_and_starts_again():
    who = uuid.uuid4().hex
    with override_settings(CACHES=REDIS):
        assert [ratelimit.allow("test", who, 1, 1) for _ in range(2)] == [True, False]
        key = cache.make_and_validate_key(f"ratelimit:test:{who}")
        client = ratelimit._count_script().registered_client
        # The window was set once, by the first attempt, not pushed back by the second.
        assert 0 < client.pttl(key) <= 1000
        client.pexpire(key, 1)  # let the window end now rather than sleep
        time.sleep(0.01)
        assert ratelimit.allow("test", who, 1, 1) is True
        cache.delete(f"ratelimit:test:{who}")
