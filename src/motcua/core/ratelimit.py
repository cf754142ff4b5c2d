"""Fixed-window counters in the cache, for endpoints that can be used to guess (the public
lookup pairs a dossier code with an ID number)."""

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    # Behind a reverse proxy, set MOTCUA_TRUST_X_FORWARDED_FOR so the client's address is
    # taken from the proxy's header instead of the proxy's own address.
    if settings.MOTCUA_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def allow(scope: str, who: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    key = f"ratelimit:{scope}:{who}"
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        count = 1
    return count <= limit
