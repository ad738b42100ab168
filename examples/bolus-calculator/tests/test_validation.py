"""TC-VAL-1: input and settings validation (REQ-VAL-1, REQ-VAL-2, REQ-VAL-3)."""
from datetime import time
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, GlucoseUnit, Segment, ValidationError, calculate
from bolus.validation import validate_carbs, validate_glucose
from conftest import make_settings, segments


@pytest.mark.parametrize("value", [-1, D("250.5"), D("12.25"), "60", True, float("nan"), float("inf"), None],
                         ids=["negative", "above-250", "two-decimals", "string", "bool", "nan", "inf", "none"])
def test_validate_carbs_rejected(value):
    with pytest.raises(ValidationError):
        validate_carbs(value)


@pytest.mark.parametrize("value", [0, 250, D("12.5"), 12.5], ids=["0g", "250g", "decimal-12.5", "float-12.5"])
def test_validate_carbs_accepted(value):
    assert validate_carbs(value) == D(str(value))


@pytest.mark.parametrize("value, unit", [(19, "mg/dL"), (601, "mg/dL"), ("HI", "mg/dL"), ("LO", "mg/dL"),
                                         (D("1.0"), "mmol/L"), (D("33.4"), "mmol/L")],
                         ids=["19mgdl", "601mgdl", "HI", "LO", "1.0mmol", "33.4mmol"])
def test_validate_glucose_rejected(value, unit):
    with pytest.raises(ValidationError):
        validate_glucose(value, GlucoseUnit(unit))


@pytest.mark.parametrize("value, unit", [(20, "mg/dL"), (600, "mg/dL"), (D("1.1"), "mmol/L"), (D("33.3"), "mmol/L")],
                         ids=["20mgdl", "600mgdl", "1.1mmol", "33.3mmol"])
def test_validate_glucose_accepted(value, unit):
    assert validate_glucose(value, GlucoseUnit(unit)) > 0


def test_validate_invalid_request_recommends_nothing(settings, noon):
    with pytest.raises(ValidationError, match="carbs"):
        calculate(BolusRequest(carbs_g=300, now=noon), settings)


@pytest.mark.parametrize("field, value", [("carb_ratio", "0.5"), ("carb_ratio", "151"), ("isf", "4"), ("isf", "401")],
                         ids=["icr-0.5", "icr-151", "isf-4", "isf-401"])
def test_validate_settings_rejects_out_of_range(field, value):
    values = dict(start=time(0, 0), carb_ratio=D("10"), isf=D("45"), target_low=D("100"), target_high=D("120"))
    values[field] = D(value)
    with pytest.raises(ValidationError, match=field):
        make_settings(segments=(Segment(**values),))


def test_validate_settings_first_segment_at_midnight():
    with pytest.raises(ValidationError, match="00:00"):
        make_settings(segments=segments()[1:])


def test_validate_settings_segments_in_order():
    s = segments()
    with pytest.raises(ValidationError, match="increasing"):
        make_settings(segments=(s[0], s[2], s[1], s[3]))


@pytest.mark.parametrize("increment", ["0.025", "0.5"])
def test_validate_settings_rejects_unsupported_increment(increment):
    with pytest.raises(ValidationError, match="increment"):
        make_settings(increment=D(increment))
