"""Local time and the active settings segment (REQ-SCHED-1, REQ-TZ-1)."""
from datetime import datetime

from .settings import Segment, TherapySettings
from .validation import ValidationError


def require_aware(field: str, moment: datetime) -> datetime:
    """Times are exchanged as aware datetimes (stored in UTC); naive ones are rejected."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(field, moment, "a date-time with a time zone is required")
    return moment


def local_time(settings: TherapySettings, moment: datetime) -> datetime:
    """The wall-clock time in the pump's configured IANA time zone, DST included."""
    require_aware("now", moment)
    return moment.astimezone(settings.zone)


def active_segment(settings: TherapySettings, moment: datetime) -> Segment:
    """The segment whose start is the latest at or before the local time of day."""
    clock = local_time(settings, moment).time().replace(tzinfo=None)
    chosen = settings.segments[0]
    for segment in settings.segments:
        if segment.start <= clock:
            chosen = segment
        else:
            break
    return chosen
