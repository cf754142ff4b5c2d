"""Authorisation matrix: applicants only on their own dossiers, officers within their agency
and role."""

import pytest

from motcua.core.problems import NotAllowed
from motcua.dossiers import policy, selectors, services
from motcua.dossiers.models import Status

pytestmark = pytest.mark.django_db

ACTIONS = sorted(policy.OFFICER_ACTIONS)


def test_citizen_sees_only_own_dossiers(world):
    mine = world.submit_online()
    assert list(selectors.visible_dossiers(world.citizen)) == [mine]
    assert list(selectors.visible_dossiers(world.other_citizen)) == []
    with pytest.raises(Exception) as err:
        selectors.dossier_for(world.other_citizen, mine.code)
    assert err.typename == "Http404"


@pytest.mark.parametrize("action", ACTIONS)
def test_other_citizen_may_do_nothing(world, action):
    dossier = world.submit_online()
    assert not policy.allowed(world.other_citizen, dossier, action)


@pytest.mark.parametrize("action", ACTIONS)
def test_officer_of_another_agency_may_do_nothing(world, action):
    dossier = world.submit_online()
    assert not policy.allowed(world.other_desk, dossier, action)
    assert not policy.allowed(world.other_leader, dossier, action)
    assert not policy.can_view(world.other_desk, dossier)


def test_officers_see_only_their_agency(world):
    dossier = world.submit_online()
    assert list(selectors.visible_dossiers(world.desk)) == [dossier]
    assert list(selectors.visible_dossiers(world.other_desk)) == []
    assert list(selectors.visible_dossiers(world.commune_desk)) == []


def test_anonymous_sees_nothing_and_public_lookup_needs_id_number(world):
    from django.contrib.auth.models import AnonymousUser

    dossier = world.submit_online()
    assert list(selectors.visible_dossiers(AnonymousUser())) == []
    assert selectors.public_status(dossier.code, "000000000000") is None
    assert selectors.public_status(dossier.code, dossier.applicant_id_number) == dossier


@pytest.mark.parametrize(
    ("role_attr", "action", "expected"),
    [
        ("desk", "receive", True),
        ("specialist", "receive", False),
        ("leader", "receive", False),
        ("desk", "approve", False),
        ("specialist", "approve", False),
        ("leader", "approve", True),
        ("desk", "stop", False),
        ("leader", "stop", True),
        ("specialist", "finish", True),
        ("specialist", "return_result", False),
        ("desk", "return_result", True),
        ("citizen", "withdraw", True),
        ("citizen", "receive", False),
        ("citizen", "complete_supplement", True),
    ],
)
def test_role_matrix(world, role_attr, action, expected):
    dossier = world.submit_online()
    assert policy.allowed(getattr(world, role_attr), dossier, action) is expected


def test_services_enforce_the_policy(world):
    dossier = world.submit_online()
    with pytest.raises(NotAllowed):
        services.receive(dossier, world.other_desk)
    with pytest.raises(NotAllowed):
        services.receive(dossier, world.citizen)
    with pytest.raises(NotAllowed):
        services.withdraw(dossier, world.other_citizen, "Tôi muốn rút hồ sơ")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.events.count() == 1


def test_officer_cannot_submit_online_and_citizen_cannot_use_the_desk(world):
    from tests import factories

    with pytest.raises(NotAllowed):
        world.submit_online(user=world.desk)
    with pytest.raises(NotAllowed):
        services.submit(
            procedure=world.proc,
            applicant=factories.applicant(),
            actor=world.citizen,
            channel="desk",
        )


def test_desk_queue_puts_the_nearest_deadline_first(world):
    import datetime as dt

    from django.utils import timezone

    from motcua.dossiers.models import Dossier

    waiting = world.submit_online()  # no appointment yet: its intake deadline counts
    received = services.receive(world.submit_online(), world.desk)
    now = timezone.now()
    Dossier.objects.filter(pk=waiting.pk).update(intake_due_at=now + dt.timedelta(hours=2))
    Dossier.objects.filter(pk=received.pk).update(due_at=now + dt.timedelta(days=2))
    assert [d.code for d in selectors.desk_queue(world.desk)] == [waiting.code, received.code]
    Dossier.objects.filter(pk=waiting.pk).update(intake_due_at=now + dt.timedelta(days=3))
    assert [d.code for d in selectors.desk_queue(world.desk)] == [received.code, waiting.code]
