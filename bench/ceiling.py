"""The database's ceiling for submissions: pgbench running bench/pgbench_submission.sql.

    .venv/bin/python -m bench.ceiling [--levels 1,4,8,16,32] [--seconds 8]

Runs pgbench (-n, simple protocol like Django, 2 threads) at each client count on the
bench database and reports transactions per second; the best is the ceiling that the
HTTP submission rate is compared with. The outbox rows it wrote are removed afterwards
so that the fault test's worker does not deliver them (its dossiers, events and audit
entries stay: the audit chain of the bench database is not a real one anyway).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess

from bench.common import BENCH, BENCH_DB, connect, log

SCRIPT = BENCH / "pgbench_submission.sql"


def pgbench(clients: int, seconds: int, script=SCRIPT) -> dict:
    cmd = [
        "pgbench",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-n",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(min(clients, 2)),
        "-T",
        str(seconds),
        BENCH_DB,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=seconds + 60)
    text = out.stdout + out.stderr
    tps = re.search(r"tps = ([\d.]+)", text)
    lat = re.search(r"latency average = ([\d.]+) ms", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if out.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench failed: {text[-2000:]}")
    return {
        "clients": clients,
        "tps": float(tps.group(1)),
        "latency_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


def cleanup() -> None:
    with connect() as conn:
        conn.execute("DELETE FROM core_outboxmessage WHERE key LIKE 'pgbench:%%'")


def run(levels: list[int], seconds: int) -> list[dict]:
    results = []
    try:
        for c in levels:
            r = pgbench(c, seconds)
            log(f"pgbench submission c={c:<3d} {r['tps']:8.1f} tps, {r['latency_ms']} ms avg")
            results.append(r)
    finally:
        cleanup()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,8,16,32")
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args(argv)
    results = run([int(x) for x in args.levels.split(",")], args.seconds)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
