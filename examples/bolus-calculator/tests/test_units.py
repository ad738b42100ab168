"""TC-UNIT-1: glucose units (REQ-UNIT-1)."""
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, GlucoseUnit, calculate, format_glucose, format_insulin, to_mgdl


def test_units_mmol_to_mgdl_uses_factor_18_016():
    assert to_mgdl(D("10.0"), GlucoseUnit.MMOLL) == D("180.160")
    assert to_mgdl(D("180"), GlucoseUnit.MGDL) == D("180")


def test_units_mmol_request_gives_same_dose_as_mgdl(settings, noon):
    mmol = calculate(BolusRequest(carbs_g=20, glucose=D("11.7"), glucose_unit=GlucoseUnit.MMOLL,
                                  now=noon, glucose_measured_at=noon), settings)
    mgdl = calculate(BolusRequest(carbs_g=20, glucose=D("210.7872"), now=noon, glucose_measured_at=noon), settings)
    assert mmol.glucose_mgdl == D("210.7872")
    assert mmol.recommended == mgdl.recommended == D("4.00")   # 2.0 + 2.0175 rounded down


def test_units_display_precision_and_unit():
    assert format_glucose(D("180.16"), GlucoseUnit.MMOLL) == "10.0 mmol/L"
    assert format_glucose(D("180.16"), GlucoseUnit.MGDL) == "180 mg/dL"
    assert format_insulin(D("2.35")) == "2.35 U"


def test_units_unknown_unit_rejected():
    with pytest.raises(ValueError):
        GlucoseUnit("mg")
