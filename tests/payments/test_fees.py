"""Fees from the procedure: rows with conditions on the applicant's choices, evaluated as
data (no eval), and the catalogue's amounts for procedures without rows."""

import pytest
from django.core.exceptions import ValidationError

from motcua.payments import conditions, fees
from motcua.payments.models import FeeItem
from tests.payments.conftest import set_fees


@pytest.mark.parametrize(
    "condition, facts, expected",
    [
        ({}, {}, True),
        (None, {"channel": "desk"}, True),
        ({"field": "channel", "op": "eq", "value": "online"}, {"channel": "online"}, True),
        ({"field": "channel", "op": "eq", "value": "online"}, {"channel": "desk"}, False),
        ({"field": "channel", "op": "in", "value": ["desk", "post"]}, {"channel": "post"}, True),
        ({"field": "form.so_tang", "op": "gte", "value": 3}, {"form": {"so_tang": 4}}, True),
        ({"field": "form.so_tang", "op": "gte", "value": 3}, {"form": {"so_tang": "4"}}, False),
        ({"field": "form.so_tang", "op": "lt", "value": 3}, {"form": {}}, False),
        ({"field": "form.x", "op": "exists", "value": True}, {"form": {"x": 0}}, True),
        ({"not": {"field": "channel", "value": "online"}}, {"channel": "desk"}, True),
        (
            {"all": [{"field": "a", "value": 1}, {"any": [{"field": "b", "value": 2},
                                                          {"field": "c", "value": 3}]}]},
            {"a": 1, "c": 3},
            True,
        ),
    ],
)  # fmt: skip
def test_conditions(condition, facts, expected):
    assert conditions.matches(condition, facts) is expected


@pytest.mark.parametrize(
    "condition",
    [
        [],
        "channel == 'online'",
        {"field": "channel", "op": "__import__", "value": "os"},
        {"field": "channel", "op": "in", "value": "online"},
        {"all": []},
        {"all": [{"field": "a"}], "extra": 1},
        {"field": 3, "value": 1},
    ],
)
def test_malformed_conditions_are_refused_in_vietnamese(condition):
    with pytest.raises(conditions.ConditionError) as exc:
        conditions.check(condition)
    assert any(ch in str(exc.value) for ch in "ệạảđ“")


def test_fee_rows_by_condition(world):
    dossier = world.submit_online()
    FeeItem.objects.create(procedure=world.proc, name="Lệ phí cấp giấy phép", amount_vnd=75_000)
    FeeItem.objects.create(
        procedure=world.proc,
        name="Phí thẩm định (nộp trực tuyến giảm 50%)",
        kind=FeeItem.Kind.FEE,
        amount_vnd=100_000,
        condition={"field": "channel", "op": "eq", "value": "online"},
    )
    FeeItem.objects.create(
        procedure=world.proc,
        name="Phí thẩm định",
        kind=FeeItem.Kind.FEE,
        amount_vnd=200_000,
        condition={"field": "channel", "op": "ne", "value": "online"},
    )
    FeeItem.objects.create(procedure=world.proc, name="Ngừng thu", amount_vnd=9, is_active=False)
    lines = fees.fee_lines(dossier)
    assert [line["amount_vnd"] for line in lines] == [75_000, 100_000]
    assert fees.amount_due(dossier) == 175_000


def test_procedure_without_rows_uses_catalogue_amounts(world):
    set_fees(world, fee=50_000, charge=25_000)
    dossier = world.submit_online()
    assert fees.fee_lines(dossier) == [
        {"name": "Phí", "kind": "fee", "amount_vnd": 50_000},
        {"name": "Lệ phí", "kind": "charge", "amount_vnd": 25_000},
    ]


def test_admin_form_refuses_bad_condition(world):
    item = FeeItem(procedure=world.proc, name="x", amount_vnd=1, condition={"op": "eq"})
    with pytest.raises(ValidationError) as exc:
        item.full_clean()
    assert "condition" in exc.value.message_dict
