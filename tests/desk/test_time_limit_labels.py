"""The desk's intake page states the procedure's time limit in its kind (NĐ 118/2025)."""

import pytest
from django.urls import reverse

from motcua.catalog.models import TimeLimitKind
from tests.portal.test_time_limit_labels import KINDS, _set_limit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "hours", "label"), KINDS)
def test_desk_intake_page_states_the_limit_in_its_kind(client, world, kind, hours, label):
    _set_limit(world.proc, kind, hours)
    client.force_login(world.desk)
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    body = client.get(url).content.decode()
    assert f"Thời hạn giải quyết: {label}." in body
    if kind != TimeLimitKind.WORKING_DAYS:
        assert "ngày làm việc" not in body.split("Thời hạn giải quyết:")[1].split(".")[0]
