"""HTTP load against gunicorn on 127.0.0.1: submissions, lookups, desk queue, transitions.

    .venv/bin/python -m bench.load [--levels 1,4,16,32] [--requests 300] [--seconds 10]

Starts `gunicorn motcua.wsgi -w 2 --threads 4 --bind 127.0.0.1:8765` (as `motcua serve`
runs it) on the bench database (fill it first with bench.generate), then runs each
scenario at each concurrency level with a minimal asyncio HTTP/1.1 client (bench.rawhttp:
a tenth of httpx's CPU per request, which matters when client and server share 2 cores),
every level bounded by a request count and a time limit:

  submit    POST /api/v1/dossiers/ multipart, one 100 KB PDF per component (2), token of
            a citizen, a fresh Idempotency-Key each
  lookup    POST /api/v1/lookup/ {code, id_number}: the public status lookup (no account)
  detail    GET /api/v1/dossiers/{code}/ by the citizen who owns the dossier (token)
  queue     GET /mot-cua/ as a desk officer (session), the busiest agencies
  process   POST .../actions/receive/ then .../actions/assign/ (to the agency's
            specialist) on dossiers waiting at the desk, token of the agency's desk officer

Reports throughput and p50/p95/p99 latency per scenario and level, and the server's CPU per
request: the mean (gunicorn's CPU over the level / requests) and, at concurrency 1, the
median of each request's own (the server's threads read before and after it). Only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import re
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from django_otp.oath import totp

from bench.common import (
    HOST,
    PASSWORD,
    PORT,
    Gunicorn,
    citizen_id_number,
    connect,
    log,
    percentile,
    reference_ms,
)
from bench.rawhttp import ClientError, Connection, Response

BASE = f"http://{HOST}:{PORT}"


def pdf_bytes(size: int) -> bytes:
    """A PDF header, padding, and an end marker: accepted by the upload sniffing."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return head + b"0" * max(0, size - len(head) - len(tail)) + tail


@dataclass
class Stats:
    scenario: str
    concurrency: int
    requests: int
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    # CPU the load client itself spent per request: on 2 shared cores it is taken from
    # the server, so it is reported next to the throughput.
    client_cpu_ms: float = 0.0
    # CPU gunicorn (master and workers) spent per request: the app's own cost.
    server_cpu_ms: float = 0.0
    # At concurrency 1 only: the median of each request's server CPU (the server's threads
    # read before and after it), which is what the targets name; 0 when not measured.
    server_cpu_median_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"| {self.scenario} | {self.concurrency} | {self.requests} | {self.errors} | "
            f"{self.rps:,.1f} | {self.p50_ms:.1f} | {self.p95_ms:.1f} | {self.p99_ms:.1f} | "
            f"{self.server_cpu_ms:.2f} | {self.median_text} | {self.client_cpu_ms:.2f} |"
        )

    @property
    def median_text(self) -> str:
        return f"{self.server_cpu_median_ms:.2f}" if self.server_cpu_median_ms else "–"

    def as_dict(self) -> dict:
        return {**self.__dict__, "rps": round(self.rps, 1)}


