"""The red-flag table and the triage arithmetic, in plain Python.

This module is the clinical core of the assistant and deliberately imports nothing
from Rasa, so a clinician can read it and the tests can exercise it without a tracker.
It implements ``triage-contract.md``: four ordered levels, fourteen red flags, and the
rule that a conversation's level is the highest level any answer has called for.

Every red flag has one screening slot, ``screen_<flag id>``, holding one of the answer
values below. The screening asks the flags in :data:`RED_FLAGS` order (most urgent
first) and skips any question whose answer could no longer raise the level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Triage levels, least to most urgent (contract: slot ``triage_level``).
SELF_CARE = "self_care"
SEE_DOCTOR = "see_doctor"
URGENT = "urgent"
EMERGENCY = "emergency"
LEVELS: tuple[str, ...] = (SELF_CARE, SEE_DOCTOR, URGENT, EMERGENCY)

# Answer values of a screening slot.
PRESENT = "present"
ABSENT = "absent"
UNSURE = "unsure"
ANSWERS: tuple[str, ...] = (PRESENT, ABSENT, UNSURE)

SCREEN_SLOT_PREFIX = "screen_"


@dataclass(frozen=True)
class RedFlag:
    """One red flag of the contract: its id, its level and what it covers."""

    id: str
    level: str
    covers: str

    @property
    def slot(self) -> str:
        """Name of the screening slot that holds the person's answer for this flag."""
        return f"{SCREEN_SLOT_PREFIX}{self.id}"


# The contract's table, in the order the screening asks: most urgent first.
RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "chest_pain_or_breathless",
        EMERGENCY,
        "chest pain, shortness of breath, coughing blood",
    ),
    RedFlag(
        "cold_pale_leg",
        EMERGENCY,
        "leg or foot cold, pale, grey or blue, with severe pain",
    ),
    RedFlag(
        "cannot_bear_weight", URGENT, "cannot walk, stand on or put weight on the leg"
    ),
    RedFlag(
        "severe_persistent_pain",
        URGENT,
        "severe pain that has not eased after a few minutes",
    ),
    RedFlag(
        "warm_red_swollen_leg",
        URGENT,
        "one leg swollen and warm, red or darker, throbbing (possible clot)",
    ),
    RedFlag(
        "pop_or_injury",
        URGENT,
        "a pop, sudden tearing pain, a fall or a blow at the start",
    ),
    RedFlag(
        "dark_urine", URGENT, "dark, brown or cola-coloured urine after hard exercise"
    ),
    RedFlag("swelling", SEE_DOCTOR, "noticeable swelling of the back of the thigh"),
    RedFlag("bruising", SEE_DOCTOR, "bruising"),
    RedFlag("numbness_tingling", SEE_DOCTOR, "numbness, tingling, pins and needles"),
    RedFlag("weakness", SEE_DOCTOR, "the leg feels weak after the cramp"),
    RedFlag(
        "frequent_cramps",
        SEE_DOCTOR,
        "cramps often, again and again, at night, disrupting daily life",
    ),
    RedFlag(
        "risk_condition",
        SEE_DOCTOR,
        "diabetes, thyroid disorder, vascular disease, kidney disease",
    ),
    RedFlag(
        "risk_medication",
        SEE_DOCTOR,
        "diuretics or statins, or cramps after a new medicine",
    ),
)

# The residual-risk question, asked last and only when no flag has called for care:
# "Anything else about your leg or how you feel that worries you?" A reply that is
# not a clear no counts as present, so it never leads to remedy advice. It is the
# project's addition to the contract's table (not a contract flag, never detected in
# free text), and it is handled as one more screening item.
OTHER_CONCERN = RedFlag(
    "other_concern",
    SEE_DOCTOR,
    "anything else about the leg or how they feel that worries them",
)

# Everything the screening asks, in order: the contract's flags, then the residual.
SCREENING_ITEMS: tuple[RedFlag, ...] = (*RED_FLAGS, OTHER_CONCERN)

FLAGS_BY_ID: dict[str, RedFlag] = {flag.id: flag for flag in SCREENING_ITEMS}
FLAGS_BY_SLOT: dict[str, RedFlag] = {flag.slot: flag for flag in SCREENING_ITEMS}
SCREEN_SLOTS: tuple[str, ...] = tuple(flag.slot for flag in SCREENING_ITEMS)


def level_rank(level: str | None) -> int:
    """Position of ``level`` in :data:`LEVELS`; -1 for an unset level."""
    if level is None:
        return -1
    if level not in LEVELS:
        raise ValueError(f"unknown triage level: {level!r}")
    return LEVELS.index(level)


def highest_level(levels: Iterable[str | None]) -> str | None:
    """The most urgent of ``levels``, ignoring unset ones; ``None`` if all are unset."""
    best: str | None = None
    for level in levels:
        if level_rank(level) > level_rank(best):
            best = level
    return best


def counts_as_present(answer: str | None) -> bool:
    """Contract rule 3: an unsure answer counts as the flag being present."""
    return answer in (PRESENT, UNSURE)


