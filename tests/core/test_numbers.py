"""core.templatetags.numbers.decimals prints what |floatformat prints in Vietnamese."""

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from motcua.core.templatetags.numbers import decimals

VALUES = [
    0,
    1,
    18,
    -0.001,
    0.005,
    0.125,
    2.675,
    12.5,
    33.333333,
    99.995,
    100,
    1234.5,
    Decimal("0.125"),
    Decimal("12.50"),
    Decimal("17.995"),
    Decimal("18"),
    Decimal("2.5"),
    Decimal("-3.456"),
    73.64999999,
]


@pytest.mark.parametrize("places", [0, 1, 2])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_decimals_is_floatformat_in_vietnamese(value, places):
    with translation.override("vi"):
        assert decimals(value, places) == floatformat(value, places)


def test_what_is_not_a_number_prints_nothing():
    assert decimals(None) == ""
    assert decimals("abc") == ""
