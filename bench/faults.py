"""Fault test: a submission burst through crashes, then check that nothing was lost or doubled.

    .venv/bin/python -m bench.faults [--submissions 300] [--concurrency 8] [--no-pg-restart]

While a burst of online submissions runs against gunicorn (each with its own
Idempotency-Key, retried on connection errors and 5xx as a real client would):
  1. kill -9 the gunicorn master and workers, then start gunicorn again;
  2. kill -9 the `motcua outbox deliver --loop` worker, then start it again;
  3. restart PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect 15 main restart`).
The outbox worker delivers "dvcqg.status" to the project's national-systems simulator
(motcua.simulators, started in this process on 127.0.0.1:RECEIVER_PORT) as the DVCQG
portal: token endpoint, wire format, and a record of every request it gets. If the worker
dies on its own (e.g. when PostgreSQL goes away) it is restarted, and that is reported.

Checks: every acknowledged (2xx) submission's dossier exists exactly once, under the code
the client was given; dossier codes per agency for today are gap-free 1..max and agree
with core_dailycounter; every outbox message of the run is delivered; the portal holds,
for every acknowledged dossier, the statuses its messages carried, in order
(/_control/dvcqg/synced/<code>); every message key was applied by the portal, and none
twice (/_control/received: the outbox is at-least-once, a repeated key must be a replay).
Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import httpx

from bench.common import (
    HOST,
    PORT,
    ROOT,
    VENV_BIN,
    Gunicorn,
    app_env,
    citizen_id_number,
    connect,
    log,
    port_open,
)
from bench.generate import token_for
from bench.load import multipart, pdf_bytes
from motcua.simulators import server

RECEIVER_PORT = PORT + 1
BASE = f"http://{HOST}:{PORT}"
# The simulator's default credentials for the province (docs/simulator.md).
DVCQG_CLIENT_ID = "motcua"
DVCQG_CLIENT_SECRET = "motcua-dvcqg-secret"
SYNC_ENDPOINTS = {"dvcqg.DongBoHoSoMC", "dvcqg.CapNhatTienDoHoSoMC"}
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]


# --- the national portal: the project's simulator ------------------------------------------


class Portal:
    """The national-systems simulator (docs/simulator.md), in this process, as DVCQG.

    The outbox's "dvcqg.status" handler needs the portal's token endpoint and wire format, so
    a bare receiver no longer does; the simulator also records every request it gets
    (Idempotency-Key header, status, whether it was a replay) and what it applied per dossier.
    """

    def __init__(self, port: int = RECEIVER_PORT, seed: int = 7) -> None:
        self.port = port
        self.seed = seed
        self.running: server.Running | None = None

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    def env(self) -> dict[str, str]:
        return {
            "MOTCUA_DVCQG_URL": f"{self.url}/dvcqg",
            "MOTCUA_DVCQG_CLIENT_ID": DVCQG_CLIENT_ID,
            "MOTCUA_DVCQG_CLIENT_SECRET": DVCQG_CLIENT_SECRET,
        }

    def __enter__(self) -> Portal:
        self.running = server.start(
            f"{HOST}:{self.port}",
            seed=self.seed,
            settings={
                "dvcqg": {"client_id": DVCQG_CLIENT_ID, "client_secret": DVCQG_CLIENT_SECRET}
            },
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.running is not None:
            self.running.stop()

    def received(self) -> list[dict]:
        """Every sync request the portal got (DongBoHoSoMC, CapNhatTienDoHoSoMC)."""
        with httpx.Client(base_url=self.url, timeout=60) as client:
            r = client.get("/_control/received", params={"system": "dvcqg"})
            r.raise_for_status()
        return [e for e in r.json()["items"] if e["endpoint"] in SYNC_ENDPOINTS]

    def synced(self, codes: list[str]) -> dict[str, list[int] | None]:
        """The statuses the portal received per dossier, in order (None: never synced)."""
        out: dict[str, list[int] | None] = {}
        with httpx.Client(base_url=self.url, timeout=10) as client:
            for code in codes:
                r = client.get(f"/_control/dvcqg/synced/{code}")
                out[code] = r.json()["statuses"] if r.status_code == 200 else None
        return out


# --- outbox worker, supervised ------------------------------------------------------------


class OutboxWorker:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.unexpected_exits: list[int] = []
        self.log_path = ROOT / "var" / "bench" / "outbox-worker.log"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "a")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "motcua"), "outbox", "deliver", "--loop"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )
        self.starts += 1

    def kill9(self) -> int:
        assert self.proc is not None
        pid = self.proc.pid
        os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        return pid

    def supervise(self) -> None:
        """Restart the worker if it exited by itself (what systemd would do)."""
        if self.proc is not None and self.proc.poll() is not None:
            self.unexpected_exits.append(self.proc.returncode)
            log(f"faults: outbox worker exited by itself (rc {self.proc.returncode}); restarting")
            time.sleep(1)
            self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()


# --- the burst ----------------------------------------------------------------------------


class Burst:
    def __init__(self, n: int, concurrency: int, deadline_s: float) -> None:
        self.n = n
        self.concurrency = concurrency
        self.deadline = time.monotonic() + deadline_s
        self.acked: dict[str, str] = {}  # key -> code
        self.failed: dict[str, str] = {}  # key -> last error
        self.attempts = 0
        self.retries = 0
        self.status_counts: Counter[str] = Counter()
        self.done = 0
        with connect() as conn:
            rows = conn.execute(
                "SELECT p.code, array_agg(c.id ORDER BY c.id) FROM catalog_procedure p "
                "JOIN catalog_component c ON c.procedure_id = p.id WHERE p.agency_id IS NOT "
                "NULL GROUP BY p.id ORDER BY p.id LIMIT 24"
            ).fetchall()
        self.procedures = rows
        self.pdf = pdf_bytes(100 * 1024)

    def body(self, i: int, key: str) -> tuple[bytes, str]:
        code, components = self.procedures[i % len(self.procedures)]
        fields = {
            "procedure_code": code,
            "applicant_name": "Trần Thị Lỗi",
            "applicant_id_number": citizen_id_number(1 + i % 500),
            "subject": f"faults {key}",
        }
        files = {f"component_{c}": (f"f{c}.pdf", self.pdf) for c in components}
        return multipart(fields, files)

    async def one(self, client: httpx.AsyncClient, i: int) -> None:
        key = f"faults-{uuid.uuid4().hex}"
        body, ctype = self.body(i, key)
        headers = {
            "Content-Type": ctype,
            "Authorization": f"Token {token_for(f'citizen.{1 + i % 500}')}",
            "Idempotency-Key": key,
        }
        last = ""
        for attempt in range(60):
            if time.monotonic() > self.deadline:
                break
            self.attempts += 1
            if attempt:
                self.retries += 1
            try:
                r = await client.post("/api/v1/dossiers/", content=body, headers=headers)
            except httpx.HTTPError as exc:
                last = type(exc).__name__
                self.status_counts[last] += 1
                await asyncio.sleep(0.2 + random.random() * 0.3)
                continue
            self.status_counts[str(r.status_code)] += 1
            if r.status_code in (200, 201):
                self.acked[key] = r.json()["code"]
                break
            last = f"{r.status_code} {r.text[:200]}"
            if r.status_code < 500:
                break  # a 4xx is an answer, not a crash: do not retry
            await asyncio.sleep(0.2 + random.random() * 0.3)
        if key not in self.acked:
            self.failed[key] = last
        self.done += 1

    async def run(self) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(self.n):
            queue.put_nowait(i)
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(base_url=BASE, timeout=20, limits=limits) as client:

            async def worker() -> None:
                while not queue.empty():
                    i = queue.get_nowait()
                    await self.one(client, i)

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))


def run_faults(n: int, concurrency: int, pg_restart: bool, deadline_s: float) -> dict:
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    with connect() as conn:
        start_max = conn.execute("SELECT coalesce(max(id), 0) FROM core_outboxmessage").fetchone()[
            0
        ]
        pending_before = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM core_outboxmessage WHERE status = 'pending'"
            ).fetchall()
        ]
    events: list[str] = []
    burst = Burst(n, concurrency, deadline_s)
    t0 = time.monotonic()

    def stamp(msg: str) -> None:
        line = f"t={time.monotonic() - t0:6.1f}s acked={len(burst.acked):4d} {msg}"
        events.append(line)
        log("faults: " + line)

    with Portal() as portal:
        gunicorn = Gunicorn(workers=2, **portal.env())
        worker = OutboxWorker(app_env(**portal.env()))
        gunicorn.start()
        worker.start()
        try:

            async def chaos() -> None:
                async def wait_for(frac: float) -> None:
                    while burst.done < frac * n and time.monotonic() < burst.deadline:
                        worker.supervise()
                        await asyncio.sleep(0.05)

                await wait_for(0.2)
                pids = gunicorn.kill9()
                stamp(f"kill -9 gunicorn master+workers {pids}")
                await asyncio.sleep(1.0)
                await asyncio.to_thread(gunicorn.start)
                stamp("gunicorn restarted")
                await wait_for(0.4)
                pid = worker.kill9()
                stamp(f"kill -9 outbox worker {pid}")
                await asyncio.sleep(1.0)
                worker.start()
                stamp("outbox worker restarted")
                if pg_restart:
                    await wait_for(0.6)
                    stamp("restarting PostgreSQL")
                    out = await asyncio.to_thread(
                        subprocess.run, PG_RESTART, capture_output=True, text=True, timeout=120
                    )
                    stamp(f"PostgreSQL restarted (rc {out.returncode}) {out.stderr.strip()[:200]}")
                while burst.done < n and time.monotonic() < burst.deadline:
                    worker.supervise()
                    await asyncio.sleep(0.1)

            async def both() -> None:
                await asyncio.gather(burst.run(), chaos())

            asyncio.run(both())
            stamp(f"burst finished: {len(burst.acked)} acked, {len(burst.failed)} not")
            # Let the outbox drain (bounded), keeping the worker alive.
            drain_deadline = time.monotonic() + 180
            while time.monotonic() < drain_deadline:
                worker.supervise()
                with connect() as conn:
                    left = conn.execute(
                        "SELECT count(*) FROM core_outboxmessage WHERE status = 'pending'"
                    ).fetchone()[0]
                if left == 0:
                    break
                time.sleep(1)
            stamp(f"outbox drained, pending left: {left}")
        finally:
            worker.stop()
            gunicorn.stop()
        return check(burst, portal, start_max, today, events, worker, pending_before)


# --- checks -----------------------------------------------------------------------------


def check(
    burst: Burst,
    portal: Portal,
    start_max: int,
    today: dt.date,
    events: list[str],
    worker: OutboxWorker,
    pending_before: list[int],
) -> dict:
    problems: list[str] = []
    if not burst.acked:
        # Nothing acknowledged means nothing below was checked: that is a failure too.
        problems.append(f"no submission acknowledged, e.g. {list(burst.failed.values())[:1]}")
    with connect() as conn:
        rows = conn.execute(
            "SELECT subject, count(*), min(code) FROM dossiers_dossier "
            "WHERE subject LIKE 'faults faults-%%' GROUP BY subject"
        ).fetchall()
        found = {s.removeprefix("faults "): (c, code) for s, c, code in rows}
        for key, code in burst.acked.items():
            count, got = found.get(key, (0, None))
            if count != 1:
                problems.append(f"acked {key} has {count} dossiers")
            elif got != code:
                problems.append(f"acked {key}: client got {code}, database has {got}")
        doubled = [k for k, (c, _) in found.items() if c > 1]
        if doubled:
            problems.append(f"{len(doubled)} keys with more than one dossier")
        unacked_created = [k for k in burst.failed if k in found]
        # Codes of today: gap-free per agency, and the counter agrees.
        yymmdd = today.strftime("%y%m%d")
        seqs = conn.execute(
            "SELECT split_part(code, '-', 1), array_agg(split_part(code, '-', 3)::int) "
            "FROM dossiers_dossier WHERE split_part(code, '-', 2) = %s GROUP BY 1",
            [yymmdd],
        ).fetchall()
        counters = dict(
            conn.execute(
                "SELECT scope, value FROM core_dailycounter WHERE day = %s", [today]
            ).fetchall()
        )
        gaps = 0
        for scope, numbers in seqs:
            numbers = sorted(numbers)
            if numbers != list(range(1, len(numbers) + 1)):
                gaps += 1
                problems.append(f"codes of {scope} on {today} are not 1..{len(numbers)}")
            if counters.get(scope) != numbers[-1]:
                problems.append(f"counter of {scope} is {counters.get(scope)}, max {numbers[-1]}")
        # Outbox: every message of the run delivered (those pending before the run are
        # reported apart: the generator may have left some in an older format).
        msgs = conn.execute(
            "SELECT key, status FROM core_outboxmessage WHERE id > %s", [start_max]
        ).fetchall()
        run_keys = {k for k, _ in msgs}
        undelivered = [k for k, st in msgs if st != "delivered"]
        if undelivered:
            problems.append(f"{len(undelivered)} outbox messages not delivered")
        before = Counter(
            st
            for (st,) in conn.execute(
                "SELECT status FROM core_outboxmessage WHERE id = ANY(%s)", [pending_before]
            ).fetchall()
        )
        if before.get("pending"):
            problems.append(f"{before['pending']} messages pending before the run still pending")
        # What the portal should hold per acknowledged dossier: its messages' statuses in
        # order, repeats in a row folded as the simulator folds them.
        expected: dict[str, list[int]] = {code: [] for code in burst.acked.values()}
        for code, status in conn.execute(
            "SELECT substr(ordering_key, 7), (payload->'step'->>'national_status')::int "
            "FROM core_outboxmessage WHERE ordering_key = ANY(%s) ORDER BY id",
            [[f"dvcqg:{c}" for c in expected]],
        ).fetchall():
            if not expected[code] or expected[code][-1] != status:
                expected[code].append(status)
        orphans = orphan_files(conn)
    synced = portal.synced(sorted(expected))
    without_messages = [c for c, st in expected.items() if not st]
    if without_messages:
        problems.append(f"{len(without_messages)} acked dossiers have no outbox message")
    never_synced = [c for c, st in synced.items() if st is None]
    if never_synced:
        problems.append(f"{len(never_synced)} acked dossiers never reached the portal")
    out_of_order = [c for c, st in synced.items() if st is not None and st != expected[c]]
    if out_of_order:
        c = out_of_order[0]
        problems.append(
            f"{len(out_of_order)} dossiers with other statuses at the portal than sent, "
            f"e.g. {c}: portal {synced[c]}, outbox {expected[c]}"
        )
    # Every sync request the portal got: an Idempotency-Key may arrive again (the outbox is
    # at-least-once), but only its first successful arrival may be applied; others replay.
    received = portal.received()
    attempts: Counter[str] = Counter()
    applied: Counter[str] = Counter()
    replays = 0
    for entry in received:
        key = entry["headers"].get("idempotency-key", "")
        attempts[key] += 1
        if entry.get("replay"):
            replays += 1
        elif entry["status"] == 200:
            applied[key] += 1
    if "" in attempts:
        problems.append(f"{attempts['']} portal calls without an Idempotency-Key")
    applied_twice = [k for k, v in applied.items() if v > 1]
    if applied_twice:
        problems.append(f"{len(applied_twice)} Idempotency-Keys applied twice by the portal")
    unapplied = [k for k in run_keys if k not in applied]
    if unapplied:
        problems.append(f"{len(unapplied)} outbox keys never applied by the portal")
    refused = Counter(str(e["status"]) for e in received if e["status"] != 200)
    result = {
        "submissions": burst.n,
        "acked": len(burst.acked),
        "not_acked": len(burst.failed),
        "not_acked_but_created": len(unacked_created),
        "http_attempts": burst.attempts,
        "client_retries": burst.retries,
        "http_outcomes": dict(burst.status_counts),
        "dossiers_found": len(found),
        "agencies_checked_for_gaps": len(seqs),
        "agencies_with_gaps": gaps,
        "outbox_pending_before": len(pending_before),
        "outbox_pending_before_now": dict(before),
        "outbox_checked": len(run_keys),
        "outbox_undelivered": len(undelivered),
        "portal_dossiers_checked": len(synced),
        "portal_dossiers_never_synced": len(never_synced),
        "portal_dossiers_out_of_order": len(out_of_order),
        "receiver_attempts": sum(attempts.values()),
        "receiver_distinct_keys": len(attempts),
        "receiver_keys_seen_more_than_once": sum(1 for v in attempts.values() if v > 1),
        "receiver_replays": replays,
        "receiver_keys_applied_twice": len(applied_twice),
        "receiver_not_ok": dict(refused),
        "outbox_worker_starts": worker.starts,
        "outbox_worker_exits_by_itself": worker.unexpected_exits,
        "orphan_files": orphans,
        "timeline": events,
        "failures_sample": list(burst.failed.values())[:5],
        "problems": problems,
        "ok": not problems,
    }
    return result


def orphan_files(conn) -> int:
    """Stored files with no attachment row (left by requests killed mid-way)."""
    media = ROOT / "var" / "bench" / "media"
    if not media.exists():
        return 0
    paths = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
    known = {r[0] for r in conn.execute("SELECT path FROM dossiers_attachment").fetchall()}
    return len(paths - known)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=240, help="deadline for the burst")
    parser.add_argument("--no-pg-restart", action="store_true")
    args = parser.parse_args(argv)
    if port_open(PORT) or port_open(RECEIVER_PORT):
        sys.exit(f"ports {PORT}/{RECEIVER_PORT} busy")
    result = run_faults(args.submissions, args.concurrency, not args.no_pg_restart, args.seconds)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
