"""TC-IOB-1 (REQ-IOB-1), TC-IOB-2 (REQ-IOB-2), TC-IOB-3 (REQ-IOB-3): insulin on board."""
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, Dose, ValidationError, calculate, fraction_remaining, insulin_on_board

DIA = 300  # minutes


def test_iob_curve_starts_at_one_and_ends_at_zero():
    assert fraction_remaining(0, DIA) == 1.0
    assert fraction_remaining(DIA, DIA) == 0.0
    assert fraction_remaining(DIA + 60, DIA) == 0.0


def test_iob_curve_is_monotonic_decreasing():
    values = [fraction_remaining(m, DIA) for m in range(0, DIA + 1)]
    assert all(a >= b for a, b in zip(values, values[1:]))


@pytest.mark.parametrize("minutes, expected", [(30, 0.925), (60, 0.764), (120, 0.411), (180, 0.159), (240, 0.033)])
def test_iob_curve_reference_values(minutes, expected):
    assert fraction_remaining(minutes, DIA) == pytest.approx(expected, abs=0.001)


def test_iob_history_sums_all_active_doses(noon):
    history = [Dose(noon - timedelta(minutes=60), D("2")), Dose(noon - timedelta(minutes=120), D("1"))]
    assert insulin_on_board(history, noon, D("5")) == D("1.939")    # 2 x 0.764 + 1 x 0.411


def test_iob_history_older_than_dia_ignored(noon):
    history = [Dose(noon - timedelta(hours=5), D("4")), Dose(noon - timedelta(hours=7), D("6"))]
    assert insulin_on_board(history, noon, D("5")) == 0


def test_iob_history_future_dose_rejected(noon):
    with pytest.raises(ValidationError, match="future"):
        insulin_on_board([Dose(noon + timedelta(minutes=5), D("1"))], noon, D("5"))


def test_iob_history_naive_time_rejected(noon):
    with pytest.raises(ValidationError):
        insulin_on_board([Dose(datetime(2026, 11, 16, 10, 0), D("1"))], noon, D("5"))


def correction_request(noon, carbs, glucose):
    return BolusRequest(carbs_g=carbs, glucose=glucose, now=noon, glucose_measured_at=noon)


def test_iob_applied_to_positive_correction(settings, noon):
    history = [Dose(noon - timedelta(minutes=120), D("1"))]               # IOB 0.411 U
    result = calculate(correction_request(noon, 0, 210), settings, history)  # correction 2.0 U
    assert result.iob == D("0.411")
    assert result.iob_applied == D("0.411")
    assert result.recommended == D("1.55")                                # 1.589 rounded down


def test_iob_applied_never_reduces_carb_bolus(settings, noon):
    history = [Dose(noon - timedelta(minutes=30), D("4"))]                # IOB 3.7 U
    result = calculate(correction_request(noon, 40, 150), settings, history)  # carb 4.0, correction 0.667
    assert result.iob_applied == result.correction_bolus
    assert result.recommended == D("4.00")


def test_iob_applied_not_to_carb_bolus_without_glucose(settings, noon):
    history = [Dose(noon - timedelta(minutes=30), D("4"))]
    result = calculate(BolusRequest(carbs_g=40, now=noon), settings, history)
    assert result.iob_applied == 0
    assert result.recommended == D("4.00")


def test_iob_applied_not_to_negative_correction(settings, noon):
    history = [Dose(noon - timedelta(minutes=30), D("1"))]
    result = calculate(correction_request(noon, 30, 82), settings, history)
    assert result.iob_applied == 0
    assert result.recommended == D("2.60")
