"""Logs print once, as JSON lines when MOTCUA_LOG_JSON is on."""

from __future__ import annotations

import copy
import json
import logging

import pytest
from django.conf import settings as django_settings
from django.utils.log import configure_logging

from motcua.core.logformat import JsonFormatter


@pytest.fixture
def configure(settings):
    """Apply Django's logging set-up as at start-up (its defaults, then ours), and put the
    project's back afterwards."""

    def apply(formatter: str):
        config = copy.deepcopy(django_settings.LOGGING)
        config["handlers"]["console"]["formatter"] = formatter
        configure_logging(django_settings.LOGGING_CONFIG, config)

    yield apply
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


@pytest.mark.parametrize("logger", ["django.request", "django.server", "motcua.core.outbox"])
def test_each_line_printed_once_under_debug(settings, capsys, configure, logger):
    settings.DEBUG = True  # Django's own console handler only prints under DEBUG
    configure("text")
    logging.getLogger(logger).warning("Không tìm thấy: /thu-tuc/x/")
    err = capsys.readouterr().err
    assert err.count("Không tìm thấy: /thu-tuc/x/") == 1, err


def test_json_lines(settings, capsys, configure):
    configure("json")
    logging.getLogger("django.request").warning(
        "Lỗi %s", "máy chủ", extra={"status_code": 503, "request": object()}
    )
    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Lỗi máy chủ"
    assert entry["status_code"] == 503
    assert entry["time"].endswith("+00:00")


def test_exceptions_stay_on_one_line():
    try:
        raise ValueError("hỏng")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "thất bại", None, None)
        import sys

        record.exc_info = sys.exc_info()
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "ValueError: hỏng" in json.loads(text)["exception"]


def test_json_by_default_when_debug_is_off():
    # The suite runs with DEBUG off: production's choice.
    assert django_settings.MOTCUA_LOG_JSON is True
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] == "json"
