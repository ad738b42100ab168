"""TC-RND-1: rounding to the delivery increment (REQ-RND-1)."""
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, calculate, round_down
from conftest import make_settings


@pytest.mark.parametrize("units, increment, expected", [
    ("2.37", "0.05", "2.35"), ("2.349", "0.05", "2.30"), ("2.35", "0.05", "2.35"),
    ("0.35", "0.05", "0.35"), ("0.04", "0.05", "0.00"), ("2.37", "0.1", "2.3"), ("3.3", "0.1", "3.3"),
], ids=lambda v: str(v))
def test_round_down_to_increment(units, increment, expected):
    assert round_down(D(units), D(increment)) == D(expected)
    assert str(round_down(D(units), D(increment))) == expected


def test_round_never_rounds_up():
    for thousandths in range(0, 5001):
        units = D(thousandths) / 1000
        for increment in (D("0.05"), D("0.1")):
            rounded = round_down(units, increment)
            assert rounded <= units
            assert units - rounded < increment
            assert rounded % increment == 0


def test_round_recommendation_is_multiple_of_increment(noon):
    settings = make_settings(increment=D("0.1"))
    result = calculate(BolusRequest(carbs_g=47, now=noon), settings)      # 4.7 U
    assert result.recommended == D("4.7")
    result = calculate(BolusRequest(carbs_g=33, now=noon, glucose=131, glucose_measured_at=noon), settings)
    assert result.total_unrounded > D("3.5")                              # 3.3 + 11/45 = 3.544...
    assert result.recommended == D("3.5")
