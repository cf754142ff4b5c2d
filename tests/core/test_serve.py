"""`motcua serve` refuses to start in production mode without a secret key of its own."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

DEV_KEY = "motcua-development-key-not-for-production"


def serve(tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MOTCUA_SECRET_KEY", "MOTCUA_DEBUG"}
    }
    # An address nobody can bind: when the key check lets it through, gunicorn starts and
    # exits at once instead of serving.
    environment.update({"MOTCUA_DATA_DIR": str(tmp_path), "MOTCUA_BIND": "256.0.0.1:1", **env})
    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", "serve"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"MOTCUA_SECRET_KEY": DEV_KEY},
        {"MOTCUA_SECRET_KEY": "short-but-mine"},
        {"MOTCUA_SECRET_KEY": "a" * 80},
    ],
    ids=["missing", "development key", "short", "not random"],
)
def test_refuses_without_a_key_of_its_own(tmp_path, env):
    result = serve(tmp_path, **env)
    assert result.returncode != 0
    assert "MOTCUA_SECRET_KEY" in result.stderr
    # Refused before collecting static files or exec'ing gunicorn.
    assert not (tmp_path / "static" / "css").exists()
    assert "gunicorn" not in result.stderr.lower()


def test_starts_gunicorn_with_a_proper_key(tmp_path):
    result = serve(tmp_path, MOTCUA_SECRET_KEY=secrets.token_urlsafe(64))
    # It got past the key check: static files were collected and gunicorn ran (and
    # failed to bind the impossible address).
    assert (tmp_path / "static" / "css" / "motcua.css").exists()
    assert "gunicorn" in result.stderr.lower() or "Booting" in result.stderr
    assert "MOTCUA_SECRET_KEY" not in result.stderr


def test_debug_mode_keeps_the_development_key_usable(tmp_path):
    result = serve(tmp_path, MOTCUA_DEBUG="1")
    assert "MOTCUA_SECRET_KEY" not in result.stderr
    assert (tmp_path / "static" / "css" / "motcua.css").exists()
