"""Notice fan-out: 10,000 status changes that the applicant is told about, each by e-mail,
SMS and Zalo, delivered to a real SMTP server and the simulated gateways.

    .venv/bin/python -m bench.notify [--changes 10000] [--workers 2] [--record]

Uses the bench database (MOTCUA_BENCH_DB, default motcua_bench) as `bench.generate` left it
(run that first, e.g. `--dossiers 10000`); notices and outbox rows it adds are deleted at
the start of each run. Two figures:

1. enqueue: the hook's cost inside a transition, `dossiers.notices.enqueue` for `changes`
   (dossier, event) pairs of events the applicant is told about (receipt, supplement,
   result, return...), one transaction each, as services._record
   does it (the status change itself is not repeated: only what the hook adds);
2. delivery: `workers` worker processes run outbox.deliver_pending until nothing is
   pending: each notify.dossier message fans out into three notices (every applicant has
   chosen all three channels), each sent to aiosmtpd (in this process) or the simulator
   (`motcua simulate`, its own process). Notices per second, end to end.

Checks: every notice is sent, the SMTP server holds `changes` mails, the simulator
`changes` SMS and `changes` Zalo messages. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time

import httpx

from bench.common import ROOT, app_env, append_results, log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(extra: dict[str, str]) -> None:
    os.environ.update(app_env(**extra))
    import django

    django.setup()


def prepare(changes: int) -> list[tuple[int, int]]:
    """(dossier id, event id) of `changes` told events; applicants' contacts and their
    choice of all three channels set; earlier runs' notices and outbox rows removed."""
    from django.db import connection

    from motcua.core.models import OutboxMessage
    from motcua.dossiers.models import Event
    from motcua.notify.models import Notice, Preference, Receipt

    OutboxMessage.objects.filter(topic__startswith="notify.").delete()
    Receipt.objects.all().delete()
    Notice.objects.all().delete()
    from motcua.dossiers.notices import NOTICE_KINDS

    pairs = list(
        Event.objects.filter(action__in=list(NOTICE_KINDS), dossier__applicant__isnull=False)
        .order_by("id")
        .values_list("dossier_id", "id")[:changes]
    )
    ids = [d for d, _ in pairs]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE dossiers_dossier SET applicant_phone = '09' || lpad((id %% 100000000)::text,"
            " 8, '1'), applicant_email = 'nguoi' || id || '@example.vn' WHERE id = ANY(%s)",
            [ids],
        )
        cur.execute(
            "INSERT INTO notify_preference (user_id, email, sms, zalo, updated_at)"
            " SELECT DISTINCT applicant_id, true, true, true, now() FROM dossiers_dossier"
            " WHERE id = ANY(%s) ON CONFLICT (user_id) DO UPDATE SET email = true,"
            " sms = true, zalo = true",
            [ids],
        )
    assert Preference.objects.exists()
    return pairs


def enqueue_all(pairs: list[tuple[int, int]], per_transaction: int = 1) -> float:
    from django.db import transaction

    from motcua.dossiers import notices
    from motcua.dossiers.models import Dossier, Event

    dossiers = Dossier.objects.select_related("procedure", "agency").in_bulk([d for d, _ in pairs])
    events = Event.objects.in_bulk([e for _, e in pairs])
    began = time.perf_counter()
    for i in range(0, len(pairs), per_transaction):
        with transaction.atomic():
            for dossier_id, event_id in pairs[i : i + per_transaction]:
                notices.enqueue(dossiers[dossier_id], events[event_id])
    return time.perf_counter() - began


