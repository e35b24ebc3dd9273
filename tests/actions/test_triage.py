"""The red-flag table and the level arithmetic (actions/triage.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from actions import triage
from actions.triage import ABSENT, PRESENT, RED_FLAGS, UNSURE

CONTRACT_LEVELS = {
    "chest_pain_or_breathless": "emergency",
    "cold_pale_leg": "emergency",
    "cannot_bear_weight": "urgent",
    "severe_persistent_pain": "urgent",
    "warm_red_swollen_leg": "urgent",
    "pop_or_injury": "urgent",
    "dark_urine": "urgent",
    "swelling": "see_doctor",
    "bruising": "see_doctor",
    "numbness_tingling": "see_doctor",
    "weakness": "see_doctor",
    "frequent_cramps": "see_doctor",
    "risk_condition": "see_doctor",
    "risk_medication": "see_doctor",
}


def all_absent() -> dict[str, str]:
    return {flag.slot: ABSENT for flag in RED_FLAGS}


def test_table_matches_the_contract() -> None:
    assert {flag.id: flag.level for flag in RED_FLAGS} == CONTRACT_LEVELS
    assert triage.LEVELS == ("self_care", "see_doctor", "urgent", "emergency")


def test_flags_are_asked_most_urgent_first() -> None:
    ranks = [triage.level_rank(flag.level) for flag in RED_FLAGS]
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_each_flag_alone_sets_its_level(flag: triage.RedFlag) -> None:
    answers = {**all_absent(), flag.slot: PRESENT}
    assert triage.reported_flags(answers) == [flag.id]
    assert triage.screening_level(answers) == flag.level
    assert not triage.remedy_advice_allowed(answers, current_level=flag.level)


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_unsure_counts_as_present(flag: triage.RedFlag) -> None:
    answers = {**all_absent(), flag.slot: UNSURE}
    assert triage.screening_level(answers) == flag.level


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_unsure_is_pending_until_asked_once_more(flag: triage.RedFlag) -> None:
    answers = {flag.slot: UNSURE}
    assert triage.confirmed_flags(answers, reasked=[]) == []
    assert triage.confirmed_flags(answers, reasked=[flag.id]) == [flag.id]


def test_no_flag_concludes_at_self_care() -> None:
    answers = {**all_absent(), triage.OTHER_CONCERN.slot: ABSENT}
    assert triage.screening_level(answers) == "self_care"
    assert triage.remedy_advice_allowed(answers, current_level="self_care")


def test_the_residual_question_comes_last_and_only_without_a_flag() -> None:
    """Before any advice: "anything else that worries you?" (issue 10)."""
    assert triage.questions_still_needed(all_absent()) == [triage.OTHER_CONCERN.slot]
    assert triage.screening_level(all_absent()) is None
    assert not triage.remedy_advice_allowed(all_absent(), current_level="self_care")
    with_flag = {**all_absent(), "screen_bruising": PRESENT}
    assert triage.questions_still_needed(with_flag) == []
    assert triage.screening_level(with_flag) == "see_doctor"


def test_a_residual_concern_means_no_remedy_advice() -> None:
    answers = {**all_absent(), triage.OTHER_CONCERN.slot: PRESENT}
    assert triage.screening_level(answers) == "see_doctor"
    assert triage.reported_flags(answers) == ["other_concern"]
    assert not triage.remedy_advice_allowed(answers, current_level="see_doctor")


def test_screening_is_not_concluded_while_questions_remain() -> None:
    answers = all_absent()
    answers["screen_risk_medication"] = None
    assert triage.screening_level(answers) is None
    assert not triage.remedy_advice_allowed(answers, current_level="self_care")


def test_combination_takes_the_highest_level() -> None:
    answers = {
        **all_absent(),
        "screen_bruising": PRESENT,
        "screen_dark_urine": PRESENT,
        "screen_numbness_tingling": UNSURE,
    }
    assert triage.screening_level(answers) == "urgent"
    assert triage.reported_flags(answers) == [
        "dark_urine",
        "bruising",
        "numbness_tingling",
    ]


@pytest.mark.parametrize("current", triage.LEVELS)
@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_level_is_never_lowered(current: str, flag: triage.RedFlag) -> None:
    raised = triage.raised_level(current, [flag.id])
    assert triage.level_rank(raised) >= triage.level_rank(current)
    assert triage.level_rank(raised) >= triage.level_rank(flag.level)
    answers = {**all_absent(), flag.slot: PRESENT}
    concluded = triage.screening_level(answers, current_level=current)
    assert triage.level_rank(concluded) >= triage.level_rank(current)


def test_a_later_denial_does_not_clear_a_flag() -> None:
    assert triage.merge_answer(PRESENT, ABSENT) == PRESENT
    assert triage.merge_answer(UNSURE, ABSENT) == UNSURE
    assert triage.merge_answer(PRESENT, UNSURE) == PRESENT
    assert triage.merge_answer(UNSURE, PRESENT) == PRESENT
    assert triage.merge_answer(None, ABSENT) == ABSENT
    assert triage.merge_answer(ABSENT, PRESENT) == PRESENT


def test_emergency_flag_ends_the_questions() -> None:
    answers = {"screen_cold_pale_leg": PRESENT}
    assert triage.questions_still_needed(answers) == []
    assert triage.screening_level(answers) == "emergency"


def test_see_doctor_flag_still_asks_the_more_urgent_questions() -> None:
    answers = {"screen_bruising": PRESENT}
    needed = triage.questions_still_needed(answers)
    assert needed == [
        flag.slot for flag in RED_FLAGS if flag.level in ("emergency", "urgent")
    ]
    assert triage.form_slots(answers)[-1] == "screen_bruising"


def test_without_answers_every_question_is_asked_in_table_order() -> None:
    assert triage.questions_still_needed({}) == list(triage.SCREEN_SLOTS)


def test_unknown_level_is_an_error() -> None:
    with pytest.raises(ValueError):
        triage.level_rank("soon")


def test_triage_module_imports_nothing_from_rasa() -> None:
    code = (
        "import sys, actions.triage; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_assess_gives_level_flags_and_remaining_questions_at_once() -> None:
    """One call tells an action everything it needs, in table order."""
    answers = {**all_absent(), "screen_bruising": PRESENT}
    answers["screen_numbness_tingling"] = UNSURE
    assessment = triage.assess(answers, current_level=None, reasked=[])
    assert assessment.reported == ("bruising", "numbness_tingling")
    assert assessment.confirmed == ("bruising",)
    assert assessment.level == triage.SEE_DOCTOR
    assert assessment.concluded and assessment.escalates
    assert not assessment.advice_allowed


def test_assess_allows_advice_only_after_a_concluded_clear_screening() -> None:
    """Rule 1: self-care level, no question left, nothing reported."""
    everything_no = {**all_absent(), triage.OTHER_CONCERN.slot: ABSENT}
    clear = triage.assess(everything_no, current_level=triage.SELF_CARE)
    assert clear.advice_allowed and clear.final_level == triage.SELF_CARE
    unfinished = triage.assess({}, current_level=triage.SELF_CARE)
    assert not unfinished.concluded and not unfinished.advice_allowed
    assert unfinished.remaining[0] == "screen_chest_pain_or_breathless"
    raised = triage.assess(everything_no, current_level=triage.URGENT)
    assert raised.escalates and not raised.advice_allowed
