"""Payment notification handling through the real HTTP endpoint (gunicorn).

    PYTHONPATH=src .venv/bin/python -m bench.payments [--dossiers 300] [--db w_payments_bench]

Recreates its own PostgreSQL database, migrates it, and puts `dossiers` dossiers in the
"payment requested" state through the real services (each with its pending online order).
The simulated platform (motcua.simulators.payment, in this process) pays every order and
builds its signed notifications; they are POSTed to /api/v1/payments/notify/ on gunicorn
(2 gthread workers x 4 threads): first one at a time (handling latency: median, p99), then
the same notifications again (duplicates, must change nothing), forged ones (401), and a
concurrent run of fresh orders (4 clients). Checks that every order ended paid exactly
once. Prints the figures; --record appends them to bench/RESULTS.md. Drops the database
at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench import common
from bench.common import PG_SERVER, append_results, log, percentile

SECRET = "bench-paygov-secret"
MERCHANT = "MOTCUA37"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate(db: str) -> None:
    with common.connect(dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')


def drop(db: str) -> None:
    with common.connect(dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def setup_django(db: str) -> None:
    os.environ.update(
        DATABASE_URL=f"{PG_SERVER}/{db}",
        DJANGO_SETTINGS_MODULE="motcua.settings",
        MOTCUA_DATA_DIR=str(common.DATA_DIR),
        MOTCUA_LOG_LEVEL="ERROR",
        MOTCUA_PAYMENT_PLATFORM="paygov",
        MOTCUA_PAYGOV_URL="http://127.0.0.1:9/payment",  # never called by the webhook
        MOTCUA_PAYGOV_MERCHANT_CODE=MERCHANT,
        MOTCUA_PAYGOV_SECRET=SECRET,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_world():
    from tests import factories

    world = factories.World.build()
    world.proc.charge_vnd = 200_000
    world.proc.save()
    return world


def make_orders(world, n: int) -> list:
    """n dossiers waiting for their fees, through the real services (as the desk does)."""
    from motcua.dossiers import services as dossier_services
    from motcua.payments import services

    payments = []
    for i in range(n):
        dossier = world.submit_online()
        dossier = dossier_services.receive(dossier, world.desk)
        dossier = dossier_services.assign(dossier, world.desk, to_agency=world.dept)
        payments.append(services.request_payment(dossier, world.desk))
        if (i + 1) % 100 == 0:
            log(f"  {i + 1} dossiers waiting for payment")
    return payments


def notifications(payments: list, kind: str = "normal") -> list[dict]:
    """What the simulated platform sends once each order is paid."""
    from motcua.simulators.app import Simulator

    sim = Simulator(systems=["payment"], settings={"payment": {"secret": SECRET}})
    platform = sim.systems["payment"]
    notes = []
    for p in payments:
        order = platform.orders.setdefault(
            p.order_id,
            {"order_id": p.order_id, "amount": p.amount_vnd, "description": "", "ipn_url": "",
             "return_url": "", "expires_at": 0, "status": "PENDING", "created": ""},
        )  # fmt: skip
        platform._pay(order)
        notes.append(platform.notification(order, kind))
    return notes


def post_all(url: str, notes: list[dict], clients: int = 1) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    codes: dict[int, int] = {}

    def one(http: httpx.Client, note: dict) -> None:
        start = time.perf_counter()
        answer = http.post(url, content=note["body"].encode(), headers=note["headers"])
        latencies.append((time.perf_counter() - start) * 1000)
        codes[answer.status_code] = codes.get(answer.status_code, 0) + 1

    if clients == 1:
        with httpx.Client(timeout=120) as http:
            for note in notes:
                one(http, note)
        return latencies, codes
    https = [httpx.Client(timeout=120) for _ in range(clients)]
    try:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(lambda i: one(https[i % clients], notes[i]), range(len(notes))))
    finally:
        for h in https:
            h.close()
    return latencies, codes


def describe(name: str, latencies: list[float], codes: dict[int, int], seconds: float) -> str:
    s = sorted(latencies)
    return (
        f"| {name} | {len(s)} | {statistics.median(s):.1f} | {percentile(s, 99):.1f} | "
        f"{len(s) / seconds:.0f} | {', '.join(f'{k}: {v}' for k, v in sorted(codes.items()))} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--db", default="w_payments_bench")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)

    recreate(args.db)
    try:
        setup_django(args.db)
        log(f"making {args.dossiers * 2} dossiers waiting for payment")
        world = make_world()
        sequential = make_orders(world, args.dossiers)
        concurrent = make_orders(world, args.dossiers)
        from django.db import connections

        connections.close_all()
        port = free_port()
        common.VENV_BIN = Path(sys.executable).parent  # the interpreter running the bench
        server = common.Gunicorn(
            workers=2,
            threads=4,
            port=port,
            DATABASE_URL=os.environ["DATABASE_URL"],
            MOTCUA_PAYMENT_PLATFORM="paygov",
            MOTCUA_PAYGOV_URL="http://127.0.0.1:9/payment",
            MOTCUA_PAYGOV_MERCHANT_CODE=MERCHANT,
            MOTCUA_PAYGOV_SECRET=SECRET,
        )
        url = f"http://127.0.0.1:{port}/api/v1/payments/notify/"
        rows = []
        with server:
            # Warm-up: both workers loaded (slow on a loaded machine) before measuring.
            warm = notifications(sequential[:8], "forged")
            with httpx.Client(timeout=300) as http, ThreadPoolExecutor(8) as pool:
                list(
                    pool.map(
                        lambda n: http.post(url, content=n["body"], headers=n["headers"]), warm
                    )
                )
            notes = notifications(sequential)
            for name, batch, clients in [
                ("first notification, one at a time", notes, 1),
                ("same notifications again (duplicates)", notes, 1),
                ("forged", notifications(sequential, "forged"), 1),
                ("first notification, 4 clients", notifications(concurrent), 4),
            ]:
                start = time.perf_counter()
                latencies, codes = post_all(url, batch, clients)
                rows.append(describe(name, latencies, codes, time.perf_counter() - start))
                log(rows[-1])
        from motcua.dossiers.models import Dossier, Event
        from motcua.payments.models import Payment

        paid = Payment.objects.filter(status=Payment.Status.PAID).count()
        confirms = Event.objects.filter(action="confirm_payment").count()
        waiting = Dossier.objects.filter(status="payment").count()
        ok = paid == confirms == args.dossiers * 2 and waiting == 0
        check = (
            f"{paid} orders paid, {confirms} payment confirmations, {waiting} dossiers still "
            f"waiting: {'OK' if ok else 'FAILED'}"
        )
        log(check)
        lines = [
            f"`python -m bench.payments --dossiers {args.dossiers}`: signed PayGov-style "
            "notifications POSTed to /api/v1/payments/notify/ on gunicorn (2 gthread "
            "workers x 4 threads, PostgreSQL), client on the same machine.",
            "",
            "| run | notifications | median ms | p99 ms | per s | answers |",
            "|---|---:|---:|---:|---:|---|",
            *rows,
            "",
            check + ".",
        ]
        print("\n".join(lines))
        if args.record:
            append_results("Payment notifications (issue 11)", lines)
        connections.close_all()
        return 0 if ok else 1
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop(args.db)


if __name__ == "__main__":
    sys.exit(main())
