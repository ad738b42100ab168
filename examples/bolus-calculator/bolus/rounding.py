"""Rounding to the pump's delivery increment (REQ-RND-1, REQ-RND-2)."""
from decimal import ROUND_FLOOR, Decimal


def round_down(units: Decimal, increment: Decimal) -> Decimal:
    """Round an insulin amount DOWN to a multiple of the delivery increment.

    Decimal arithmetic only: 0.35 U at 0.05 U stays 0.35 U (a binary float
    would give 0.34999... and lose an increment).
    """
    units = Decimal(units)
    increment = Decimal(increment)
    if units <= 0:
        return Decimal("0").quantize(increment)
    steps = (units / increment).to_integral_value(rounding=ROUND_FLOOR)
    return (steps * increment).quantize(increment)
