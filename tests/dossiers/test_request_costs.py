"""Queries of the requests whose server CPU issue 9 measures on the 1 M set (bench/RESULTS.md,
"Pages that cost little"): the public lookup, an online submission, an officer's receive and
assign. Pinned, so that a change adding a query to one of them shows here first (the desk
queue page is pinned in tests/desk/test_queue_audit.py). Through the real token
authentication, as the load runs them."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from motcua.core import ratelimit
from motcua.dossiers import services
from tests.dossiers.test_api import DOSSIERS, submit, submit_body

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookup/"


@pytest.fixture(autouse=True)
def _no_counter_purge(monkeypatch):
    # The database rate-limit counters purge expired rows on one hit in PURGE_ONE_IN, at
    # random: an extra query the pins below would count now and then.
    monkeypatch.setattr(ratelimit, "PURGE_ONE_IN", float("inf"))


def _client(user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _audit(entries: int) -> int:
    # An audit entry is one statement on PostgreSQL (core.audit), three elsewhere.
    return entries * (1 if connection.vendor == "postgresql" else 3)


# On the 1 M bench set, counted by bench.capture_sql: submission 17 (with a body over the
# small limit, whose login check reads the token the authentication then reuses), receive
# 19, assign 19 (PostgreSQL, rate limits in Redis). Here the rate-limit counters are
# database rows.
LOOKUP_COUNTER = 1
# Token, the two rate-limit counters, procedure and components, the identity, the new
# dossier's rows (dossier, files, event, counters, summaries, outbox); neither its status
# message nor the answer reads more (a new dossier's files are known, it has no legs or
# steps yet).
SUBMIT = 18 + _audit(1)


def _read_log() -> int:
    # An officer's read: audit entry and access rows in one statement on PostgreSQL
    # (outside a transaction: no BEGIN/COMMIT either), else the entry and an INSERT.
    return 1 if connection.vendor == "postgresql" else _audit(1) + 1


def _upserts(n: int) -> int:
    # A transition's counter upserts (core.counters.batched): one round trip on
    # PostgreSQL, one statement each elsewhere.
    return 1 if connection.vendor == "postgresql" else n


# Each action: token, the dossier (404 first; with its procedure's field, which the status
# message names), the locked re-read, its files (read once: the digitised flags and the
# answer use them), the action's rows, its counters and its audit entry, then the answer:
# its read logged, its legs and steps. Receipt moves six counters (the status counts from
# and to, the month's, the service index's open-by-due-day and month rows, the
# statistical report's month row).
RECEIVE = 16 + _upserts(6) + _audit(1) + _read_log()
# Assign reads the officer assigned with the user (the body's lookup): no query of its own.
ASSIGN = 16 + _upserts(2) + _audit(1) + _read_log()


def test_public_lookup(world, django_assert_num_queries):
    dossier = services.receive(world.submit_online(), world.desk)
    client = APIClient()
    body = {"code": dossier.code, "id_number": "001090000001"}
    assert client.post(LOOKUP, body, format="json").status_code == 200
    # The rate-limit counter (in the database here; in Redis in production: no query),
    # the dossier with its procedure and agency, the newest signed result.
    with django_assert_num_queries(LOOKUP_COUNTER + 2):
        assert client.post(LOOKUP, body, format="json").status_code == 200


def test_online_submission(world, django_assert_num_queries):
    client = _client(world.citizen)
    assert submit(client, submit_body(world.proc), key="warm").status_code == 201
    with django_assert_num_queries(SUBMIT):
        response = submit(client, submit_body(world.proc), key="pinned")
    assert response.status_code == 201, response.content


def test_receive_and_assign(world, django_assert_num_queries):
    desk = _client(world.desk)
    first, dossier = world.submit_online(), world.submit_online()
    assert (
        desk.post(f"{DOSSIERS}{first.code}/actions/receive/", {}, format="json").status_code == 200
    )
    with django_assert_num_queries(RECEIVE):
        response = desk.post(f"{DOSSIERS}{dossier.code}/actions/receive/", {}, format="json")
    assert response.status_code == 200, response.content
    body = {"to_agency": world.dept.identifier, "to_user": world.specialist.username}
    with django_assert_num_queries(ASSIGN):
        response = desk.post(f"{DOSSIERS}{dossier.code}/actions/assign/", body, format="json")
    assert response.status_code == 200, response.content
