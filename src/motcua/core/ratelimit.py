"""Fixed-window counters for endpoints that can be used to guess (the public lookup pairs
a dossier code with an ID number).

With Redis as the cache (production: shared by every app process) a count is one
command: a script that increments and, on the first attempt, starts the window. Django's
cache API would take three round trips (add, then incr, which checks the key exists
first), on every public lookup. Without Redis, the per-process cache is used.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.cache import cache
from redis.commands.core import Script

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
# Atomic, so a key can never be left counting without an expiry (a client locked out).
COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_scripts: dict[str, Script] = {}


def client_ip(request) -> str:
    # Behind a reverse proxy, set MOTCUA_TRUST_X_FORWARDED_FOR so the client's address is
    # taken from the proxy's header instead of the proxy's own address.
    if settings.MOTCUA_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _count_script() -> Script | None:
    config = settings.CACHES["default"]
    if config["BACKEND"] != REDIS_BACKEND:
        return None
    location = config["LOCATION"]
    url = (location if isinstance(location, str) else location[0]).split(",")[0]
    script = _scripts.get(url)
    if script is None:  # one client (and connection pool) per process and server
        script = _scripts[url] = redis.Redis.from_url(url).register_script(COUNT_SCRIPT)
    return script


def allow(scope: str, who: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    key = f"ratelimit:{scope}:{who}"
    script = _count_script()
    if script is not None:
        # The key cache.get(key) reads; EVALSHA, falling back to EVAL once per server.
        count = script(keys=[cache.make_and_validate_key(key)], args=[window_seconds])
        return count <= limit
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        count = 1
    return count <= limit
