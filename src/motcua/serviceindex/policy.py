"""Who sees which dashboard. The public scorecard is the province's, for everyone.

Dashboards are for leaders: a leader of a province-level agency (the People's Committee,
its office, the service centre's managing agency) and administrators see every unit; a
department's leader sees that department; a commune's leader sees that commune."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from motcua.catalog.models import Agency, Officer
from motcua.dossiers.policy import officer_of
from motcua.serviceindex.selectors import Unit


def sees_everything(user: User | AnonymousUser | None) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    officer = officer_of(user)
    return (
        officer is not None
        and officer.role == Officer.Role.LEADER
        and officer.agency.level == Agency.Level.PROVINCE
    )


def may_see(user: User | AnonymousUser | None, unit: Unit) -> bool:
    if sees_everything(user):
        return True
    officer = officer_of(user)
    if officer is None or officer.role != Officer.Role.LEADER:
        return False
    if unit.kind == "co-quan":
        return unit.pk == officer.agency_id
    if unit.kind == "xa":
        return officer.agency.level == Agency.Level.COMMUNE and unit.pk == officer.agency.unit_id
    return False


def own_units(user: User | AnonymousUser | None) -> list[tuple[str, int]]:
    """(kind, pk) of the dashboards a leader who does not see everything may open."""
    officer = officer_of(user)
    if officer is None or officer.role != Officer.Role.LEADER:
        return []
    agency = officer.agency
    if agency.level == Agency.Level.COMMUNE:
        return [("xa", agency.unit_id), ("co-quan", agency.pk)]
    return [("co-quan", agency.pk)]
