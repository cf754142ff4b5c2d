"""Who may see and handle feedback (hỏi đáp, phản ánh, kiến nghị).

An item belongs to the agency that answers it. Its officers see it; its desk officers and
leaders assign, answer and publish it, and the officer it is assigned to answers it. An
item with no agency yet (from the national portal, about no known dossier) is seen and
assigned by the desk officers and leaders of a province-level agency. Administrators
(superusers) see everything. Citizens and anonymous visitors handle nothing.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from motcua.catalog.models import Agency, Officer
from motcua.dossiers.policy import officer_of
from motcua.feedback.models import Feedback

HANDLERS = (Officer.Role.DESK, Officer.Role.LEADER)


def visible_q(user: User | AnonymousUser | None) -> Q | None:
    """The items the user may see as a handler; None: none at all."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Q()
    officer = officer_of(user)
    if officer is None:
        return None
    q = Q(agency_id=officer.agency_id)
    if officer.agency.level == Agency.Level.PROVINCE:
        q |= Q(agency__isnull=True)
    return q


def can_see(user, item: Feedback) -> bool:
    q = visible_q(user)
    return q is not None and Feedback.objects.filter(q, pk=item.pk).exists()


def _handler(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    officer = officer_of(user)
    return officer is not None and officer.role in HANDLERS


def can_assign(user, item: Feedback) -> bool:
    return item.status == Feedback.Status.OPEN and _handler(user) and can_see(user, item)


def can_answer(user, item: Feedback) -> bool:
    if item.status != Feedback.Status.OPEN or not can_see(user, item):
        return False
    return _handler(user) or (user.is_authenticated and item.assignee_id == user.pk)


def can_publish(user, item: Feedback) -> bool:
    return (
        item.status == Feedback.Status.ANSWERED
        and item.consent_publish
        and item.published_at is None
        and _handler(user)
        and can_see(user, item)
    )


def may_open_kiosk(user) -> bool:
    officer = officer_of(user)
    return officer is not None and officer.role in HANDLERS
