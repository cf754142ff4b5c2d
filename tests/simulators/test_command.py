"""`motcua simulate` starts the simulator on its own port, without Django settings."""

import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_motcua_simulate_serves_on_the_given_port():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none"  # must not be touched
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-c",
            "from motcua.cli import main; main()",
            "simulate",
            "--bind",
            f"127.0.0.1:{port}",
            "--quiet",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/_control", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert set(answer.json()["systems"]) == {
            "dvcqg",
            "vneid",
            "payment",
            "postal",
            "sms",
            "zalo",
        }
        assert answer.json()["url"] == f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(5)