TABLE_HEADER = [
    "| scenario | concurrency | requests | errors | ok req/s | p50 ms | p95 ms | p99 ms "
    "| server CPU ms/req | server CPU median ms | client CPU ms/req |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]

Request = Callable[[Connection, int], Awaitable[Response]]


async def run_level(
    name: str,
    request: Request,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    server: Gunicorn | None = None,
) -> Stats:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    counter = itertools.count()
    deadline = time.perf_counter() + max_seconds
    errors = 0

    # One request at a time: the server's CPU between sending it and reading its answer is
    # that request's (the workers' idle wakeups are rare enough for the median to ignore).
    per_request = server is not None and concurrency == 1
    pids = server.pids() if per_request else []
    request_cpu: list[float] = []

    async def worker() -> None:
        nonlocal errors
        client = Connection(HOST, PORT)
        while time.perf_counter() < deadline:
            i = next(counter)
            if i >= max_requests:
                return
            cpu_before = server.cpu_ns(pids) if per_request else 0
            t = time.perf_counter()
            try:
                r = await request(client, i)
                key = str(r.status_code)
            except (ClientError, IndexError) as exc:
                key = type(exc).__name__
                r = None
            dt_ = time.perf_counter() - t
            if per_request:
                request_cpu.append((server.cpu_ns(pids) - cpu_before) / 1e6)
            statuses[key] = statuses.get(key, 0) + 1
            # A redirect (to the login or second-factor page) is not the page asked for.
            if r is not None and 200 <= r.status_code < 300:
                latencies.append(dt_)
            else:
                errors += 1
        await client.close()

    start = time.perf_counter()
    cpu_start = time.process_time()
    server_start = server.cpu_seconds() if server else 0.0
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - cpu_start
    server_cpu = server.cpu_seconds() - server_start if server else 0.0
    latencies.sort()
    return Stats(
        name,
        concurrency,
        len(latencies) + errors,
        len(latencies),
        errors,
        elapsed,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 95) * 1000,
        percentile(latencies, 99) * 1000,
        statuses,
        client_cpu / max(1, len(latencies) + errors) * 1000,
        server_cpu / max(1, len(latencies) + errors) * 1000,
        statistics.median(request_cpu) if request_cpu else 0.0,
    )


