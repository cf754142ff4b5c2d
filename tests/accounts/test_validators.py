"""Password rules: Django's four validators, Vietnamese whatever the language asked for."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests import factories


def messages_for(password: str, user=None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        password_validation.validate_password(password, user)
    return caught.value.messages


@pytest.mark.parametrize("language", ["en", "vi", "fr"])
def test_messages_are_vietnamese_whatever_the_language(language, db):
    user = User(username="nguyenvanan", email="an@example.vn")
    with translation.override(language):
        assert messages_for("12345", user) == [
            "Mật khẩu quá ngắn: cần ít nhất 12 ký tự.",
            "Mật khẩu này quá phổ biến, dễ bị đoán.",
            "Mật khẩu không được chỉ gồm chữ số.",
        ]
        assert messages_for("nguyenvanan1", user) == ["Mật khẩu quá giống với Tên đăng nhập."]
        assert messages_for("password1234") == ["Mật khẩu này quá phổ biến, dễ bị đoán."]
        help_texts = password_validation.password_validators_help_texts()
        assert "Mật khẩu phải có ít nhất 12 ký tự." in help_texts
        assert all("password" not in text.lower() for text in help_texts)


def test_a_long_unusual_password_passes(db):
    password_validation.validate_password("Ngõ 12 phố Hàng Bạc, mùa thu")


def test_password_change_page_refuses_weak_passwords_in_vietnamese(client, world):
    client.force_login(world.citizen)
    url = reverse("accounts:password_change")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Mật khẩu phải có ít nhất 12 ký tự." in page.content.decode()
    response = client.post(
        url,
        {"old_password": "sai", "new_password1": "123456", "new_password2": "123456"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng" in html
    assert "Mật khẩu quá ngắn" in html
    new = "Ngõ 12 phố Hàng Bạc, mùa thu"
    done = client.post(
        url,
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(new)
    # Still logged in after the change (the session hash is updated).
    assert client.get(reverse("accounts:account")).status_code == 200


def test_createsuperuser_refuses_a_weak_password_in_vietnamese(tmp_path):
    """createsuperuser validates only when it prompts, so it runs on a pseudo-terminal."""
    env = {**os.environ, "MOTCUA_DATA_DIR": str(tmp_path), "LANG": "en_US.UTF-8"}
    run = [sys.executable, "-m", "motcua.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True, timeout=300)  # noqa: S603
    master, slave = os.openpty()
    process = subprocess.Popen(  # noqa: S603 - this interpreter, our own command
        [*run, "createsuperuser", "--username", "qt", "--email", "qt@x.vn"],
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    output = ""
    try:
        deadline = time.monotonic() + 60
        answers = ["12345678\n", "12345678\n"]
        while "Bypass" not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                continue
            output += os.read(master, 4096).decode(errors="replace")
            # Answer a prompt only while it waits (ends with ": "): a newline echoed after
            # the previous answer is not a prompt, and getpass flushes early input.
            if output.endswith(": ") and answers:
                os.write(master, answers.pop(0).encode())
    finally:
        process.kill()
        process.wait()
        os.close(master)
    assert "Mật khẩu quá ngắn: cần ít nhất 12 ký tự." in output
    assert "Mật khẩu không được chỉ gồm chữ số." in output
