"""Status sync to the National Public Service Portal (DVCQG), delivered from the outbox.

The adapter posts JSON to MOTCUA_DVCQG_URL with the outbox key as Idempotency-Key, so a
redelivery after a crash is recognised by the receiver. Without a URL configured the
messages wait in the outbox (nothing is dropped).
"""

from __future__ import annotations

import json
import os
import urllib.request

from motcua.core import outbox
from motcua.core.models import OutboxMessage

TIMEOUT_SECONDS = 10


class NotConfigured(RuntimeError):
    pass


def push_status(message: OutboxMessage, url: str | None = None) -> None:
    url = url or os.environ.get("MOTCUA_DVCQG_URL", "")
    if not url:
        raise NotConfigured("MOTCUA_DVCQG_URL is not set")
    if not url.startswith(("http://", "https://")):
        raise NotConfigured("MOTCUA_DVCQG_URL must be an http(s) URL")
    body = json.dumps(message.payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": message.key},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"DVCQG answered {response.status}")


outbox.handler("dvcqg.status")(push_status)
