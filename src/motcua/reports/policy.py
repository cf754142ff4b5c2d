"""Who may make which unit's report: whoever may see its service-index dashboard (leaders:
serviceindex.policy), and officers given the permission "reports.make_report", for their
own agency (and their commune, for a commune's officer)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from motcua.catalog.models import Agency
from motcua.dossiers.policy import officer_of
from motcua.serviceindex import policy as index_policy
from motcua.serviceindex.selectors import Unit

PERMISSION = "reports.make_report"


def own_units(user: User | AnonymousUser | None) -> list[tuple[str, int]]:
    units = index_policy.own_units(user)
    officer = officer_of(user)
    if not units and officer is not None and user.has_perm(PERMISSION):
        agency = officer.agency
        if agency.level == Agency.Level.COMMUNE:
            units = [("xa", agency.unit_id), ("co-quan", agency.pk)]
        else:
            units = [("co-quan", agency.pk)]
    return units


def sees_everything(user) -> bool:
    return index_policy.sees_everything(user)


def may_see(user: User | AnonymousUser | None, unit: Unit) -> bool:
    if index_policy.may_see(user, unit):
        return True
    return (unit.kind, unit.pk) in own_units(user)
