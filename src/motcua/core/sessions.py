"""Django's database sessions, with the session row read by a prepared query.

Every request with a session cookie reads its row first; Django compiles that query anew
each time (a twentieth of the desk queue's CPU). Same table, same data, same behaviour: the
row by its key, unexpired, or no session (the key dropped, as Django drops it);
tests/core/test_sessions.py compares both stores.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from motcua.core.prepared import Prepared

SESSION = Prepared(
    "core.session", lambda key: Session.objects.filter(session_key=key).order_by(), key=str
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.model is not Session:  # a subclass with a model of its own
            return super()._get_session_from_db()
        row = SESSION.first(router.db_for_read(Session), key=self.session_key)
        # Django asks for expire_date > now in SQL; the same comparison, made here.
        if row is None or not row.expire_date > timezone.now():
            self._session_key = None
            return None
        return row