def merge_answer(previous: str | None, new: str | None) -> str | None:
    """Combine a new answer for one flag with the one already recorded.

    A flag once reported (or left unsure) is never cleared by a later denial, so the
    level can only rise (contract: "never lower"). A later clear yes replaces an unsure
    answer; a later unsure does not weaken a yes.
    """
    if new is None:
        return previous
    if previous == PRESENT:
        return PRESENT
    if previous == UNSURE and new == ABSENT:
        return UNSURE
    return new


def reported_flags(answers: Mapping[str, str | None]) -> list[str]:
    """Ids of the flags whose screening answer counts as present, in table order.

    ``answers`` maps screening slot names (``screen_<id>``) to answer values.
    """
    return [
        flag.id for flag in SCREENING_ITEMS if counts_as_present(answers.get(flag.slot))
    ]


def confirmed_flags(
    answers: Mapping[str, str | None], *, reasked: Iterable[str]
) -> list[str]:
    """Ids of the flags that count now, in table order.

    A yes counts at once. An unsure answer counts once the flag has been asked about
    a second time (``reasked``) and the person is still unsure (rule 3); before that it
    is pending, and the screening asks once more.
    """
    asked_twice = set(reasked)
    return [
        flag.id
        for flag in SCREENING_ITEMS
        if answers.get(flag.slot) == PRESENT
        or (answers.get(flag.slot) == UNSURE and flag.id in asked_twice)
    ]


def level_of_flags(flag_ids: Iterable[str]) -> str | None:
    """The highest level called for by ``flag_ids``; ``None`` when there are none."""
    return highest_level(FLAGS_BY_ID[flag_id].level for flag_id in flag_ids)


def raised_level(current: str | None, flag_ids: Iterable[str]) -> str | None:
    """The conversation's level after ``flag_ids`` were reported: never below ``current``."""
    return highest_level([current, level_of_flags(flag_ids)])


def questions_still_needed(
    answers: Mapping[str, str | None], *, current_level: str | None = None
) -> list[str]:
    """Screening slots still to ask, most urgent first.

    A question is still needed while it is unanswered and its flag could raise the
    level above what the answers (and ``current_level``) already call for. Once an
    emergency flag is reported nothing more is asked; with no flag reported, every
    question is asked.
    """
    floor = level_rank(raised_level(current_level, reported_flags(answers)))
    return [
        flag.slot
        for flag in SCREENING_ITEMS
        if answers.get(flag.slot) is None and level_rank(flag.level) > floor
    ]


def form_slots(
    answers: Mapping[str, str | None], *, current_level: str | None = None
) -> list[str]:
    """The screening form's required slots: answered ones and those still needed.

    Answered slots stay in the list so their answers are validated; unanswered ones
    that can no longer raise the level are dropped, which ends the screening early.
    """
    needed = set(questions_still_needed(answers, current_level=current_level))
    return [
        flag.slot
        for flag in SCREENING_ITEMS
        if answers.get(flag.slot) is not None or flag.slot in needed
    ]


def screening_level(
    answers: Mapping[str, str | None], *, current_level: str | None = None
) -> str | None:
    """The level once screening has concluded, or ``None`` while questions remain.

    With every needed question answered and no flag present, the level is
    ``self_care``; otherwise it is the highest level of the reported flags, never below
    ``current_level``.
    """
    if questions_still_needed(answers, current_level=current_level):
        return None
    return raised_level(current_level, reported_flags(answers)) or SELF_CARE


def remedy_advice_allowed(
    answers: Mapping[str, str | None], *, current_level: str | None
) -> bool:
    """Contract rule 1: remedy advice only at ``self_care`` after a concluded screening."""
    return (
        current_level == SELF_CARE
        and screening_level(answers, current_level=current_level) == SELF_CARE
    )


@dataclass(frozen=True)
class Assessment:
    """Where a conversation stands: its level, its flags and the questions left.

    ``reported``: flags whose answer counts as present (an unsure answer included,
    rule 3), in table order. ``confirmed``: those that count at once (a yes, or an
    unsure answer given again after the second question). ``level``: the highest level
    of the reported flags, never below the level the conversation already had.
    ``remaining``: screening slots still needed, most urgent first.
    """

    reported: tuple[str, ...]
    confirmed: tuple[str, ...]
    level: str | None
    remaining: tuple[str, ...]
    current_level: str | None

    @property
    def concluded(self) -> bool:
        """No question that could raise the level is left."""
        return not self.remaining

    @property
    def final_level(self) -> str:
        """The level to tell the person now: unset means nothing called for care."""
        return self.level or SELF_CARE

    @property
    def escalates(self) -> bool:
        """Some answer calls for more than self-care."""
        return self.final_level != SELF_CARE

    @property
    def advice_allowed(self) -> bool:
        """Contract rule 1: remedy advice only at ``self_care`` after a concluded screening."""
        return self.current_level == SELF_CARE and self.concluded and not self.escalates


def assess(
    answers: Mapping[str, str | None],
    *,
    current_level: str | None = None,
    reasked: Iterable[str] = (),
) -> Assessment:
    """Assess the screening ``answers`` (slot name -> answer) once for an action."""
    reported = reported_flags(answers)
    return Assessment(
        reported=tuple(reported),
        confirmed=tuple(confirmed_flags(answers, reasked=reasked)),
        level=raised_level(current_level, reported),
        remaining=tuple(questions_still_needed(answers, current_level=current_level)),
        current_level=current_level,
    )
