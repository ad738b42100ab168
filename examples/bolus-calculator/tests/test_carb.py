"""TC-CARB-1: carbohydrate bolus (REQ-CARB-1, REQ-CARB-2)."""
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, calculate
from conftest import berlin


@pytest.mark.parametrize("carbs, expected", [(60, D("6")), (45, D("4.5")), (33, D("3.3")), (7, D("0.7"))],
                         ids=["60g", "45g", "33g", "7g"])
def test_carb_bolus_is_carbs_divided_by_ratio(settings, noon, carbs, expected):
    result = calculate(BolusRequest(carbs_g=carbs, now=noon), settings)
    assert result.segment.carb_ratio == D("10")
    assert result.carb_bolus == expected
    assert result.recommended == expected


def test_carb_bolus_uses_ratio_of_active_segment(settings):
    result = calculate(BolusRequest(carbs_g=60, now=berlin("2026-11-16 08:00")), settings)
    assert result.segment.carb_ratio == D("8")
    assert result.carb_bolus == D("7.5")


def test_carb_zero_carbs_gives_zero_carb_bolus(settings, noon):
    result = calculate(BolusRequest(carbs_g=0, now=noon), settings)
    assert result.carb_bolus == 0
    assert result.recommended == D("0.00")


def test_carb_without_glucose_gives_carb_bolus_only(settings, noon):
    result = calculate(BolusRequest(carbs_g=50, now=noon), settings)
    assert result.correction_bolus == 0
    assert result.glucose_mgdl is None
    assert result.recommended == D("5.00")
