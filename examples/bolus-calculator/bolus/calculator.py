"""The bolus recommendation (REQ-CARB-*, REQ-CORR-*, REQ-IOB-2, REQ-MAX-1, REQ-ALM-*, REQ-BG-1)."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Optional

from .iob import insulin_on_board
from .rounding import round_down
from .schedule import active_segment, require_aware
from .settings import Segment, TherapySettings
from .units import GlucoseUnit
from .validation import ValidationError, validate_carbs, validate_glucose

LOW_GLUCOSE_MGDL = Decimal("70")
HIGH_GLUCOSE_MGDL = Decimal("250")
GLUCOSE_MAX_AGE = timedelta(minutes=15)

LOW_GLUCOSE = "LOW_GLUCOSE"                  # REQ-ALM-1: treat the low, no bolus
HIGH_GLUCOSE_KETONES = "HIGH_GLUCOSE_CHECK_KETONES"  # REQ-ALM-2
STALE_GLUCOSE = "STALE_GLUCOSE"              # REQ-BG-1
MAX_BOLUS_LIMITED = "MAX_BOLUS_LIMITED"      # REQ-MAX-1


@dataclass(frozen=True)
class BolusRequest:
    carbs_g: object
    now: datetime
    glucose: Optional[object] = None
    glucose_unit: GlucoseUnit = GlucoseUnit.MGDL
    glucose_measured_at: Optional[datetime] = None


@dataclass(frozen=True)
class Recommendation:
    segment: Segment
    carb_bolus: Decimal
    correction_bolus: Decimal
    iob: Decimal
    iob_applied: Decimal
    total_unrounded: Decimal
    limited: bool
    recommended: Decimal
    glucose_mgdl: Optional[Decimal]
    alarms: tuple = field(default_factory=tuple)


def calculate(request: BolusRequest, settings: TherapySettings, history=()) -> Recommendation:
    """Recommend a bolus; raises ValidationError (and recommends nothing) on invalid input."""
    now = require_aware("now", request.now)
    carbs = validate_carbs(request.carbs_g)
    alarms = []

    glucose = None
    if request.glucose is not None:
        glucose = validate_glucose(request.glucose, request.glucose_unit)
        measured_at = require_aware("glucose_measured_at", request.glucose_measured_at or now)
        if measured_at > now + timedelta(minutes=1):
            raise ValidationError("glucose_measured_at", measured_at, "in the future")
        if now - measured_at > GLUCOSE_MAX_AGE:
            alarms.append(STALE_GLUCOSE)
            glucose = None

    segment = active_segment(settings, now)
    carb_bolus = carbs / Decimal(segment.carb_ratio)

    correction = Decimal("0")
    if glucose is not None:
        if glucose < LOW_GLUCOSE_MGDL:
            alarms.append(LOW_GLUCOSE)
        elif glucose > HIGH_GLUCOSE_MGDL:
            alarms.append(HIGH_GLUCOSE_KETONES)
        if glucose > segment.target_high:
            correction = (glucose - Decimal(segment.target_high)) / Decimal(segment.isf)
        elif glucose < segment.target_low:
            correction = (glucose - Decimal(segment.target_low)) / Decimal(segment.isf)

    iob = insulin_on_board(history, now, settings.dia_hours, settings.peak_minutes)
    iob_applied = Decimal("0")
    if correction > 0:
        iob_applied = min(iob, correction)
    net_correction = correction - iob_applied        # exactly 0 when IOB covers the correction
    total = max(Decimal("0"), carb_bolus + net_correction)

    limited = total > Decimal(settings.max_bolus)
    if limited:
        alarms.append(MAX_BOLUS_LIMITED)
        total_capped = Decimal(settings.max_bolus)
    else:
        total_capped = total

    recommended = round_down(total_capped, settings.increment)
    if LOW_GLUCOSE in alarms:
        recommended = round_down(Decimal("0"), settings.increment)

    return Recommendation(
        segment=segment, carb_bolus=carb_bolus, correction_bolus=correction, iob=iob,
        iob_applied=iob_applied, total_unrounded=total, limited=limited,
        recommended=recommended, glucose_mgdl=glucose, alarms=tuple(alarms))
