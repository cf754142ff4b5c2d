"""CPU and queries of the four hot requests, in this process, on the bench database.

    .venv/bin/python -m bench.profile [--scenarios queue,process,submit,lookup] [-n 100]
                                      [--cprofile] [--top 40] [--index-pages commune,...]

Runs each request through the whole Django stack (every middleware, the same settings as
gunicorn: bench.common.app_env) with the test client, after a warm-up, and reports the
median CPU time of this process per request (what gunicorn's worker would spend; the
PostgreSQL backend's time is not in it) and the number of queries. `--cprofile` prints
the functions where the time goes (tottime and cumulative). Writes to the bench database
like the load does: submissions, receive + assign, read-log rows.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
import uuid
from collections.abc import Callable

from bench.capture_sql import forget_bench_devices, setup_django, verified_officer_session
from bench.common import reference_ms

Call = Callable[[int], object]


def make_queue() -> Call:
    from django.contrib.auth.models import User
    from django.test import Client

    from bench.load import busiest_desks

    clients = []
    for username in busiest_desks(4):
        client = Client()
        verified_officer_session(client, User.objects.get(username=username))
        clients.append(client)

    def queue(i: int):
        r = clients[i % len(clients)].get("/mot-cua/")
        assert r.status_code == 200, r.status_code
        return r

    return queue


def make_lookup() -> Call:
    from django.test import Client

    from bench.load import public_pairs

    client = Client()
    bodies = [json.dumps({"code": c, "id_number": n}) for c, n in public_pairs()]

    def lookup(i: int):
        r = client.post(
            "/api/v1/lookup/", bodies[(i * 7919) % len(bodies)], content_type="application/json"
        )
        assert r.status_code == 200, r.content[:300]
        return r

    return lookup


def make_submit() -> Call:
    from django.test import Client

    from bench.load import citizen_tokens, submission_bodies

    tokens = citizen_tokens()
    bodies = submission_bodies(citizens=len(tokens))
    client = Client()

    def submit(i: int):
        body, ctype = bodies[i % len(bodies)]
        r = client.generic(
            "POST",
            "/api/v1/dossiers/",
            body,
            content_type=ctype,
            HTTP_AUTHORIZATION=f"Token {tokens[i % len(tokens)]}",
            HTTP_IDEMPOTENCY_KEY=f"profile-{uuid.uuid4().hex}",
        )
        assert r.status_code == 201, r.content[:300]
        return r

    return submit


def make_process(n: int) -> Call:
    """Even i: receive a waiting dossier; odd i: assign it to the agency's specialist."""
    from django.test import Client

    from bench.load import waiting_dossiers

    pool = waiting_dossiers(n // 2 + 1)
    client = Client()

    def process(i: int):
        code, token, ident, specialist = pool[i // 2]
        auth = f"Token {token}"
        if i % 2 == 0:
            path, body = f"/api/v1/dossiers/{code}/actions/receive/", {}
        else:
            path = f"/api/v1/dossiers/{code}/actions/assign/"
            body = {"to_agency": ident, "to_user": specialist}
        r = client.post(
            path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=auth
        )
        assert r.status_code == 200, r.content[:300]
        return r

    return process


def make_index_page(path: str) -> Call:
    """A service index page of bench.index's list, as the province's leader it picks."""
    from django.contrib.auth.models import User
    from django.test import Client

    from bench.index import _targets

    client = Client()
    verified_officer_session(client, User.objects.get(username=_targets()["leader"]))

    def page(i: int):
        r = client.get(path)
        assert r.status_code == 200, r.status_code
        return r

    return page


def index_pages(wanted: str) -> dict[str, str]:
    """bench.index's pages whose label contains one of the comma-separated words."""
    from bench.index import _pages, _targets

    words = [w.strip() for w in wanted.split(",") if w.strip()]
    pages = _pages(_targets())
    return {label: path for label, path in pages.items() if any(w in label for w in words)}


def measure(name: str, call: Call, n: int, profile: bool, top: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):  # imports, compiled templates, connections
        call(i)
    with CaptureQueriesContext(connection) as ctx:
        call(5)
        call(6)
    queries = len(ctx.captured_queries) / 2
    cpu: list[float] = []
    # CPU time, not wall time: waits on PostgreSQL are not the worker's cost.
    profiler = cProfile.Profile(time.thread_time) if profile else None
    for i in range(7, 7 + n):
        if profiler:
            profiler.enable()
        t = time.thread_time()
        call(i)
        cpu.append(time.thread_time() - t)
        if profiler:
            profiler.disable()
    result = {
        "scenario": name,
        "n": n,
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
        "cpu_ms_mean": round(statistics.fmean(cpu) * 1000, 2),
        "queries": queries,
    }
    print(json.dumps(result), flush=True)
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="queue,process,submit,lookup")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--index-pages",
        default="",
        help="service index pages of bench.index whose label contains one of these words "
        "(e.g. commune,department), measured after the scenarios; --scenarios '' for these only",
    )
    args = parser.parse_args(argv)
    setup_django()
    makers = {
        "queue": make_queue,
        "lookup": make_lookup,
        "submit": make_submit,
        "process": lambda: make_process(args.n + 8),
    }
    try:
        for name in filter(None, args.scenarios.split(",")):
            measure(name, makers[name](), args.n, args.cprofile, args.top)
        for label, path in index_pages(args.index_pages).items() if args.index_pages else ():
            measure(label, make_index_page(path), args.n, args.cprofile, args.top)
    finally:
        forget_bench_devices()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, reference {reference_ms()} ms, load {load}")


if __name__ == "__main__":
    main()
