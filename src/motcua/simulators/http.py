"""The few HTTP pieces the simulator needs: request, response, routes (stdlib only)."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlencode


class HttpError(Exception):
    """Answer with `status` and a JSON body (`payload`), optionally with extra headers."""

    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None):
        super().__init__(status, payload)
        self.status = status
        self.payload = payload
        self.headers = headers or {}


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    # Filled by the handler for the record: validation errors, dossiers concerned, notes.
    errors: list[str] | None = None
    dossiers: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            self.errors = [f"$: not JSON ({exc})"]
            raise HttpError(
                400, {"error_code": "-1", "message": "Dữ liệu không phải JSON"}
            ) from exc

    def form(self) -> dict[str, str]:
        try:
            text = self.body.decode()
        except UnicodeDecodeError as exc:
            raise HttpError(400, {"error": "invalid_request"}) from exc
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def bearer(self) -> str | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def basic(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = (
                base64.b64decode(value.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if sep else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Drop:
    """Close the connection without an answer (a crashed or unreachable peer)."""


DROP = Drop()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str).encode()
    return Response(
        status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


def redirect(url: str, params: dict[str, str]) -> Response:
    sep = "&" if "?" in url else "?"
    return Response(302, b"", {"Location": f"{url}{sep}{urlencode(params)}"})


def file_response(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        200,
        data,
        {
            "Content-Type": media_type,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        },
    )


Handler = Callable[..., Response | Drop]


@dataclass
class Route:
    """`pattern` is a path with {name} parts (one path segment each); `endpoint` is the name
    used in records and fault rules ("dvcqg.feed")."""

    method: str
    pattern: str
    handler: Handler
    endpoint: str
    control: bool = False  # control routes are neither recorded nor subject to faults
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        parts = re.split(r"\{(\w+)\}", self.pattern)
        regex = "".join(
            re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts)
        )
        self.regex = re.compile(f"^{regex}/?$")

    @property
    def system(self) -> str:
        return self.endpoint.partition(".")[0]


def credentials_match(given: tuple[str, str], expected: tuple[str, str]) -> bool:
    """Client id and secret compared in constant time."""
    return all(
        hmac.compare_digest(str(g).encode(), str(e).encode())
        for g, e in zip(given, expected, strict=True)
    )
