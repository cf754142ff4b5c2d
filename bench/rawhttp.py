"""A minimal asyncio HTTP/1.1 client for the load scripts.

httpx spent ~2.7 ms of CPU per request here (connection set-up included), on the same 2
cores as the server it measures; this client writes the request bytes and reads the
status line, headers and body, reusing the connection while the server keeps it open.
One Connection per concurrent worker; only what the scenarios send (Content-Length
bodies) and what gunicorn answers (Content-Length or chunked bodies) is handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
from dataclasses import dataclass


class ClientError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]  # lower-case names
    content: bytes

    def json(self):
        return jsonlib.loads(self.content)


class Connection:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes = b"",
        headers: dict[str, str] | None = None,
        json: object = None,
    ) -> Response:
        if json is not None:
            content = jsonlib.dumps(json).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if content or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(content)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            return await asyncio.wait_for(self._exchange(head + content), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise ClientError(f"{type(exc).__name__}: {exc}") from exc

    async def get(self, path: str, **kwargs) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs) -> Response:
        return await self.request("POST", path, **kwargs)

    async def _exchange(self, data: bytes) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        writer.write(data)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP response: {status_line[:60]!r}")
        status = int(parts[1])
        raw_headers = await reader.readuntil(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in raw_headers.decode("latin-1").split("\r\n"):
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked(reader)
        else:  # HTTP/1.0 style: the body runs to the end of the connection
            body = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close" or parts[0] == b"HTTP/1.0":
            await self.close()
        return Response(status, headers, body)

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
