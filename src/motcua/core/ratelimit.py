"""Fixed-window counters for endpoints that can be used to guess (the public lookup pairs
a dossier code with an ID number).

With Redis as the cache (production: shared by every app process) a count is one round
trip: INCR and EXPIRE NX in one pipeline. Django's cache API would take three (add,
then incr, which checks the key exists first); on the public lookup they were a fifth of
the server's CPU. Without Redis, the per-process cache is used.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.cache import cache

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
_clients: dict[str, redis.Redis] = {}


def client_ip(request) -> str:
    # Behind a reverse proxy, set MOTCUA_TRUST_X_FORWARDED_FOR so the client's address is
    # taken from the proxy's header instead of the proxy's own address.
    if settings.MOTCUA_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _redis() -> redis.Redis | None:
    config = settings.CACHES["default"]
    if config["BACKEND"] != REDIS_BACKEND:
        return None
    location = config["LOCATION"]
    url = (location if isinstance(location, str) else location[0]).split(",")[0]
    client = _clients.get(url)
    if client is None:  # one client (and connection pool) per process and server
        client = _clients[url] = redis.Redis.from_url(url)
    return client


def allow(scope: str, who: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    key = f"ratelimit:{scope}:{who}"
    client = _redis()
    if client is not None:
        full_key = cache.make_and_validate_key(key)  # the key cache.get(key) reads
        pipe = client.pipeline()
        pipe.incr(full_key)
        pipe.expire(full_key, window_seconds, nx=True)  # the window starts at attempt 1
        count, _ = pipe.execute()
        return count <= limit
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        count = 1
    return count <= limit