def worker() -> None:
    """Deliver until nothing is pending or the deadline (BENCH_DEADLINE, epoch seconds)."""
    import django

    django.setup()
    from motcua.core import outbox
    from motcua.core.models import OutboxMessage

    pending = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, topic__startswith="notify."
    )
    deadline = float(os.environ.get("BENCH_DEADLINE") or "inf")
    while time.time() < deadline:
        if outbox.deliver_pending(50):
            continue
        if not pending.exists():
            return
        time.sleep(0.05)


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--seconds", type=float, default=600, help="bound on the delivery phase (then partial)"
    )
    parser.add_argument(
        "--enqueue-only",
        action="store_true",
        help="only the hook: one per transaction, and 100 per transaction (its cost alone,"
        " without a commit of its own)",
    )
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    from aiosmtpd.controller import Controller

    smtp_port, sim_port = free_port(), free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    channels = {
        "MOTCUA_EMAIL_HOST": "127.0.0.1",
        "MOTCUA_EMAIL_PORT": str(smtp_port),
        "MOTCUA_NOTIFY_SMS_URL": f"{sim_url}/sms",
        "MOTCUA_NOTIFY_SMS_API_KEY": "motcua-sms-key",
        "MOTCUA_NOTIFY_ZALO_URL": f"{sim_url}/zalo",
        "MOTCUA_NOTIFY_ZALO_ACCESS_TOKEN": "motcua-zalo-token",
    }
    setup_django(channels)
    pairs = prepare(args.changes)
    if len(pairs) < args.changes:
        log(f"only {len(pairs)} such events in the bench database: generate more dossiers")
        return 1
    elapsed = enqueue_all(pairs)
    enqueue_rate = len(pairs) / elapsed
    log(f"enqueue: {len(pairs)} in {elapsed:.2f} s = {enqueue_rate:.0f}/s")
    if args.enqueue_only:
        prepare(args.changes)  # the same events again, without the first round's messages
        batched = len(pairs) / enqueue_all(pairs, per_transaction=100)
        log(f"enqueue, 100 per transaction: {batched:.0f}/s")
        if args.record:
            load = os.getloadavg()[0]
            append_results(
                "Notice enqueue, the hook alone (bench/notify.py --enqueue-only)",
                [
                    f"- {len(pairs)} told events; one transaction (and commit) each:"
                    f" {enqueue_rate:.0f}/s; 100 per transaction (the INSERT the hook adds"
                    f" to a transition's transaction): {batched:.0f}/s",
                    f"- load average {load:.1f} on {os.cpu_count()} cores (shared machine)",
                ],
            )
        return 0

    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    sim = subprocess.Popen(
        [sys.executable, "-m", "motcua", "simulate", "--bind", f"127.0.0.1:{sim_port}", "--quiet"],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    ok = True
    try:
        for _ in range(100):
            try:
                httpx.get(f"{sim_url}/_control/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        load_before = os.getloadavg()
        began = time.perf_counter()
        command = [sys.executable, "-m", "bench.notify", "--worker"]
        worker_env = os.environ.copy() | {"BENCH_DEADLINE": str(time.time() + args.seconds)}
        procs = [subprocess.Popen(command, env=worker_env, cwd=ROOT) for _ in range(args.workers)]
        for proc in procs:
            proc.wait()
        delivery = time.perf_counter() - began
        load_after = os.getloadavg()
        from django.db.models import Count

        from motcua.core.models import OutboxMessage
        from motcua.notify.models import Notice

        sent = Notice.objects.filter(status=Notice.Status.SENT).count()
        total = Notice.objects.count()
        fanned = OutboxMessage.objects.filter(
            topic="notify.dossier", status=OutboxMessage.Status.DELIVERED
        ).count()
        complete = fanned == len(pairs) and sent == total
        control = httpx.get(f"{sim_url}/_control/", timeout=5).json()["systems"]
        sms, zalo = control["sms"]["state"]["messages"], control["zalo"]["state"]["messages"]
        rate = sent / delivery
        log(
            f"delivery: {sent}/{total} notices sent in {delivery:.1f} s = {rate:.0f}/s"
            f" ({fanned} of {len(pairs)} status changes fanned out"
            f"{'' if complete else ', STOPPED at the time bound'}); SMTP {counter.count},"
            f" SMS {sms}, Zalo {zalo}; load {load_before[0]:.1f} -> {load_after[0]:.1f}"
        )
        expected = len(pairs)
        # Stopped at the time bound: what was sent must still match what arrived.
        by_channel = dict(
            Notice.objects.filter(status=Notice.Status.SENT)
            .values_list("channel")
            .annotate(n=Count("id"))
        )
        checks = [
            ("mails", counter.count, by_channel.get("email", 0)),
            ("sms", sms, by_channel.get("sms", 0)),
            ("zalo", zalo, by_channel.get("zalo", 0)),
        ]
        if complete:
            checks.append(("notices sent", sent, 3 * expected))
        for name, got, want in checks:
            if got != want:
                log(f"CHECK FAILED: {name} {got} != {want}")
                ok = False
        if args.record:
            append_results(
                "Notice fan-out (bench/notify.py)",
                [
                    f"- status changes: {expected}, workers: {args.workers}, channels: e-mail"
                    " (aiosmtpd), SMS and Zalo (simulator)",
                    f"- enqueue (the hook in a transition's transaction): {enqueue_rate:.0f}/s",
                    f"- delivery: {sent} notices in {delivery:.1f} s = {rate:.0f} notices/s;"
                    f" {fanned} of {expected} status changes fanned out"
                    + ("" if complete else f" (stopped at the {args.seconds:.0f} s bound)"),
                    f"- checks: {'all passed' if ok else 'FAILED'}; load average"
                    f" {load_before[0]:.1f} before, {load_after[0]:.1f} after (shared machine)",
                ],
            )
    finally:
        sim.terminate()
        sim.wait(10)
        smtp.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
