"""Shared helpers: the bench database, gunicorn, percentiles, RESULTS.md."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
BENCH_DB = os.environ.get("MOTCUA_BENCH_DB", "motcua_bench")
PG_SERVER = os.environ.get("MOTCUA_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{PG_SERVER}/{BENCH_DB}"
HOST = "127.0.0.1"  # every request of every script goes to this machine only
PORT = int(os.environ.get("MOTCUA_BENCH_PORT", "8765"))
PASSWORD = "bench-password-1"  # noqa: S105 - throwaway accounts of the bench database
TOKEN_PREFIX = "b"  # tokens are TOKEN_PREFIX + sha1(username)[1:], see generate.token_for
DATA_DIR = ROOT / "var" / "bench"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def connect(autocommit: bool = True, dbname: str | None = None) -> psycopg.Connection:
    url = f"{PG_SERVER}/{dbname or BENCH_DB}"
    return psycopg.connect(url, autocommit=autocommit)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def citizen_id_number(n: int) -> str:
    """The ID number citizen.{n} files under: an online applicant's identity is bound to the
    account at the first submission, so every bench script must use the same one."""
    return f"{200000000000 + n:012d}"


def app_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        DJANGO_SETTINGS_MODULE="motcua.settings",
        MOTCUA_ALLOWED_HOSTS=f"{HOST},localhost",
        MOTCUA_DATA_DIR=str(DATA_DIR),
        MOTCUA_LOG_LEVEL="WARNING",
        MOTCUA_DEBUG="0",
        # As in production: rate-limit counters shared by the workers in Redis. The load
        # client is one address, so the public lookup's per-address limit is lifted.
        MOTCUA_REDIS_URL=os.environ.get("MOTCUA_BENCH_REDIS", "redis://127.0.0.1:6379/14"),
        MOTCUA_LOOKUP_LIMIT="1000000000",
        MOTCUA_SUBMIT_LIMIT="1000000000",
        MOTCUA_SUBMIT_ADDRESS_LIMIT="1000000000",
        # `motcua serve` refuses to start without a key of its own when DEBUG is off.
        MOTCUA_SECRET_KEY=os.environ.get("MOTCUA_SECRET_KEY") or secrets.token_urlsafe(64),
    )
    env.update(extra)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return env


def port_open(port: int = PORT) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


class Gunicorn:
    """`gunicorn motcua.wsgi -w N --bind 127.0.0.1:PORT`, started and stopped by us."""

    def __init__(self, workers: int = 2, port: int = PORT, threads: int = 1, **env: str) -> None:
        self.workers = workers
        # threads > 1: gthread workers, which keep connections alive and run another
        # request while one waits for PostgreSQL; 1: gunicorn's default sync workers.
        self.threads = threads
        self.port = port
        self.env = app_env(**env)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use: stop that server first")
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "motcua.wsgi",
            "-w",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if self.threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            if port_open(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start listening in time")

    def pids(self) -> list[int]:
        """The master and its workers (children of the master)."""
        if self.proc is None:
            return []
        pids = [self.proc.pid]
        with contextlib.suppress(FileNotFoundError):
            out = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            pids += [int(p) for p in out.split()]
        return pids

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the master and its workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def cpu_ns(self, pids: list[int]) -> int:
        """CPU time the threads of `pids` have run so far, in nanoseconds (schedstat: fine
        enough for one request, where /proc/<pid>/stat counts 10 ms ticks)."""
        total = 0
        for pid in pids:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                for task in os.scandir(f"/proc/{pid}/task"):
                    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                        total += int(Path(task.path, "schedstat").read_text().split()[0])
        return total

    def kill9(self) -> list[int]:
        """kill -9 the master and every worker, each by its id."""
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)
        # Orphaned workers notice their master is gone; wait until the port is free.
        deadline = time.monotonic() + 10
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        return pids

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill9()

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def git_commit() -> str:
    head = ROOT / ".git" / "HEAD"
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return out[:12]
    except (subprocess.CalledProcessError, FileNotFoundError):
        return head.read_text().strip()[:12] if head.exists() else "unknown"


def disk_free_gb(path: Path = ROOT) -> float:
    return shutil.disk_usage(path).free / 1e9


def reference_ms(runs: int = 7) -> float:
    """CPU milliseconds of a fixed pure-Python workload (a million additions), median of
    `runs`: the machine's speed beside every figure. CPU per request is only comparable
    between machines (or hosts of one cloud, which vary by 2x) through this."""
    times = []
    for _ in range(runs):
        start = time.thread_time()
        total = 0
        for i in range(1_000_000):
            total += i
        times.append((time.thread_time() - start) * 1000)
    return round(sorted(times)[runs // 2], 1)


def append_results(title: str, lines: list[str]) -> None:
    """Append one run's figures to bench/RESULTS.md (date, commit, cores, the machine's
    reference speed, load average)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    header = (
        f"\n## {title} — {stamp}, commit {git_commit()}, {os.cpu_count()} cores, "
        f"PostgreSQL {server_version()}, reference {reference_ms()} ms "
        f"(bench.common.reference_ms), load {load}\n\n"
    )
    with open(BENCH / "RESULTS.md", "a", encoding="utf-8") as f:
        f.write(header + "\n".join(lines) + "\n")


def server_version() -> str:
    try:
        with connect(dbname="postgres") as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]
    except psycopg.Error:
        return "?"
