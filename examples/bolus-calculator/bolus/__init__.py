"""BolusCalc reference implementation.

A small, readable reference of the bolus calculator of the BolusCalc insulin
pump software (release 2.4.0). It is the executable specification used to
cross-check the embedded implementation: the pytest suite in ../tests
verifies the software requirements in ../../../sample-evidence.

Not for clinical use.
"""
from .calculator import BolusRequest, Recommendation, calculate
from .iob import Dose, fraction_remaining, insulin_on_board
from .rounding import round_down
from .settings import Segment, TherapySettings
from .units import GlucoseUnit, format_glucose, format_insulin, to_mgdl
from .validation import ValidationError

__version__ = "2.4.0"

__all__ = [
    "BolusRequest", "Recommendation", "calculate", "Dose", "fraction_remaining",
    "insulin_on_board", "round_down", "Segment", "TherapySettings", "GlucoseUnit",
    "format_glucose", "format_insulin", "to_mgdl", "ValidationError",
]
