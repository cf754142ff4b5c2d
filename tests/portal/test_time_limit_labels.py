"""Wherever a procedure's time limit is shown to people it is stated in its own kind
(NĐ 118/2025: working days, working hours, or "trong ngày"), as form 01 states it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from motcua.catalog.models import TimeLimitKind

pytestmark = pytest.mark.django_db

KINDS = [
    (TimeLimitKind.WORKING_DAYS, None, "1,5 ngày làm việc"),
    (TimeLimitKind.WORKING_HOURS, 4, "4 giờ làm việc"),
    (TimeLimitKind.IN_DAY, None, "Trong ngày"),
]


def _set_limit(proc, kind, hours):
    proc.processing_days = Decimal("1.5")
    proc.time_limit_kind = kind
    proc.time_limit_hours = hours
    proc.save()


@pytest.mark.parametrize(("kind", "hours", "label"), KINDS)
def test_portal_catalogue_and_procedure_page_state_the_limit_in_its_kind(
    client, world, kind, hours, label
):
    _set_limit(world.proc, kind, hours)
    detail = client.get(reverse("procedure_detail", args=[world.proc.code])).content.decode()
    assert f"{label} kể từ khi nhận đủ hồ sơ hợp lệ" in detail
    listing = client.get(reverse("catalogue"), {"q": world.proc.code}).content.decode()
    assert world.proc.name in listing and label in listing
    if kind != TimeLimitKind.WORKING_DAYS:
        # Not the day count the procedure also carries (used only for the legacy path).
        assert "1,5 ngày làm việc" not in detail + listing
