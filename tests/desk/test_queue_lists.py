"""The queue's filter lists read by raw SQL are the ORM's rows in the ORM's order."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from motcua.catalog.models import Field, Officer
from motcua.desk import selectors

pytestmark = pytest.mark.django_db


def test_assignees_and_fields_are_the_orms(world):
    agency = world.desk.officer.agency
    for i, (first, last, active) in enumerate(
        [("Bình", "Trần", True), ("", "", True), ("An", "Trần", False), ("Ánh", "Lê", True)]
    ):
        user = User.objects.create_user(f"extra-{i}", first_name=first, last_name=last)
        user.is_active = active
        user.save()
        Officer.objects.create(user=user, agency=agency, role=Officer.Role.SPECIALIST)
    for i, name in enumerate(("Đất đai", "Xây dựng", "An ninh <trật tự>")):
        Field.objects.create(code=f"them-{i}", name=name)
    orm = (
        User.objects.filter(officer__agency_id=agency.pk, is_active=True)
        .order_by("last_name", "first_name", "username")
        .values_list("pk", "first_name", "last_name", "username")
    )
    expected = [(pk, f"{a} {b}".strip() or u) for pk, a, b, u in orm]
    assert selectors.assignees_of(world.desk) == expected
    assert len(expected) >= 5 and "extra-1" in dict(expected).values()
    assert selectors.field_choices() == list(
        Field.objects.order_by("name").values_list("pk", "name")
    )
    assert selectors.assignees_of(world.citizen) == []
