"""Processes as data (NĐ 118/2025, art. on the internal electronic process approved by the
province): versions, publishing rules, the demo processes."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from motcua.catalog import services
from motcua.catalog.models import Officer, Procedure, ProcessStep, ProcessVersion
from motcua.catalog.selectors import current_process
from motcua.core.problems import InvalidInput
from tests.process_helpers import K, R, build_process

pytestmark = pytest.mark.django_db


def _draft_with(world, rows):
    return build_process(world, steps=rows, publish=False)


def test_publishing_makes_a_draft_current_and_retires_the_previous_version(world):
    """NĐ 118/2025: the province approves each procedure's internal process; one applies."""
    first = build_process(world)
    assert current_process(world.proc) == first
    second = services.new_process_draft(world.proc)
    # The draft copies the current steps, for the administrator to edit.
    assert list(second.steps.values_list("order", "name")) == list(
        first.steps.values_list("order", "name")
    )
    assert current_process(world.proc) == first  # a draft changes nothing yet
    services.publish_process(second)
    first.refresh_from_db()
    assert first.state == ProcessVersion.State.RETIRED
    assert current_process(world.proc) == second
    with pytest.raises(InvalidInput):
        services.publish_process(second)  # already published


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [
                (1, "Ký", K.SIGN, R.LEADER, None, "2", ""),
                (2, "BH", K.ISSUE, R.SPECIALIST, None, "1", ""),
            ],
            "dự thảo kết quả trước bước ký",
        ),
        (
            [
                (1, "DT", K.DRAFT, R.SPECIALIST, None, "2", ""),
                (2, "BH", K.ISSUE, R.SPECIALIST, None, "1", ""),
            ],
            "đúng một bước ký",
        ),
        (
            [
                (1, "DT", K.DRAFT, R.SPECIALIST, None, "2", ""),
                (2, "Ký", K.SIGN, R.LEADER, None, "2", ""),
            ],
            "ban hành",
        ),
        (
            [
                (1, "DT", K.DRAFT, R.SPECIALIST, None, "2", ""),
                (2, "Ký", K.SIGN, R.SPECIALIST, None, "2", ""),
                (3, "BH", K.ISSUE, R.SPECIALIST, None, "1", ""),
            ],
            "chỉ lãnh đạo ký",
        ),
        (
            [
                (1, "DT", K.DRAFT, R.SPECIALIST, None, "2", "g"),
                (2, "XK", K.REVIEW, R.LEADER, None, "2", "g"),
                (3, "Ký", K.SIGN, R.LEADER, None, "2", ""),
                (4, "BH", K.ISSUE, R.SPECIALIST, None, "1", ""),
            ],
            "song song",
        ),
        (
            [
                (1, "DT", K.DRAFT, R.SPECIALIST, None, "20", ""),
                (2, "Ký", K.SIGN, R.LEADER, None, "4", ""),
                (3, "BH", K.ISSUE, R.SPECIALIST, None, "1", ""),
            ],
            "vượt thời hạn giải quyết",
        ),
    ],
)
def test_a_process_that_breaks_the_rules_is_not_published(world, rows, message):
    """TT 03/2025, NĐ 118/2025: the result is drafted before it is signed by the leader and
    issued last; the internal process fits in the procedure's time limit (24 h here)."""
    draft = _draft_with(world, rows)
    with pytest.raises(InvalidInput) as err:
        services.publish_process(draft)
    assert message in err.value.message
    draft.refresh_from_db()
    assert draft.state == ProcessVersion.State.DRAFT


def test_parallel_steps_form_one_stage(world):
    version = build_process(world)
    stages = services.stages(version.steps.all())
    assert [[s.order for s in stage] for stage in stages] == [[1], [2, 3], [4], [5], [6], [7]]
    # The longest path counts once per stage: 6 + 6 + 4 + 2 + 2 + 2 = 22 hours.
    assert services.process_problems(version) == []


def test_sum_of_parallel_budgets_is_not_held_against_the_limit(world):
    rows = [
        (1, "A", K.OPINION, R.SPECIALIST, world.other_dept, "12", "p"),
        (2, "B", K.WORK, R.SPECIALIST, None, "12", "p"),
        (3, "DT", K.DRAFT, R.SPECIALIST, None, "6", ""),
        (4, "Ký", K.SIGN, R.LEADER, None, "4", ""),
        (5, "BH", K.ISSUE, R.SPECIALIST, None, "2", ""),
    ]
    assert services.publish_process(_draft_with(world, rows)).state == "published"


def test_demo_gives_every_procedure_a_process_with_inter_agency_and_parallel_legs():
    """Issue 8: every demo procedure has a process; at least three have legs in other
    agencies, one of them parallel legs."""
    call_command("demo", verbosity=0)
    procedures = Procedure.objects.filter(is_active=True)
    versions = {v.procedure_id: v for v in ProcessVersion.objects.filter(state="published")}
    assert set(versions) == set(procedures.values_list("pk", flat=True))
    inter_agency = parallel = 0
    for version in versions.values():
        steps = list(version.steps.all())
        assert services.process_problems(version, steps) == []
        if any(s.agency_id and s.agency_id != version.procedure.agency_id for s in steps):
            inter_agency += 1
        if any(len(stage) > 1 for stage in services.stages(steps)):
            parallel += 1
    assert inter_agency >= 3
    assert parallel >= 1
    # Loading again keeps what is published (an administrator may have edited it).
    call_command("demo", verbosity=0)
    assert ProcessVersion.objects.filter(state="published").count() == len(versions)


def test_published_versions_are_read_only_in_the_admin(world, client):
    from django.contrib.auth.models import User

    version = build_process(world)
    admin = User.objects.create_superuser("root", "", "pw-123456789012")
    client.force_login(admin)
    page = client.get(f"/admin/catalog/processversion/{version.pk}/change/")
    assert page.status_code == 200
    assert b'name="steps-0-name"' not in page.content  # no editable inline
    draft = services.new_process_draft(world.proc)
    page = client.get(f"/admin/catalog/processversion/{draft.pk}/change/")
    assert b'name="steps-0-name"' in page.content
    # Publishing from the admin's action list.
    ProcessStep.objects.filter(version=draft, order=4).update(budget_hours=Decimal("5"))
    client.post(
        "/admin/catalog/processversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.state == "published"
    assert Officer  # the roles used by the rows above
