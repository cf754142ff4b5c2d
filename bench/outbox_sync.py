"""Status sync throughput: 10,000 outbox messages delivered to the simulated national portal.

    .venv/bin/python -m bench.outbox_sync [--dossiers 1000] [--steps 10] [--workers 2]

Uses its own PostgreSQL database (motcua_bench_outbox, recreated and migrated each run), so
it never disturbs the main bench database. It queues `dossiers x steps` "dvcqg.status"
messages as the dossier services write them (a snapshot per step, one ordering key per
dossier), interleaved step by step across dossiers as a day of work would; starts the
simulator (`motcua simulate`) in its own process; then runs `workers` worker processes,
each calling outbox.deliver_pending until nothing is pending. It prints messages/s (target
>= 300/s with two workers) and checks, for every dossier, that the simulator received its
statuses in order (GET /_control/dvcqg/synced/<MaHoSo>). Exit status 1 if a check fails;
figures are appended to bench/RESULTS.md with --record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import httpx

from bench.common import PG_SERVER, ROOT, VENV_BIN, append_results, connect, log

DB = "motcua_bench_outbox"
DATABASE_URL = f"{PG_SERVER}/{DB}"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# The national statuses one dossier goes through (supplement, payment, back to work): the
# portal must see them in this order, repeats in a row folded.
STATUSES = [1, 2, 4, 5, 4, 6, 4, 4, 9, 10]
ACTIONS = ["submit", "receive", "assign", "request_supplement", "complete_supplement",
           "request_payment", "confirm_payment", "approve", "finish", "return_result"]  # fmt: skip


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        DATABASE_URL=DATABASE_URL,
        DJANGO_SETTINGS_MODULE="motcua.settings",
        MOTCUA_DATA_DIR=str(ROOT / "var" / "bench"),
        MOTCUA_LOG_LEVEL="ERROR",
        MOTCUA_DEBUG="0",
        MOTCUA_SECRET_KEY="bench-outbox-" + "x" * 50,
    )
    return e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot(n: int, step: int, start: dt.datetime) -> dict:
    """What dossiers.sync.snapshot writes for dossier n at its step."""
    at = start + dt.timedelta(minutes=10 * step, seconds=n)
    received = (start + dt.timedelta(minutes=10)).isoformat() if step >= 1 else None
    code = f"000.00.01.H37-BENCH-{n:06d}"
    status = STATUSES[step]
    return {
        "version": 2,
        "code": code,
        "status": status,
        "action": ACTIONS[step],
        "at": at.isoformat(),
        "due_at": (start + dt.timedelta(days=3)).isoformat(),
        "note": "",
        "dossier": {
            "code": code,
            "national_code": "",
            "procedure_code": "1.001193",
            "procedure_name": "Đăng ký khai sinh",
            "field_code": "ho-tich",
            "field_name": "Hộ tịch",
            "agency_identifier": "000.00.01.H37",
            "agency_name": "Sở Xây dựng",
            "applicant_name": "Nguyễn Văn An",
            "applicant_id_number": "001090000001",
            "applicant_phone": "0912345678",
            "applicant_email": "",
            "applicant_address": "Hoa Lư, Ninh Bình",
            "subject": "",
            "channel": "online",
            "return_channel": "online",
            "return_method": "online" if step == 9 else "",
            "submitted_at": start.isoformat(),
            "received_at": received,
            "due_at": (start + dt.timedelta(days=3)).isoformat(),
            "finished_at": at.isoformat() if step >= 8 else None,
            "returned_at": at.isoformat() if step == 9 else None,
            "result_code": f"KQ-{n}" if step >= 8 else "",
            "national_status": status,
            "online_payment": True,
            "fees": [{"name": "Lệ phí", "amount": 8000, "kind": "charge"}],
            "digitised": True,
        },
        "step": {
            "action": ACTIONS[step],
            "label": ACTIONS[step],
            "national_status": status,
            "at": at.isoformat(),
            "actor_name": "Cán bộ một cửa",
            "unit_name": "Sở Xây dựng",
            "note": "",
        },
    }


def prepare(dossiers: int, steps: int) -> None:
    with connect(dbname="postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run(
        [VENV_BIN / "motcua", "migrate", "--verbosity", "0"], env=env(), check=True, cwd=ROOT
    )
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=VN)
    rows = []
    for step in range(steps):  # interleaved: every dossier's step 1, then every step 2...
        for n in range(dossiers):
            rows.append(
                (
                    "dvcqg.status",
                    f"dvcqg:000.00.01.H37-BENCH-{n:06d}:{step}",
                    f"dvcqg:000.00.01.H37-BENCH-{n:06d}",
                    json.dumps(snapshot(n, step, start), ensure_ascii=False),
                )
            )
    with connect(dbname=DB) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY core_outboxmessage (topic, key, ordering_key, payload, status, attempts,"
            " next_attempt_at, last_error, created_at) FROM STDIN"
        ) as copy:
            now = dt.datetime.now(dt.UTC)
            for topic, key, ordering, payload in rows:
                copy.write_row((topic, key, ordering, payload, "pending", 0, now, "", now))
        cur.execute("ANALYZE core_outboxmessage")


def worker() -> None:
    """One worker process: deliver until nothing is pending (retries included)."""
    import django

    django.setup()
    from motcua.core import outbox
    from motcua.core.models import OutboxMessage
    from motcua.dvcqg import handlers  # noqa: F401 - the "dvcqg.status" handler

    while True:
        if outbox.deliver_pending(200):
            continue
        if not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists():
            return
        time.sleep(0.05)  # the rest is another worker's or waits for its retry


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=len(STATUSES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    steps = min(args.steps, len(STATUSES))
    total = args.dossiers * steps
    log(f"queueing {total} messages ({args.dossiers} dossiers x {steps})")
    prepare(args.dossiers, steps)
    port = free_port()
    sim_url = f"http://127.0.0.1:{port}"
    sim = subprocess.Popen(
        [VENV_BIN / "motcua", "simulate", "--bind", f"127.0.0.1:{port}", "--quiet"], cwd=ROOT
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"{sim_url}/_control/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        worker_env = env() | {
            "MOTCUA_DVCQG_URL": f"{sim_url}/dvcqg",
            "MOTCUA_DVCQG_CLIENT_ID": "motcua",
            "MOTCUA_DVCQG_CLIENT_SECRET": "motcua-dvcqg-secret",
        }
        log(f"delivering with {args.workers} worker processes")
        began = time.perf_counter()
        command = [sys.executable, "-m", "bench.outbox_sync", "--worker"]
        if os.environ.get("BENCH_PROFILE"):
            command[1:1] = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
        procs = [subprocess.Popen(command, env=worker_env, cwd=ROOT) for _ in range(args.workers)]
        codes = [p.wait() for p in procs]
        seconds = time.perf_counter() - began
        rate = total / seconds
        with connect(dbname=DB) as conn:
            counts = dict(
                conn.execute(
                    "SELECT status, count(*) FROM core_outboxmessage GROUP BY status"
                ).fetchall()
            )
        expected = [s for i, s in enumerate(STATUSES[:steps]) if i == 0 or s != STATUSES[i - 1]]
        wrong = []
        with httpx.Client(base_url=sim_url, timeout=10) as control:
            for n in range(args.dossiers):
                got = control.get(f"/_control/dvcqg/synced/000.00.01.H37-BENCH-{n:06d}")
                statuses = got.json().get("statuses") if got.status_code == 200 else None
                if statuses != expected:
                    wrong.append((n, statuses))
            calls = control.get("/_control/received", params={"system": "dvcqg", "limit": 1})
            invalid = control.get(
                "/_control/received", params={"system": "dvcqg", "valid": "false"}
            ).json()["items"]
        log(f"received (last): {calls.json()['items'][:1]}")
    finally:
        sim.terminate()
        sim.wait()
    lines = [
        f"{total} messages ({args.dossiers} dossiers x {steps} steps), {args.workers} worker"
        f" processes: {seconds:.1f} s, **{rate:.0f} messages/s** (target >= 300/s).",
        f"Outbox after the run: {counts}. Dossiers whose statuses the simulator saw out of"
        f" order or incomplete: {len(wrong)}; invalid records received: {len(invalid)}.",
    ]
    print("\n".join(lines))
    if wrong:
        print("first wrong:", wrong[:5])
    if args.record:
        append_results("Outbox sync to the national portal (bench/outbox_sync.py)", lines)
    ok = not wrong and not invalid and counts == {"delivered": total} and codes == [0] * len(codes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
