from datetime import datetime, time, timezone
from decimal import Decimal as D

import pytest
from dateutil import tz

from bolus import Segment, TherapySettings

BERLIN = tz.gettz("Europe/Berlin")


def segments():
    return (
        Segment(time(0, 0), D("12"), D("50"), D("100"), D("120")),   # night
        Segment(time(6, 0), D("8"), D("40"), D("90"), D("110")),     # breakfast
        Segment(time(11, 0), D("10"), D("45"), D("100"), D("120")),  # day
        Segment(time(22, 0), D("15"), D("60"), D("110"), D("140")),  # late evening
    )


def make_settings(**overrides):
    values = dict(segments=segments(), max_bolus=D("10"), increment=D("0.05"),
                  dia_hours=D("5"), timezone="Europe/Berlin")
    values.update(overrides)
    return TherapySettings(**values)


def berlin(text: str) -> datetime:
    """A Europe/Berlin wall-clock time 'YYYY-MM-DD HH:MM' as an aware UTC datetime."""
    local = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN)
    return local.astimezone(timezone.utc)


@pytest.fixture
def settings():
    return make_settings()


@pytest.fixture
def noon():
    return berlin("2026-11-16 12:00")
