"""Fixed-window rate limits shared by every app process, and the client's address.

Counters live in Redis when MOTCUA_REDIS_URL is set (one atomic script per hit) and in
the database otherwise (one atomic upsert per hit, table `core_ratecounter`): never in a
per-process cache, where the documented limit would be multiplied by the worker count.
If Redis does not answer, the database counts instead (still shared), with a warning.

The client's address is taken from X-Forwarded-For only when the direct peer is a
configured trusted proxy (MOTCUA_TRUSTED_PROXIES), walking the header from the right:
the left end is written by the client and proves nothing. IPv6 clients are counted per
/64 (one customer's allocation), so rotating addresses inside it buys nothing.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import random
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from redis.commands.core import Script

from motcua.core.models import RateCounter

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Atomic, so a key can never be left counting without an expiry (a client locked out);
# returns the count and the milliseconds left in the window (for Retry-After).
COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
KEY_PREFIX = "motcua:ratelimit:"
# One statement: insert the key, or count on in the current window, or start a new window
# when the stored one has ended. Atomic under concurrency on SQLite (>= 3.35) and
# PostgreSQL alike; RETURNING saves the read. Parameters: key, new end, now, now, new end.
UPSERT_SQL = """
INSERT INTO core_ratecounter (key, window_end_ms, count) VALUES (%s, %s, 1)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN core_ratecounter.window_end_ms <= %s
    THEN 1 ELSE core_ratecounter.count + 1 END,
  window_end_ms = CASE WHEN core_ratecounter.window_end_ms <= %s
    THEN %s ELSE core_ratecounter.window_end_ms END
RETURNING count, window_end_ms
"""
# Expired database rows are deleted by about one hit in this many (and by sweep_files).
PURGE_ONE_IN = 1000
_scripts: dict[str, Script] = {}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # whole seconds until the window ends, at least 1


def _key(scope: str, who: str) -> str:
    # Bounded length whatever `who` is (a username typed by anyone, an address).
    if len(who) > 64:
        who = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{scope}:{who}"


def _redis_script(url: str) -> Script:
    script = _scripts.get(url)
    if script is None:  # one client (and connection pool) per process and server
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        script = _scripts[url] = client.register_script(COUNT_SCRIPT)
    return script


def _hit_redis(url: str, key: str, window_ms: int) -> tuple[int, int]:
    count, ttl_ms = _redis_script(url)(keys=[KEY_PREFIX + key], args=[window_ms])
    return int(count), int(ttl_ms)


def _hit_db(key: str, window_ms: int) -> tuple[int, int]:
    now_ms = int(time.time() * 1000)
    new_end = now_ms + window_ms
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_SQL, [key, new_end, now_ms, now_ms, new_end])
        count, window_end_ms = cursor.fetchone()
    if random.random() * PURGE_ONE_IN < 1:  # noqa: S311 (not a secret)
        purge_expired(now_ms)
    return int(count), int(window_end_ms) - now_ms


def purge_expired(now_ms: int | None = None) -> int:
    """Delete database counters whose window has ended; returns how many."""
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    deleted, _ = RateCounter.objects.filter(window_end_ms__lte=now_ms).delete()
    return deleted


def hit(scope: str, who: str, limit: int, window_seconds: int) -> Decision:
    """Count one attempt of `who` at `scope`; refused once more than `limit` attempts
    were made in the current window (fixed, started by the first attempt)."""
    key = _key(scope, who)
    window_ms = int(window_seconds * 1000)
    url = settings.MOTCUA_RATELIMIT_REDIS_URL
    result = None
    if url:
        try:
            result = _hit_redis(url, key, window_ms)
        except redis.RedisError:
            log.warning("rate limit: Redis unavailable, counting in the database", exc_info=True)
    if result is None:
        result = _hit_db(key, window_ms)
    count, left_ms = result
    return Decision(count <= limit, count, max(1, -(-left_ms // 1000)))


# --- the client's address ---------------------------------------------------------------


@functools.cache
def _networks(specs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def _parse(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51000"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:203.0.113.7 is an IPv4 client
            return address.ipv4_mapped
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


def _trusted(address: IPAddress, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request) -> IPAddress | None:
    """The client's address: REMOTE_ADDR, or behind trusted proxies the first address in
    X-Forwarded-For, counted from the right, that is not a trusted proxy."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.MOTCUA_TRUSTED_PROXIES))
    if remote is None or not networks or not _trusted(remote, networks):
        return remote
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse(hop)
        if address is None:
            # Garbage where a trusted hop should have written its peer: keep what the last
            # trusted hop saw; the entries further left are the client's own writing.
            break
        client = address
        if not _trusted(address, networks):
            break
    return client


def bucket(address: IPAddress | None) -> str:
    """What is counted: an IPv4 address, or the /64 network address of an IPv6 one (a
    valid address itself, so it fits django-axes' GenericIPAddressField)."""
    if address is None:
        return ""
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def client_ip(request) -> str:
    """The client's counting bucket (see `bucket`): the one function every limit uses,
    django-axes included (AXES_CLIENT_IP_CALLABLE)."""
    return bucket(client_address(request))


# --- the limits the views apply -----------------------------------------------------------


def wait_text(seconds: int) -> str:
    """'45 giây', '10 phút', '1 giờ 5 phút': how long to wait, for messages."""
    if seconds < 60:
        return f"{seconds} giây"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")


def lookup(request) -> Decision:
    """The public lookup (code + ID number), per client address."""
    return hit(
        "lookup",
        client_ip(request),
        settings.MOTCUA_LOOKUP_LIMIT,
        settings.MOTCUA_LOOKUP_WINDOW_SECONDS,
    )


def submission(request) -> Decision:
    """An online submission, per account and per client address: the refusal that lasts
    longer, or the account's count when both allow."""
    window = settings.MOTCUA_SUBMIT_WINDOW_SECONDS
    decisions = [
        hit("submit-account", str(request.user.pk), settings.MOTCUA_SUBMIT_LIMIT, window),
        hit("submit-address", client_ip(request), settings.MOTCUA_SUBMIT_ADDRESS_LIMIT, window),
    ]
    refused = [d for d in decisions if not d.allowed]
    return max(refused, key=lambda d: d.retry_after) if refused else decisions[0]
