"""Fixtures shared by the national portal's tests: the simulator's control API, and our
client pointed at the simulator (a real HTTP server started by tests/simulators/conftest)."""

from __future__ import annotations

import httpx
import pytest

from motcua.dvcqg.client import DvcqgClient
from tests.simulators.conftest import DVCQG_CLIENT


@pytest.fixture
def control(simulator):
    with httpx.Client(base_url=simulator.url, timeout=5) as client:
        yield client


@pytest.fixture
def portal(settings, simulator):
    settings.MOTCUA_DVCQG_URL = f"{simulator.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID, settings.MOTCUA_DVCQG_CLIENT_SECRET = DVCQG_CLIENT
    settings.MOTCUA_DVCQG_TIMEOUT = 3
    return DvcqgClient.from_settings()
