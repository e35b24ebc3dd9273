"""Reading screening answers, flags and the level from a tracker.

Shared by the screening, remedy and fallback actions so each reads the tracker the
same way. The clinical decisions themselves are in :mod:`actions.triage`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker

from actions import triage

TRIAGE_LEVEL_SLOT = "triage_level"
RED_FLAGS_SLOT = "red_flags"
REASKED_SLOT = "screen_reasked"


def screening_answers(tracker: Tracker) -> dict[str, str | None]:
    """The person's answer for every screening slot (``None`` while unanswered)."""
    return {slot: tracker.get_slot(slot) for slot in triage.SCREEN_SLOTS}


def reasked_flags(tracker: Tracker) -> list[str]:
    """Flags already asked about a second time after an unsure answer."""
    return list(tracker.get_slot(REASKED_SLOT) or [])


def current_level(tracker: Tracker) -> str | None:
    """The conversation's triage level so far, or ``None`` while it is unset."""
    return tracker.get_slot(TRIAGE_LEVEL_SLOT)


def flag_slot_updates(tracker: Tracker, counted: Iterable[str]) -> dict[str, Any]:
    """Slot values for ``red_flags`` and ``triage_level`` after ``counted`` flags.

    Flags already recorded stay recorded and the level only rises (contract: a later
    answer can raise the level, never lower it). Only changed slots are returned.
    """
    recorded = set(tracker.get_slot(RED_FLAGS_SLOT) or []) | set(counted)
    red_flags = [flag.id for flag in triage.RED_FLAGS if flag.id in recorded]
    level = triage.raised_level(current_level(tracker), red_flags)
    updates: dict[str, Any] = {}
    if red_flags != list(tracker.get_slot(RED_FLAGS_SLOT) or []):
        updates[RED_FLAGS_SLOT] = red_flags
    if level != current_level(tracker):
        updates[TRIAGE_LEVEL_SLOT] = level
    return updates
