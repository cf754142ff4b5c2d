"""What every channel adapter provides, and which adapter each channel uses.

An adapter is a class named in settings.MOTCUA_NOTIFY_ADAPTERS[channel] with
`from_settings()` (None when the channel is not configured: the channel is off) and
`send(notice) -> provider message id`. `send` raises Refused when the provider refused the
content (sending again cannot help) and anything else for a failure worth retrying.
"""

from __future__ import annotations

import re
import threading
from typing import Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

from motcua.notify.models import Notice


class Refused(Exception):
    """The provider refused this notice (bad number, bad content): do not send again."""


class Unavailable(Exception):
    """The provider did not take the notice this time (down, 5xx, timeout): retry later."""


class Adapter(Protocol):
    def send(self, notice: Notice) -> str: ...


def adapter(channel: str) -> Adapter | None:
    path = settings.MOTCUA_NOTIFY_ADAPTERS.get(channel)
    if not path:
        return None
    return import_string(path).from_settings()


def enabled(channel: str) -> bool:
    return adapter(channel) is not None


# Vietnamese mobile numbers: 0 + 9 digits (prefixes 3, 5, 7, 8, 9) or the same with 84.
_MOBILE = re.compile(r"(?:\+?84|0)([35789][0-9]{8})")


def msisdn(phone: str) -> str | None:
    """ "0912 345 678" -> "84912345678"; None when it is not a Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    m = _MOBILE.fullmatch(digits)
    return f"84{m.group(1)}" if m else None


# One keep-alive pool per base URL for the process (the worker sends thousands in a row).
_pools: dict[str, httpx.Client] = {}
_lock = threading.Lock()


def pool(base_url: str) -> httpx.Client:
    with _lock:
        client = _pools.get(base_url)
        if client is None:
            client = _pools[base_url] = httpx.Client(
                base_url=base_url, limits=httpx.Limits(max_keepalive_connections=8)
            )
        return client


def post_json(
    base_url: str, path: str, body: dict, headers: dict[str, str], timeout: float
) -> httpx.Response:
    """POST and classify transport failures and 5xx/429 as Unavailable, 4xx as Refused
    (the answer's text kept for the administrator)."""
    try:
        response = pool(base_url).post(path, json=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise Unavailable(f"{base_url}{path}: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise Unavailable(f"{base_url}{path}: HTTP {response.status_code}")
    if response.status_code in (401, 403):
        # Our credentials are wrong: an administrator fixes them, then retries work.
        raise Unavailable(f"{base_url}{path}: HTTP {response.status_code} (thông tin xác thực)")
    if response.status_code >= 400:
        raise Refused(f"HTTP {response.status_code}: {response.text[:500]}")
    return response
