"""Glucose units (REQ-UNIT-1) and display formatting (REQ-UI-2)."""
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

#: mg/dL per mmol/L for glucose (molar mass 180.16 g/mol).
MGDL_PER_MMOLL = Decimal("18.016")


class GlucoseUnit(str, Enum):
    MGDL = "mg/dL"
    MMOLL = "mmol/L"


def to_mgdl(value: Decimal, unit: GlucoseUnit) -> Decimal:
    """Convert a glucose value to mg/dL, the internal unit, without rounding."""
    unit = GlucoseUnit(unit)
    value = Decimal(value)
    return value * MGDL_PER_MMOLL if unit is GlucoseUnit.MMOLL else value


def from_mgdl(value_mgdl: Decimal, unit: GlucoseUnit) -> Decimal:
    """Convert mg/dL to the display unit: whole mg/dL, or mmol/L to 0.1."""
    unit = GlucoseUnit(unit)
    value_mgdl = Decimal(value_mgdl)
    if unit is GlucoseUnit.MMOLL:
        return (value_mgdl / MGDL_PER_MMOLL).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return value_mgdl.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def format_glucose(value_mgdl: Decimal, unit: GlucoseUnit) -> str:
    """A glucose value for display, always with its unit."""
    unit = GlucoseUnit(unit)
    return f"{from_mgdl(value_mgdl, unit)} {unit.value}"


def format_insulin(units: Decimal) -> str:
    """An insulin amount for display, to 0.05 U resolution, always with 'U'."""
    return f"{Decimal(units).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} U"
