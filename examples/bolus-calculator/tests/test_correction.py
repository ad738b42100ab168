"""TC-CORR-1: correction bolus (REQ-CORR-1, REQ-CORR-2); TC-TGT-1: target range (REQ-TGT-1)."""
from datetime import time
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, Segment, ValidationError, calculate
from conftest import make_settings


def request(noon, carbs, glucose):
    return BolusRequest(carbs_g=carbs, glucose=glucose, now=noon, glucose_measured_at=noon)


def test_corr_above_target_corrects_to_target_high(settings, noon):
    result = calculate(request(noon, 0, 210), settings)      # (210 - 120) / 45
    assert result.correction_bolus == D("2")
    assert result.recommended == D("2.00")


@pytest.mark.parametrize("glucose", [100, 110, 120])
def test_corr_within_target_range_is_zero(settings, noon, glucose):
    result = calculate(request(noon, 30, glucose), settings)
    assert result.correction_bolus == 0
    assert result.recommended == D("3.00")


def test_corr_below_target_low_reduces_carb_bolus(settings, noon):
    result = calculate(request(noon, 30, 82), settings)       # 3.0 + (82 - 100) / 45
    assert result.correction_bolus == D("-0.4")
    assert result.recommended == D("2.60")


def test_corr_negative_total_is_clamped_to_zero(settings, noon):
    result = calculate(request(noon, 0, 80), settings)
    assert result.total_unrounded == 0
    assert result.recommended == D("0.00")


def one_segment(low, high):
    return (Segment(time(0, 0), D("10"), D("45"), D(low), D(high)),)


def test_target_range_limits_are_accepted():
    settings = make_settings(segments=one_segment("70", "180"))
    assert settings.segments[0].target_low == D("70")


@pytest.mark.parametrize("low, high", [("69", "120"), ("100", "181")], ids=["low-69", "high-181"])
def test_target_range_outside_limits_is_rejected(low, high):
    with pytest.raises(ValidationError):
        make_settings(segments=one_segment(low, high))


def test_target_range_low_above_high_is_rejected():
    with pytest.raises(ValidationError, match="above target_high"):
        make_settings(segments=one_segment("130", "120"))
