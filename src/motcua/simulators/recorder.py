"""Everything the simulated systems received, in memory, for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from motcua.simulators.http import Request

SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}
SECRET_FIELDS = {"client_secret", "password", "code_verifier", "access_token", "refresh_token"}
MAX_BODY_CHARS = 64_000


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if k in SECRET_FIELDS else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, value in headers.items():
        if name in SECRET_HEADERS:
            scheme, sep, _ = value.partition(" ")
            value = f"{scheme} ***" if sep else "***"  # keep the scheme: "was it Basic?"
        out[name] = value
    return out


def parse_body(request: Request) -> Any:
    """The body as JSON, form fields or text (secrets masked, long text cut)."""
    if not request.body:
        return None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = request.body.decode()
    except UnicodeDecodeError:
        return {"bytes": len(request.body)}
    if kind == "application/x-www-form-urlencoded":
        return _redact({k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()})
    try:
        return _redact(json.loads(text))
    except ValueError:
        return text[:MAX_BODY_CHARS]


class Recorder:
    def __init__(self, limit: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._ids = itertools.count(1)

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            entry["id"] = next(self._ids)
            entry["time"] = dt.datetime.now(dt.UTC).isoformat()
            self._entries.append(entry)
        return entry

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count

    def find(
        self,
        *,
        system: str | None = None,
        endpoint: str | None = None,
        dossier: str | None = None,
        since: int | None = None,
        valid: bool | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries in the order received. `endpoint` matches the full name ("dvcqg.feed") or
        its last part ("DongBoHoSoMC")."""
        with self._lock:
            entries = list(self._entries)
        out = []
        for e in entries:
            if system and e["system"] != system:
                continue
            if endpoint and endpoint not in (e["endpoint"], e["endpoint"].partition(".")[2]):
                continue
            if dossier and dossier not in e["dossiers"]:
                continue
            if since is not None and e["id"] <= since:
                continue
            if valid is not None and e["valid"] is not valid:
                continue
            out.append(e)
        return out[-limit:] if limit else out
