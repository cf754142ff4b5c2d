"""The queue's tabs and unfiltered first page read by prepared statements are what the
ORM's queries give for the same officer (tests/core/test_prepared.py compares the
statements with their querysets; here, with what the page asked before)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.desk import selectors, views
from motcua.desk.views import PAGE_SIZE, QUEUE_STATUSES
from motcua.dossiers import policy, services
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.models import Dossier
from tests.process_helpers import build_process

pytestmark = pytest.mark.django_db


def _orm_page(user, now, size=PAGE_SIZE) -> list[tuple]:
    visible = selectors.visible_q(user)
    qs = selectors.desk_list(user, selectors.Criteria(), now, visible)
    return list(selectors.queue_row_values(qs)[:size])


def test_tabs_and_first_page_are_the_orms(world):
    build_process(world)
    waiting = world.submit_online()
    received = services.receive(world.submit_online(), world.desk)  # steps in the agency
    legacy = services.receive(
        world.submit_online(procedure=world.commune_proc, agency=world.commune),
        world.commune_desk,
    )
    services.assign(legacy, world.commune_desk, to_agency=world.other_dept)
    for _ in range(3):
        world.submit_online(procedure=world.commune_proc, agency=world.commune)
    Dossier.objects.filter(pk=received.pk).update(current_assignee=world.specialist)
    now = timezone.now()
    checked = 0
    for user in (world.desk, world.specialist, world.other_desk, world.commune_desk):
        visible = selectors.visibility(user)
        assert visible.steps is not None and visible.agency == user.officer.agency_id
        for at in (now, now + dt.timedelta(days=400)):
            assert selectors.queue_counts(
                user, QUEUE_STATUSES, at, visible
            ) == dossier_selectors.queue_counts(user, QUEUE_STATUSES, at, policy.visible_q(user))
        rows = selectors.queue_first_page(visible, PAGE_SIZE)
        assert rows == _orm_page(user, now)
        checked += len(rows)
    assert checked >= 7
    assert selectors.visibility(world.desk).steps  # a list of ids was among them
    assert {r[0] for r in selectors.queue_first_page(selectors.visibility(world.desk), 50)} >= {
        waiting.pk,
        received.pk,
    }


def test_the_orm_answers_what_the_prepared_statements_do_not_take(world):
    world.submit_online()
    visible = selectors.visibility(world.desk)
    # Another page size: the statement is compiled for QUEUE_PAGE_SIZE rows.
    assert selectors.queue_first_page(visible, PAGE_SIZE + 1) is None
    # A step history too long for a list (visibility's subquery): through the ORM.
    long_history = selectors.Visibility(visible.q)
    assert selectors.queue_first_page(long_history, PAGE_SIZE) is None
    now = timezone.now()
    assert selectors.queue_counts(
        world.desk, QUEUE_STATUSES, now, long_history
    ) == dossier_selectors.queue_counts(world.desk, QUEUE_STATUSES, now)
    # Not an officer: policy's condition.
    assert selectors.visibility(world.citizen).steps is None


def _body(response) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    return re.sub(r"In lúc [0-9:/ ]+", "In lúc …", body)


def test_the_page_is_the_one_the_orm_wrote(client, world, monkeypatch):
    """The unfiltered first page read by the prepared statements and the same page read
    by the ORM's queries (as every other page is) are the same page."""
    build_process(world)
    services.receive(world.submit_online(), world.desk)
    for _ in range(3):
        world.submit_online()
    client.force_login(world.desk)
    queue = reverse("desk:queue")
    fast = _body(client.get(queue))
    assert fast.count("<tr class=") == 4
    monkeypatch.setattr(selectors, "queue_first_page", lambda visible, size: None)
    monkeypatch.setattr(
        selectors,
        "queue_counts",
        lambda user, statuses, now, visible: dossier_selectors.queue_counts(
            user, statuses, now, visible.q
        ),
    )
    assert _body(client.get(queue)) == fast
    # Other pages of the unfiltered list: the ORM's query, the tabs' total as its length.
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    second = _body(client.get(queue + "?trang=2"))
    assert second.count("<tr class=") == 1 and "Trang 2/2" in second
    assert _body(client.get(queue + "?trang=99")) == second  # the last page
