"""TC-MAX-1: maximum bolus (REQ-MAX-1, REQ-MAX-2)."""
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, ValidationError, calculate
from bolus.calculator import MAX_BOLUS_LIMITED
from conftest import make_settings


def test_max_bolus_caps_recommendation_and_flags(settings, noon):
    result = calculate(BolusRequest(carbs_g=150, now=noon), settings)      # 15 U wanted
    assert result.total_unrounded == D("15")
    assert result.limited
    assert MAX_BOLUS_LIMITED in result.alarms
    assert result.recommended == D("10.00")


def test_max_bolus_exactly_at_limit_is_not_flagged(settings, noon):
    result = calculate(BolusRequest(carbs_g=100, now=noon), settings)      # 10 U
    assert not result.limited
    assert result.alarms == ()
    assert result.recommended == D("10.00")


def test_max_bolus_cap_then_round_down_never_exceeds_limit(noon):
    settings = make_settings(max_bolus=D("2.43"))
    result = calculate(BolusRequest(carbs_g=30, now=noon), settings)       # 3 U wanted
    assert result.limited
    assert result.recommended == D("2.40")


@pytest.mark.parametrize("limit", ["0.4", "25.1", "0"])
def test_max_bolus_setting_out_of_range_rejected(limit):
    with pytest.raises(ValidationError, match="max_bolus"):
        make_settings(max_bolus=D(limit))


@pytest.mark.parametrize("limit", ["0.5", "25"])
def test_max_bolus_setting_limits_accepted(limit):
    assert make_settings(max_bolus=D(limit)).max_bolus == D(limit)
