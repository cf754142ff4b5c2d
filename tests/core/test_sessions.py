"""core.sessions: the session row read by a prepared query loads what Django's database
store loads, and drops the same keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core import sessions

pytestmark = pytest.mark.django_db


def _saved(data: dict, expire: dt.datetime | None = None) -> str:
    store = django_db.SessionStore()
    store.update(data)
    store.create()
    if expire is not None:
        Session.objects.filter(session_key=store.session_key).update(expire_date=expire)
    return store.session_key


def _both(key: str | None):
    """(data, key afterwards) for Django's store and ours, each fresh on the same key."""
    out = []
    for cls in (django_db.SessionStore, sessions.SessionStore):
        store = cls(key)
        data = dict(store.items())
        out.append((data, store.session_key, store.is_empty()))
    return out


def test_the_same_session_as_djangos_store():
    data = {"_auth_user_id": "7", "motcua_last_seen": 1_700_000_000, "tên": "Nguyễn Văn A"}
    live = _saved(data)
    theirs, ours = _both(live)
    assert theirs == ours
    assert ours[0] == data and ours[1] == live


@pytest.mark.parametrize(
    "expire",
    [
        timezone.now() - dt.timedelta(seconds=1),  # expired
        timezone.now() - dt.timedelta(days=30),
    ],
)
def test_an_expired_session_is_dropped_as_django_drops_it(expire):
    key = _saved({"a": 1}, expire)
    theirs, ours = _both(key)
    assert theirs == ours == ({}, None, True)


def test_at_the_very_moment_of_expiry(monkeypatch):
    """Django's `expire_date > now`: a session expiring exactly now is gone."""
    now = timezone.now().replace(microsecond=0)
    key = _saved({"a": 1}, now)
    monkeypatch.setattr(timezone, "now", lambda: now)
    theirs, ours = _both(key)
    assert theirs == ours == ({}, None, True)
    monkeypatch.setattr(timezone, "now", lambda: now - dt.timedelta(microseconds=1))
    theirs, ours = _both(key)
    assert theirs == ours
    assert ours[0] == {"a": 1}


@pytest.mark.parametrize(
    "key",
    ["nosuchsessionkeyatall0000000000x", "short", None, "x' OR '1'='1 -- padding", "É" * 40],
)
def test_unknown_short_and_hostile_keys(key):
    _saved({"a": 1})
    theirs, ours = _both(key)
    assert theirs == ours
    assert ours[0] == {}


def test_tampered_data_loads_as_empty_in_both():
    key = _saved({"a": 1})
    Session.objects.filter(session_key=key).update(session_data="not-signed-data")
    theirs, ours = _both(key)
    assert theirs == ours
    assert ours[0] == {}


def test_one_query_and_saving_still_works():
    key = _saved({"a": 1})
    store = sessions.SessionStore(key)
    with CaptureQueriesContext(connection) as ctx:
        assert store["a"] == 1
    assert len(ctx.captured_queries) == 1
    store["b"] = 2
    store.save()
    assert dict(django_db.SessionStore(key).items()) == {"a": 1, "b": 2}
