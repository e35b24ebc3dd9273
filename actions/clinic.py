"""The clinic's contact details, read from the environment with sensible defaults.

A clinic deploys the assistant by setting these variables for the action server; no
code changes. The values reach every response through slots set at session start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass

DEFAULTS: dict[str, str] = {
    "CLINIC_NAME": "the clinic",
    "CLINIC_PHONE": "the number on its website",
    "CLINIC_BOOKING_URL": "the clinic's website",
    "EMERGENCY_NUMBER": "your local emergency number",
}


@dataclass(frozen=True)
class ClinicConfig:
    """Contact details shown to the person; field names are the slot names."""

    clinic_name: str
    clinic_phone: str
    clinic_booking_url: str
    emergency_number: str

    def as_slots(self) -> dict[str, str]:
        """The details as a mapping of slot name to value."""
        return asdict(self)


def load_clinic_config(environ: Mapping[str, str] | None = None) -> ClinicConfig:
    """Read the clinic's details from ``environ`` (default: the process environment).

    Unset or blank variables fall back to :data:`DEFAULTS`.
    """
    env = os.environ if environ is None else environ

    def value(name: str) -> str:
        return (env.get(name) or "").strip() or DEFAULTS[name]

    return ClinicConfig(
        clinic_name=value("CLINIC_NAME"),
        clinic_phone=value("CLINIC_PHONE"),
        clinic_booking_url=value("CLINIC_BOOKING_URL"),
        emergency_number=value("EMERGENCY_NUMBER"),
    )
