"""Input and settings validation (REQ-VAL-1, REQ-VAL-2, REQ-VAL-3)."""
from decimal import Decimal, InvalidOperation

from .units import GlucoseUnit, to_mgdl

CARBS_G = (Decimal("0"), Decimal("250"))
GLUCOSE_MGDL = (Decimal("20"), Decimal("600"))
CARB_RATIO_G_PER_U = (Decimal("1"), Decimal("150"))
ISF_MGDL_PER_U = (Decimal("5"), Decimal("400"))
TARGET_MGDL = (Decimal("70"), Decimal("180"))
MAX_BOLUS_U = (Decimal("0.5"), Decimal("25"))
DIA_HOURS = (Decimal("3"), Decimal("8"))
INCREMENTS_U = (Decimal("0.05"), Decimal("0.1"))


class ValidationError(ValueError):
    """An input or setting outside its allowed range; nothing is calculated."""

    def __init__(self, field: str, value, message: str):
        super().__init__(f"{field}: {message} (got {value!r})")
        self.field = field
        self.value = value


def to_decimal(field: str, value) -> Decimal:
    """A finite number as Decimal; bools, strings such as 'HI' and NaN are rejected."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValidationError(field, value, "not a number")
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) cannot fail
        raise ValidationError(field, value, "not a number") from exc
    if not number.is_finite():
        raise ValidationError(field, value, "not a finite number")
    return number


def in_range(field: str, value, bounds, unit: str) -> Decimal:
    number = to_decimal(field, value)
    low, high = bounds
    if not low <= number <= high:
        raise ValidationError(field, value, f"outside {low}..{high} {unit}")
    return number


def validate_carbs(value) -> Decimal:
    """Carbohydrates 0..250 g, at most one decimal place."""
    carbs = in_range("carbs", value, CARBS_G, "g")
    if carbs != carbs.quantize(Decimal("0.1")):
        raise ValidationError("carbs", value, "more than one decimal place")
    return carbs


def validate_glucose(value, unit: GlucoseUnit) -> Decimal:
    """Blood glucose in the user's unit, returned in mg/dL; 20..600 mg/dL (1.1..33.3 mmol/L)."""
    number = to_decimal("glucose", value)
    mgdl = to_mgdl(number, unit)
    low, high = GLUCOSE_MGDL
    # Compare in the unit entered so that 1.1 and 33.3 mmol/L are accepted.
    if GlucoseUnit(unit) is GlucoseUnit.MMOLL:
        if not Decimal("1.1") <= number <= Decimal("33.3"):
            raise ValidationError("glucose", value, "outside 1.1..33.3 mmol/L")
    elif not low <= mgdl <= high:
        raise ValidationError("glucose", value, f"outside {low}..{high} mg/dL")
    return mgdl
