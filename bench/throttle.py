"""What throttling costs per request: `ratelimit.hit()` on each store, and a lookup and a
login through Django's test client with and without throttling.

    .venv/bin/python -m bench.throttle [--hits 3000] [--requests 400]

Each store runs in its own process (settings are read at start): the database path on
SQLite (a file in a temporary folder) and on PostgreSQL (database motcua_bench_throttle on
127.0.0.1:5432, dropped and recreated), the Redis path against 127.0.0.1:6379 database 14.
Prints medians and p99 in microseconds (hit) and milliseconds (requests).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

PG_SERVER = os.environ.get("MOTCUA_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "motcua_bench_throttle"
REDIS_URL = os.environ.get("MOTCUA_BENCH_REDIS", "redis://127.0.0.1:6379/14")


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
    }


def _timed(fn, n: int, scale: float) -> dict[str, float]:
    """Wall time, and this process's CPU time (what other processes on a busy machine
    cannot inflate; on SQLite it includes the database's work)."""
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - start_cpu) * scale)
        wall.append((time.perf_counter() - start) * scale)
    result = _percentiles(wall)
    result["cpu_median"] = statistics.median(cpu)
    return result


def child(store: str, hits: int, requests: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from motcua.core import ratelimit

    setup_test_environment()  # allows 'testserver' and collects no templates output
    call_command("migrate", verbosity=0)
    if store == "redis":
        settings.MOTCUA_RATELIMIT_REDIS_URL = REDIS_URL
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MOTCUA_LOOKUP_LIMIT = 10**9
    settings.AXES_FAILURE_LIMIT = 10**9
    settings.MOTCUA_REQUIRE_2FA = False
    result: dict = {}

    for _ in range(200):  # warm-up: connections, the Redis script, code paths
        ratelimit.hit("bench-warm", uuid.uuid4().hex, 10, 60)
    # One key counted many times (a busy client) and fresh keys (many clients).
    who = uuid.uuid4().hex
    result["hit_same_key_us"] = _timed(lambda: ratelimit.hit("bench", who, 10**9, 600), hits, 1e6)
    result["hit_new_keys_us"] = _timed(
        lambda: ratelimit.hit("bench", uuid.uuid4().hex, 10, 600), hits, 1e6
    )
    if store == "redis":
        return result

    name = f"bench-{uuid.uuid4().hex[:8]}"
    User.objects.create_user(name, password="bench-password-1")  # noqa: S106
    client = Client(REMOTE_ADDR="203.0.113.5")
    body = json.dumps({"code": "000.00.01.H37-250101-0001", "id_number": "001090000001"})

    def lookup():
        response = client.post("/api/v1/lookup/", body, content_type="application/json")
        assert response.status_code == 404, response.status_code

    def login_ok():
        response = client.post("/dang-nhap/", {"username": name, "password": "bench-password-1"})
        assert response.status_code == 302, response.status_code
        client.cookies.clear()

    def login_failed():
        response = client.post("/dang-nhap/", {"username": name, "password": "wrong"})
        assert response.status_code == 200, response.status_code

    real_hit = ratelimit.hit
    for label, fn in (("lookup", lookup), ("login_ok", login_ok), ("login_failed", login_failed)):
        for _ in range(30):
            fn()
        on = _timed(fn, requests, 1e3)
        # "Off": the same request with the counting replaced by a constant answer, and
        # django-axes switched off.
        ratelimit.hit = lambda *a, **k: ratelimit.Decision(True, 1, 1)
        with override_settings(AXES_ENABLED=False):
            for _ in range(30):
                fn()
            off = _timed(fn, requests, 1e3)
        ratelimit.hit = real_hit
        result[f"{label}_ms"] = {"on": on, "off": off}
    return result


def _run_child(store: str, args) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "motcua.settings", "MOTCUA_REDIS_URL": ""}
    folder = tempfile.mkdtemp(prefix="motcua-bench-throttle-")
    env["MOTCUA_DATA_DIR"] = folder
    if store == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    command = [sys.executable, "-m", "bench.throttle", "--child", store]
    command += ["--hits", str(args.hits), "--requests", str(args.requests)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"{store}: child failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hits", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--child", choices=["sqlite", "postgresql", "redis"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.hits, args.requests)))
        return
    print(f"throttle cost, {os.cpu_count()} cores, {args.hits} hits, {args.requests} requests")
    for store in ("sqlite", "postgresql", "redis"):
        figures = _run_child(store, args)
        for name in ("hit_same_key_us", "hit_new_keys_us"):
            f = figures[name]
            print(
                f"{store:10} {name:16} median {f['median']:8.1f} us   p99 {f['p99']:8.1f} us"
                f"   cpu median {f['cpu_median']:8.1f} us"
            )
        for name in ("lookup_ms", "login_ok_ms", "login_failed_ms"):
            if name not in figures:
                continue
            on, off = figures[name]["on"], figures[name]["off"]
            print(
                f"{store:10} {name:16} on: median {on['median']:6.2f} p99 {on['p99']:6.2f} ms"
                f" | off: median {off['median']:6.2f} p99 {off['p99']:6.2f} ms"
                f" | cost at the median {on['median'] - off['median']:+.2f} ms"
                f" (cpu {on['cpu_median'] - off['cpu_median']:+.2f} ms)"
            )


if __name__ == "__main__":
    main()
