"""Insulin on board with the exponential (curvilinear) action curve (REQ-IOB-1, REQ-IOB-3).

The curve is the exponential insulin model used by OpenAPS and Loop: with
duration of insulin action `dia` and activity peak `peak` (minutes),

    tau = peak * (1 - peak/dia) / (1 - 2*peak/dia)
    a   = 2*tau/dia
    S   = 1 / (1 - a + (1 + a) * exp(-dia/tau))
    IOB(t) = 1 - S*(1 - a)*((t^2/(tau*dia*(1 - a)) - t/tau - 1)*exp(-t/tau) + 1)

IOB(0) = 1 and IOB(dia) = 0. It replaces the linear decay of 2.3 (REQ-IOB-LIN, obsolete).
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sortedcontainers import SortedKeyList

from .schedule import require_aware
from .validation import ValidationError

IOB_QUANTUM = Decimal("0.001")
FUTURE_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class Dose:
    delivered_at: datetime   # aware; compared in UTC
    units: Decimal


def fraction_remaining(minutes: float, dia_minutes: float, peak_minutes: float = 75) -> float:
    """Fraction of a bolus still active `minutes` after delivery."""
    if minutes <= 0:
        return 1.0
    if minutes >= dia_minutes:
        return 0.0
    tau = peak_minutes * (1 - peak_minutes / dia_minutes) / (1 - 2 * peak_minutes / dia_minutes)
    a = 2 * tau / dia_minutes
    s = 1 / (1 - a + (1 + a) * math.exp(-dia_minutes / tau))
    t = minutes
    value = 1 - s * (1 - a) * ((t * t / (tau * dia_minutes * (1 - a)) - t / tau - 1) * math.exp(-t / tau) + 1)
    return min(1.0, max(0.0, value))


def insulin_on_board(history, now: datetime, dia_hours: Decimal, peak_minutes: int = 75) -> Decimal:
    """Units still active at `now` from the delivered boluses in `history`.

    Doses older than the duration of insulin action are ignored; a dose dated
    in the future (beyond one minute of clock tolerance) is rejected.
    """
    require_aware("now", now)
    doses = SortedKeyList(history, key=lambda dose: require_aware("delivered_at", dose.delivered_at))
    if doses and doses[-1].delivered_at > now + FUTURE_TOLERANCE:
        raise ValidationError("history", doses[-1].delivered_at, "bolus dated in the future")
    dia_minutes = float(dia_hours) * 60
    window_start = now - timedelta(minutes=dia_minutes)
    total = Decimal("0")
    for dose in doses.irange_key(window_start, now + FUTURE_TOLERANCE, inclusive=(False, True)):
        age = (now - dose.delivered_at).total_seconds() / 60
        fraction = fraction_remaining(age, dia_minutes, peak_minutes)
        total += Decimal(dose.units) * Decimal(repr(fraction))
    return total.quantize(IOB_QUANTUM)
