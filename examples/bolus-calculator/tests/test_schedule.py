"""TC-SCHED-1: settings segments (REQ-SCHED-1); TC-TZ-1: time zones (REQ-TZ-1, REQ-TZ-2)."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from bolus import Dose, ValidationError, insulin_on_board
from bolus.schedule import active_segment, local_time
from conftest import berlin, make_settings


@pytest.mark.parametrize("clock, carb_ratio", [("00:00", "12"), ("05:59", "12"), ("06:00", "8"), ("10:59", "8"),
                                               ("11:00", "10"), ("21:59", "10"), ("22:00", "15"), ("23:59", "15")])
def test_schedule_segment_by_local_time(settings, clock, carb_ratio):
    assert active_segment(settings, berlin(f"2026-11-16 {clock}")).carb_ratio == D(carb_ratio)


def test_schedule_boundary_uses_new_segment(settings):
    """Regression test for ANOM-9: at exactly 06:00 the breakfast ISF applies."""
    segment = active_segment(settings, berlin("2026-11-16 06:00"))
    assert (segment.carb_ratio, segment.isf) == (D("8"), D("40"))


def test_schedule_last_segment_runs_to_midnight(settings):
    assert active_segment(settings, berlin("2026-11-16 23:30")).carb_ratio == D("15")
    assert active_segment(settings, berlin("2026-11-17 00:30")).carb_ratio == D("12")


def test_tz_local_time_from_configured_zone(settings):
    moment = datetime(2026, 11, 16, 5, 30, tzinfo=timezone.utc)         # 06:30 CET (UTC+1)
    assert local_time(settings, moment).strftime("%H:%M %z") == "06:30 +0100"
    assert active_segment(settings, moment).carb_ratio == D("8")
    tokyo = make_settings(timezone="Asia/Tokyo")                         # 14:30 JST
    assert active_segment(tokyo, moment).carb_ratio == D("10")


def test_tz_daylight_saving_time_switch(settings):
    before = datetime(2026, 3, 28, 4, 30, tzinfo=timezone.utc)          # 05:30 CET
    after = datetime(2026, 3, 29, 4, 30, tzinfo=timezone.utc)           # 06:30 CEST
    assert local_time(settings, before).strftime("%H:%M %z") == "05:30 +0100"
    assert local_time(settings, after).strftime("%H:%M %z") == "06:30 +0200"
    assert active_segment(settings, before).carb_ratio == D("12")
    assert active_segment(settings, after).carb_ratio == D("8")


def test_tz_naive_time_rejected(settings):
    with pytest.raises(ValidationError, match="time zone"):
        active_segment(settings, datetime(2026, 11, 16, 12, 0))


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", ""], ids=["unknown", "empty"])
def test_tz_unknown_zone_rejected(zone):
    with pytest.raises(ValidationError, match="timezone"):
        make_settings(timezone=zone)


def test_tz_iob_unchanged_by_time_zone_change():
    now = datetime(2026, 11, 16, 11, 0, tzinfo=timezone.utc)
    history = [Dose(now - timedelta(minutes=90), D("3"))]
    in_berlin = insulin_on_board(history, now.astimezone(make_settings().zone), D("5"))
    in_new_york = insulin_on_board(history, now.astimezone(make_settings(timezone="America/New_York").zone), D("5"))
    assert in_berlin == in_new_york == D("1.743")
