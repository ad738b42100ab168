"""TC-ALM-1: glucose alarms (REQ-ALM-1, REQ-ALM-2); TC-BG-1: stale glucose (REQ-BG-1)."""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, ValidationError, calculate
from bolus.calculator import HIGH_GLUCOSE_KETONES, LOW_GLUCOSE, STALE_GLUCOSE


def request(noon, carbs, glucose, age=timedelta(0)):
    return BolusRequest(carbs_g=carbs, glucose=glucose, now=noon, glucose_measured_at=noon - age)


def test_alarm_low_glucose_recommends_no_bolus(settings, noon):
    result = calculate(request(noon, 45, 65), settings)
    assert LOW_GLUCOSE in result.alarms
    assert result.carb_bolus == D("4.5")          # shown, but not recommended
    assert result.recommended == D("0.00")


def test_alarm_low_threshold_70_is_not_low(settings, noon):
    result = calculate(request(noon, 45, 70), settings)
    assert LOW_GLUCOSE not in result.alarms
    assert result.recommended == D("3.80")          # 4.5 - 30/45 = 3.833, rounded down


def test_alarm_high_glucose_advises_ketone_check(settings, noon):
    result = calculate(request(noon, 0, 260), settings)
    assert result.alarms == (HIGH_GLUCOSE_KETONES,)
    assert result.recommended == D("3.10")          # (260 - 120) / 45 = 3.11


def test_alarm_high_threshold_250_is_not_high(settings, noon):
    assert calculate(request(noon, 0, 250), settings).alarms == ()


def test_stale_glucose_older_than_15_min_not_used(settings, noon):
    result = calculate(request(noon, 30, 210, age=timedelta(minutes=16)), settings)
    assert STALE_GLUCOSE in result.alarms
    assert result.correction_bolus == 0
    assert result.recommended == D("3.00")


def test_stale_glucose_15_min_old_is_used(settings, noon):
    result = calculate(request(noon, 30, 210, age=timedelta(minutes=15)), settings)
    assert STALE_GLUCOSE not in result.alarms
    assert result.recommended == D("5.00")


def test_stale_glucose_stale_low_still_not_corrected(settings, noon):
    result = calculate(request(noon, 30, 60, age=timedelta(minutes=30)), settings)
    assert result.alarms == (STALE_GLUCOSE,)
    assert result.correction_bolus == 0


def test_stale_glucose_reading_from_the_future_rejected(settings, noon):
    with pytest.raises(ValidationError, match="future"):
        calculate(request(noon, 30, 120, age=-timedelta(minutes=10)), settings)
