import pytest
from django.core.cache import cache
from django.db import connection

from motcua.core import dbguard
from motcua.core.calendar import forget_cached_calendar


def pytest_configure(config):
    from django.conf import settings

    # Threads (live server, parallel submissions) must not keep connections open past the
    # test, or the test database cannot be dropped at the end of the run.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Audit anchors and their signing key: never the developer's var/.
    settings.MOTCUA_AUDIT_ANCHOR_DIR = tmp_path / "audit-anchors"
    settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR = tmp_path / "keys"
    settings.MOTCUA_AUDIT_ANCHOR_KEY = ""
    settings.MOTCUA_AUDIT_ANCHOR_URL = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MOTCUA_PROVINCE_CODE = "37"
    # Production turns the second factor on; tests that exercise it turn it on themselves.
    settings.MOTCUA_REQUIRE_2FA = False
    forget_cached_calendar()  # each test's database has its own calendar
    cache.clear()  # rate-limit counters


@pytest.fixture
def world(db):
    """A small province: two departments, one commune, officers of each role, two citizens,
    and two procedures (provincial 3 days, commune 1 day)."""
    from tests import factories

    return factories.World.build()


@pytest.fixture(autouse=True)
def _audit_guard_around_flush(request):
    """Transactional tests end with a flush (DELETE/TRUNCATE of every table), which the
    append-only guard on the audit table would refuse: suspend it for the flush only, and
    make sure every test starts with the guard on."""
    markers = list(request.node.iter_markers("django_db"))
    transactional = any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    ) or any(m.kwargs.get("transaction") for m in markers)
    uses_db = transactional or markers or "db" in request.fixturenames
    if not uses_db:
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    dbguard.resume(connection)
    yield
    if transactional:
        dbguard.suspend(connection)


@pytest.fixture(scope="session")
def _simulator_server():
    from motcua.simulators import server

    running = server.start("127.0.0.1:0", seed=7)
    yield running
    running.stop()


@pytest.fixture
def simulator(_simulator_server):
    """The national-systems simulator (`motcua simulate`) as a real HTTP server on a free
    port, reset for each test: `.url` is its base URL, `.app` its state (docs/simulator.md)."""
    _simulator_server.app.reset()
    return _simulator_server