# --- scenario data ----------------------------------------------------------------------


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        )
    for k, (filename, data) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; '
                f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submission_bodies(
    n: int = 40, citizens: int = 200, file_size: int = 100 * 1024
) -> list[tuple[bytes, str]]:
    """One body per citizen (index i files for citizen.{i+1}), over n department
    procedures (each with its own components). Each citizen files under one ID number of
    their own: the first submission binds it to the account, and an online applicant's
    identity is then locked."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT p.code, array_agg(c.id ORDER BY c.id) FROM catalog_procedure p "
            "JOIN catalog_component c ON c.procedure_id = p.id "
            "WHERE p.agency_id IS NOT NULL AND p.is_active GROUP BY p.id ORDER BY p.id LIMIT %s",
            [n],
        ).fetchall()
    pdf = pdf_bytes(file_size)
    bodies = []
    for i in range(citizens):
        code, components = rows[i % len(rows)]
        fields = {
            "procedure_code": code,
            "applicant_name": f"Nguyễn Văn Bench {i}",
            "applicant_id_number": citizen_id_number(i + 1),
            "subject": "bench",
        }
        files = {f"component_{c}": (f"giay-to-{c}.pdf", pdf) for c in components}
        bodies.append(multipart(fields, files))
    return bodies


def citizen_tokens(n: int = 200) -> list[str]:
    from bench.generate import token_for

    return [token_for(f"citizen.{i}") for i in range(1, n + 1)]


def owned_codes(limit: int = 5000) -> list[tuple[str, str]]:
    """(code, owner's token) of online dossiers, a sample spread over the table."""
    from bench.generate import token_for

    with connect() as conn:
        rows = conn.execute(
            "SELECT d.code, u.username FROM dossiers_dossier d TABLESAMPLE SYSTEM (5) "
            "JOIN auth_user u ON u.id = d.applicant_id LIMIT %s",
            [limit],
        ).fetchall()
        if len(rows) < 100:
            rows = conn.execute(
                "SELECT d.code, u.username FROM dossiers_dossier d "
                "JOIN auth_user u ON u.id = d.applicant_id LIMIT %s",
                [limit],
            ).fetchall()
    return [(code, token_for(user)) for code, user in rows]


def public_pairs(limit: int = 5000) -> list[tuple[str, str]]:
    """(code, applicant's ID number) of dossiers of every channel, spread over the table."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT code, applicant_id_number FROM dossiers_dossier TABLESAMPLE SYSTEM (5) "
            "LIMIT %s",
            [limit],
        ).fetchall()
        if len(rows) < 100:
            rows = conn.execute(
                "SELECT code, applicant_id_number FROM dossiers_dossier LIMIT %s", [limit]
            ).fetchall()
    return [(code, idn) for code, idn in rows]


def waiting_dossiers(limit: int) -> list[tuple[str, str, str, str]]:
    """(code, desk token, agency identifier, specialist username) of submitted dossiers."""
    from bench.generate import token_for

    with connect() as conn:
        rows = conn.execute(
            "SELECT d.code, a.id, a.identifier FROM dossiers_dossier d "
            "JOIN catalog_agency a ON a.id = d.agency_id WHERE d.status = 'submitted' "
            "ORDER BY d.id DESC LIMIT %s",
            [limit],
        ).fetchall()
    return [
        (code, token_for(f"desk.{aid}"), ident, f"specialist.{aid}") for code, aid, ident in rows
    ]


def busiest_desks(n: int = 4) -> list[str]:
    with connect() as conn:
        rows = conn.execute(
            "SELECT agency_id FROM dossiers_agencystatuscount WHERE status NOT IN "
            "('rejected', 'withdrawn', 'stopped', 'returned') GROUP BY agency_id "
            "ORDER BY sum(count) DESC LIMIT %s",
            [n],
        ).fetchall()
    return [f"desk.{r[0]}" for r in rows]


def _csrf(page: httpx.Response, client: httpx.Client) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return match.group(1) if match else client.cookies.get("csrftoken", "")


def _second_factor(client: httpx.Client, location: str) -> None:
    """Officers enrol a TOTP device at their first login, as a person would: read the key
    shown for manual entry, compute the code, confirm it. The session is then verified."""
    page = client.get(location)
    match = re.search(r'<code id="otp-key">([^<]+)</code>', page.text)
    if match is None:
        raise RuntimeError(f"no TOTP key on {location}: {page.status_code}")
    secret = match.group(1).replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code = f"{totp(key):06d}"
    r = client.post(
        location,
        data={"otp_token": code, "csrfmiddlewaretoken": _csrf(page, client)},
        headers={"Referer": f"{BASE}{location}"},
    )
    # Enrolment answers with the one-time page of recovery codes (or a redirect when a
    # set already exists); either way the session is verified.
    shown = r.status_code == 200 and 'id="recovery-codes"' in r.text
    if r.status_code != 302 and not shown:
        raise RuntimeError(f"TOTP enrolment failed: {r.status_code}")


_sessions: dict[str, httpx.Cookies] = {}


def login(username: str) -> httpx.Cookies:
    """A verified officer session, one per user and run: a second login would need the
    TOTP code of a window already used (django-otp refuses a replayed code)."""
    if username not in _sessions:
        # A device enrolled by an earlier run would ask for a code we cannot compute
        # (its key is not shown again): enrol afresh, so the load can be run again.
        with connect() as conn:
            conn.execute(
                "DELETE FROM otp_totp_totpdevice WHERE user_id = "
                "(SELECT id FROM auth_user WHERE username = %s)",
                [username],
            )
        _sessions[username] = _login(username)
    return _sessions[username]


def _login(username: str) -> httpx.Cookies:
    with httpx.Client(base_url=BASE, timeout=30) as client:
        page = client.get("/dang-nhap/")
        r = client.post(
            "/dang-nhap/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": _csrf(page, client),
            },
            headers={"Referer": f"{BASE}/dang-nhap/"},
        )
        if r.status_code not in (200, 302) or "sessionid" not in client.cookies:
            raise RuntimeError(f"login of {username} failed: {r.status_code}")
        location = r.headers.get("Location", "")
        if "/tai-khoan/xac-thuc-hai-buoc/" in location:
            _second_factor(client, location)
        elif "/tai-khoan/" in location:
            raise RuntimeError(f"{username} has a TOTP device from an earlier run: regenerate")
        return client.cookies


# --- scenarios ----------------------------------------------------------------------------


def make_submit() -> Request:
    tokens = citizen_tokens()
    bodies = submission_bodies(citizens=len(tokens))

    async def submit(client: Connection, i: int) -> Response:
        body, ctype = bodies[i % len(bodies)]
        return await client.post(
            "/api/v1/dossiers/",
            content=body,
            headers={
                "Content-Type": ctype,
                "Authorization": f"Token {tokens[i % len(tokens)]}",
                "Idempotency-Key": f"load-{uuid.uuid4().hex}",
            },
        )

    return submit


def make_lookup() -> Request:
    pairs = public_pairs()
    if not pairs:
        raise RuntimeError("no dossiers to look up: run bench.generate first")
    bodies = [json.dumps({"code": code, "id_number": idn}).encode() for code, idn in pairs]
    headers = {"Content-Type": "application/json"}

    async def lookup(client: Connection, i: int) -> Response:
        body = bodies[(i * 7919) % len(bodies)]
        return await client.post("/api/v1/lookup/", content=body, headers=headers)

    return lookup


def make_detail() -> Request:
    pairs = owned_codes()
    if not pairs:
        raise RuntimeError("no online dossiers to look up: run bench.generate first")

    async def detail(client: Connection, i: int) -> Response:
        code, token = pairs[(i * 7919) % len(pairs)]
        return await client.get(
            f"/api/v1/dossiers/{code}/", headers={"Authorization": f"Token {token}"}
        )

    return detail


def make_queue() -> Request:
    jars = [login(u) for u in busiest_desks()]
    cookie_headers = [
        "; ".join(f"{k}={v}" for k, v in jar.items() if k in ("sessionid", "csrftoken"))
        for jar in jars
    ]

    async def queue(client: Connection, i: int) -> Response:
        return await client.get("/mot-cua/", headers={"Cookie": cookie_headers[i % len(jars)]})

    return queue


def make_process(max_requests: int) -> Request:
    """Even i: receive dossier i//2; odd i: assign it (after its receive returned)."""
    pool = waiting_dossiers(max_requests // 2 + 1)
    received: dict[int, asyncio.Event] = {}

    async def process(client: Connection, i: int) -> Response:
        code, token, ident, specialist = pool[i // 2]  # IndexError: pool used up
        headers = {"Authorization": f"Token {token}"}
        if i % 2 == 0:
            event = received.setdefault(i // 2, asyncio.Event())
            try:
                return await client.post(
                    f"/api/v1/dossiers/{code}/actions/receive/", json={}, headers=headers
                )
            finally:
                event.set()
        event = received.setdefault(i // 2, asyncio.Event())
        await asyncio.wait_for(event.wait(), 30)
        return await client.post(
            f"/api/v1/dossiers/{code}/actions/assign/",
            json={"to_agency": ident, "to_user": specialist},
            headers=headers,
        )

    return process


SCENARIOS = ["submit", "lookup", "detail", "queue", "process"]


def run(
    levels: list[int],
    max_requests: int,
    max_seconds: float,
    scenarios: list[str] | None = None,
    workers: int = 2,
    threads: int = 4,
) -> list[Stats]:
    results: list[Stats] = []
    with Gunicorn(workers=workers, threads=threads) as server:
        # Workers import views, serializers and templates at their first requests; warm
        # every worker up on the read paths so the first level does not pay for it.
        for make in (make_lookup, make_detail):
            asyncio.run(run_level("warm-up", make(), 2 * workers * threads, 200, 10))
        for name in scenarios or SCENARIOS:
            for level in levels:
                if name == "submit":
                    request = make_submit()
                elif name == "lookup":
                    request = make_lookup()
                elif name == "detail":
                    request = make_detail()
                elif name == "queue":
                    request = make_queue()
                else:
                    request = make_process(max_requests)
                stats = asyncio.run(
                    run_level(name, request, level, max_requests, max_seconds, server)
                )
                log(
                    f"load {name:8s} c={level:<3d} {stats.ok:6d} ok {stats.errors:4d} err "
                    f"{stats.rps:8.1f} req/s p50 {stats.p50_ms:7.1f} p95 {stats.p95_ms:7.1f} "
                    f"p99 {stats.p99_ms:7.1f} ms; CPU ms/req server {stats.server_cpu_ms:.2f} "
                    f"(median {stats.median_text}) client {stats.client_cpu_ms:.2f} "
                    f"{stats.statuses}"
                )
                results.append(stats)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16,32")
    parser.add_argument("--requests", type=int, default=300, help="per scenario and level")
    parser.add_argument("--seconds", type=float, default=10, help="per scenario and level")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="per worker; 1: sync workers")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    results = run(
        levels,
        args.requests,
        args.seconds,
        args.scenarios.split(","),
        workers=args.workers,
        threads=args.threads,
    )
    print("\n".join(TABLE_HEADER + [s.line() for s in results]))
    print(json.dumps([s.as_dict() for s in results]))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, reference {reference_ms()} ms, load {load}")


if __name__ == "__main__":
    main()
