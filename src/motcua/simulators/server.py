"""The HTTP server: the stdlib's threading server, HTTP/1.1 keep-alive, one thread a connection.

`start()` runs it in a background thread (tests, benchmarks); `serve()` in the foreground
(`motcua simulate`).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from motcua.simulators.app import Simulator
from motcua.simulators.http import Drop, Request

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024 * 1024  # attachments pushed to the simulator stay far below this


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: benchmarks send thousands of messages
    server_version = "MotcuaSimulator/1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive answer.
    disable_nagle_algorithm = True
    server: _Server

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self.send_error(400 if str(exc) != "too large" else 413, str(exc))
            return
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query_string=url.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = self.server.app.handle(request)
        if isinstance(response, Drop):
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("bad Content-Length")
        if length > MAX_BODY:
            raise ValueError("too large")
        return self.rfile.read(length)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            log.info("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # held (timeout) connections never block shutdown
    block_on_close = False
    request_queue_size = 128
    app: Simulator
    verbose: bool = False


def parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected host:port, got {bind!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _make(app: Simulator, bind: str, verbose: bool) -> _Server:
    server = _Server(parse_bind(bind), _Handler)
    server.app = app
    server.verbose = verbose
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    app.base_url = (
        os.environ.get("MOTCUA_SIM_PUBLIC_URL", "").rstrip("/") or f"http://{shown}:{port}"
    )
    return server


@dataclass
class Running:
    app: Simulator
    server: _Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.app.base_url

    def stop(self) -> None:
        self.app.faults.reset()  # let held connections go
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start(bind: str = "127.0.0.1:0", app: Simulator | None = None, **options: Any) -> Running:
    """Serve in a background thread; port 0 picks a free one (see `.url`)."""
    app = app or Simulator(**options)
    server = _make(app, bind, verbose=False)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return Running(app, server, thread)


def serve(bind: str, app: Simulator, verbose: bool = True) -> None:
    server = _make(app, bind, verbose)
    print(f"Motcua simulator on {app.base_url}")  # noqa: T201
    for name, system in app.systems.items():
        print(f"  {name:8} {system.url}  {system.title}")  # noqa: T201
    print(f"  control  {app.base_url}/_control/  (docs/simulator.md)")  # noqa: T201
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.faults.reset()
        server.server_close()
