"""`manage.py check --deploy` is clean in the documented production configuration, and
points at what is missing otherwise."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

PRODUCTION = {
    "MOTCUA_SECRET_KEY": secrets.token_urlsafe(64),
    "MOTCUA_HTTPS": "1",
    "MOTCUA_ALLOWED_HOSTS": "dichvucong.ninhbinh.gov.vn",
}


def check_deploy(tmp_path, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MOTCUA_") and key != "DATABASE_URL"
    }
    environment.update(MOTCUA_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_production_configuration_is_clean(tmp_path):
    result = check_deploy(tmp_path, PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_the_production_settings_it_fails(tmp_path):
    result = check_deploy(tmp_path, {})
    assert result.returncode != 0
    for check in ("motcua.E001", "security.W004", "security.W008", "security.W012"):
        assert check in result.stderr


def test_second_factor_switched_off_is_reported(tmp_path):
    result = check_deploy(tmp_path, {**PRODUCTION, "MOTCUA_REQUIRE_2FA": "0"})
    assert result.returncode != 0
    assert "motcua.W001" in result.stderr


def test_headers_behind_the_tls_proxy(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "host = 'dichvucong.ninhbinh.gov.vn'\n"
        "plain = c.get('/dang-nhap/', HTTP_HOST=host)\n"
        "print(plain.status_code, plain.get('Location'))\n"
        "tls = c.get('/dang-nhap/', HTTP_HOST=host, HTTP_X_FORWARDED_PROTO='https')\n"
        "print(tls.status_code, tls.get('Strict-Transport-Security'))\n"
        "print(tls.cookies['csrftoken']['secure'])\n"
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_") and k != "DATABASE_URL"
    }
    environment.update(
        MOTCUA_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="motcua.settings", **PRODUCTION
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, the script above
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    # Plain HTTP is sent to HTTPS; HTTPS (as the proxy reports it) gets HSTS and secure
    # cookies. The login page needs no database, so none is set up here.
    assert lines[0] == "301 https://dichvucong.ninhbinh.gov.vn/dang-nhap/", result.stderr
    assert lines[1] == "200 max-age=31536000; includeSubDomains; preload"
    assert lines[2] == "True"
