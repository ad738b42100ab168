"""TC-LOG-1: audit log content (REQ-LOG-1). The test_audit_* cases bind themselves to REQ-LOG-2
with a JUnit property "verifies" (record_property), without a test item."""
from decimal import Decimal as D

import pytest

from bolus import BolusRequest, calculate
from bolus.audit import AuditIntegrityError, AuditLog


@pytest.fixture
def log(settings, noon):
    log = AuditLog()
    for carbs, glucose in ((30, 210), (45, None), (0, 180)):
        request = BolusRequest(carbs_g=carbs, glucose=glucose, now=noon, glucose_measured_at=noon if glucose else None)
        log.record(request, settings, calculate(request, settings))
    return log


def test_log_records_inputs_settings_and_result(log):
    entry = log.entries[0]
    assert entry["inputs"] == {"carbs_g": "30", "glucose": "210", "glucose_unit": "mg/dL",
                               "glucose_measured_at_utc": "2026-11-16T11:00:00Z"}
    assert entry["settings"]["segment_start"] == "11:00"
    assert entry["settings"]["carb_ratio"] == "10"
    assert D(entry["result"]["recommended"]) == D("5.00")
    assert entry["alarms"] == []


def test_log_timestamps_are_utc_with_local_time_beside(log):
    entry = log.entries[0]
    assert entry["at_utc"] == "2026-11-16T11:00:00Z"
    assert entry["at_local"] == "2026-11-16T12:00:00+01:00"
    assert entry["timezone"] == "Europe/Berlin"


def test_log_one_entry_per_recommendation_in_order(log):
    assert [e["seq"] for e in log.entries] == [1, 2, 3]


def test_audit_chain_detects_altered_entry(log, record_property):
    record_property("verifies", "REQ-LOG-2")
    log.verify()
    entries = list(log.entries)
    entries[1]["result"]["recommended"] = "9.00"
    with pytest.raises(AuditIntegrityError) as error:
        log.verify(entries)
    assert error.value.seq == 2


def test_audit_chain_detects_removed_entry(log, record_property):
    record_property("verifies", "REQ-LOG-2")
    entries = list(log.entries)
    del entries[1]
    with pytest.raises(AuditIntegrityError):
        log.verify(entries)


def test_audit_entries_are_read_only(log, record_property):
    record_property("verifies", "REQ-LOG-2")
    log.entries[0]["result"]["recommended"] = "9.00"
    log.verify()
    assert log.entries[0]["result"]["recommended"] != "9.00"
