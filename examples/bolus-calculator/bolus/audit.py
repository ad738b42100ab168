"""Audit log of recommendations (REQ-LOG-1, REQ-LOG-2): append-only, hash-chained."""
import hashlib
import json
from copy import deepcopy
from datetime import datetime, timezone

from .calculator import BolusRequest, Recommendation
from .schedule import local_time, require_aware
from .settings import TherapySettings
from .units import GlucoseUnit

GENESIS = "0" * 64


class AuditIntegrityError(Exception):
    def __init__(self, seq: int, message: str):
        super().__init__(f"audit entry {seq}: {message}")
        self.seq = seq


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _utc(moment: datetime) -> str:
    return require_aware("at", moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class AuditLog:
    def __init__(self):
        self._entries = []

    @property
    def entries(self) -> tuple:
        """Copies of the entries: the log itself can only be appended to."""
        return tuple(deepcopy(self._entries))

    def record(self, request: BolusRequest, settings: TherapySettings, result: Recommendation) -> dict:
        """Append one entry for a recommendation and return (a copy of) it."""
        segment = result.segment
        entry = {
            "seq": len(self._entries) + 1,
            "at_utc": _utc(request.now),
            "at_local": local_time(settings, request.now).isoformat(),
            "timezone": settings.timezone,
            "inputs": {
                "carbs_g": str(request.carbs_g),
                "glucose": None if request.glucose is None else str(request.glucose),
                "glucose_unit": GlucoseUnit(request.glucose_unit).value,
                "glucose_measured_at_utc": None if request.glucose_measured_at is None else _utc(request.glucose_measured_at),
            },
            "settings": {
                "segment_start": segment.start.strftime("%H:%M"),
                "carb_ratio": str(segment.carb_ratio),
                "isf": str(segment.isf),
                "target_low": str(segment.target_low),
                "target_high": str(segment.target_high),
                "max_bolus": str(settings.max_bolus),
                "increment": str(settings.increment),
                "dia_hours": str(settings.dia_hours),
            },
            "result": {
                "carb_bolus": str(result.carb_bolus),
                "correction_bolus": str(result.correction_bolus),
                "iob": str(result.iob),
                "iob_applied": str(result.iob_applied),
                "limited": result.limited,
                "recommended": str(result.recommended),
            },
            "alarms": list(result.alarms),
            "prev": self._entries[-1]["hash"] if self._entries else GENESIS,
        }
        entry["hash"] = hashlib.sha256(_canonical(entry)).hexdigest()
        self._entries.append(entry)
        return deepcopy(entry)

    def verify(self, entries=None) -> None:
        """Raise AuditIntegrityError at the first entry that was altered, removed or reordered."""
        prev = GENESIS
        for position, entry in enumerate(self._entries if entries is None else entries, start=1):
            body = {k: v for k, v in entry.items() if k != "hash"}
            if entry.get("seq") != position:
                raise AuditIntegrityError(position, "sequence number out of order")
            if entry.get("prev") != prev:
                raise AuditIntegrityError(position, "chain broken")
            if hashlib.sha256(_canonical(body)).hexdigest() != entry.get("hash"):
                raise AuditIntegrityError(position, "content altered")
            prev = entry["hash"]
