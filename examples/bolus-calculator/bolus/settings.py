"""Therapy settings: time-of-day segments and limits (REQ-SCHED-1, REQ-VAL-3, REQ-MAX-2, REQ-TGT-1)."""
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from dateutil import tz

from .units import GlucoseUnit
from .validation import (CARB_RATIO_G_PER_U, DIA_HOURS, INCREMENTS_U, ISF_MGDL_PER_U,
                         MAX_BOLUS_U, TARGET_MGDL, ValidationError, in_range,
                         to_decimal)


@dataclass(frozen=True)
class Segment:
    """Settings that apply from `start` (local time) until the next segment starts."""
    start: time
    carb_ratio: Decimal      # g of carbohydrate covered by 1 U
    isf: Decimal             # mg/dL drop per 1 U
    target_low: Decimal      # mg/dL
    target_high: Decimal     # mg/dL

    def validate(self, index: int) -> None:
        where = f"segment[{index}]"
        in_range(f"{where}.carb_ratio", self.carb_ratio, CARB_RATIO_G_PER_U, "g/U")
        in_range(f"{where}.isf", self.isf, ISF_MGDL_PER_U, "mg/dL/U")
        low = in_range(f"{where}.target_low", self.target_low, TARGET_MGDL, "mg/dL")
        high = in_range(f"{where}.target_high", self.target_high, TARGET_MGDL, "mg/dL")
        if low > high:
            raise ValidationError(f"{where}.target_low", self.target_low, "above target_high")


@dataclass(frozen=True)
class TherapySettings:
    segments: tuple
    max_bolus: Decimal = Decimal("10")
    increment: Decimal = Decimal("0.05")
    dia_hours: Decimal = Decimal("5")
    peak_minutes: int = 75
    glucose_unit: GlucoseUnit = GlucoseUnit.MGDL
    timezone: str = "UTC"
    zone: object = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        self.validate()
        object.__setattr__(self, "zone", tz.gettz(self.timezone))

    def validate(self) -> None:
        """Reject the whole settings set if any value is out of range (nothing is saved)."""
        if not self.segments:
            raise ValidationError("segments", self.segments, "at least one segment is needed")
        if self.segments[0].start != time(0, 0):
            raise ValidationError("segments[0].start", self.segments[0].start, "the first segment must start at 00:00")
        for index, segment in enumerate(self.segments):
            segment.validate(index)
            if index and segment.start <= self.segments[index - 1].start:
                raise ValidationError(f"segment[{index}].start", segment.start, "segments must be in increasing start order")
        in_range("max_bolus", self.max_bolus, MAX_BOLUS_U, "U")
        in_range("dia_hours", self.dia_hours, DIA_HOURS, "h")
        if to_decimal("increment", self.increment) not in INCREMENTS_U:
            raise ValidationError("increment", self.increment, "must be 0.05 or 0.1 U")
        GlucoseUnit(self.glucose_unit)
        if not self.timezone or tz.gettz(self.timezone) is None:
            raise ValidationError("timezone", self.timezone, "unknown IANA time zone")
