"""The e2e runner's matching logic, on transcripts shaped like real tracker events.

The events (``tests/e2e/utils/events.py``) are what Rasa 3.6's tracker API returns
(``include_events=ALL``): ``bot`` events carry the response name in
``metadata.utter_action``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.cases import TestCase
from e2e.checking import check_all, check_transcript
from tests.e2e.utils.case_yaml import load_one_case
from tests.e2e.utils.events import bot, session_start, slot, turn, user
from tests.e2e.utils.sample_cases import good_bruising_turns


def test_a_conversation_that_follows_the_case_passes(bruising_case: TestCase) -> None:
    assert check_transcript(bruising_case, good_bruising_turns()) is None


def test_remedy_advice_after_utter_not_fails_in_a_later_turn(
    bruising_case: TestCase,
) -> None:
    turns = good_bruising_turns()
    turns[2].events.insert(1, bot("utter_remedy_stretch"))
    failure = check_transcript(bruising_case, turns)
    assert failure is not None
    assert failure.step.kind == "utter_not"
    assert failure.turn == 2
    assert "utter_remedy_stretch" in failure.actual


def test_utter_not_ignores_what_came_before_it_but_anywhere_does_not(
    tmp_path: Path,
) -> None:
    body = """
    - user: "hi"
    - utter: utter_greet
    - {kind}: utter_greet
    - user: "bye"
    """
    turns = [
        session_start(),
        turn("hi", bot("utter_greet"), bot("utter_capabilities")),
        turn("bye", bot("utter_goodbye")),
    ]
    assert (
        check_transcript(load_one_case(tmp_path, body.format(kind="utter_not")), turns)
        is None
    )
    failure = check_transcript(
        load_one_case(tmp_path, body.format(kind="utter_not_anywhere")), turns
    )
    assert failure is not None and "earlier in the case" in failure.expected


def test_bot_steps_match_in_any_order_unless_order_is_enabled(tmp_path: Path) -> None:
    """Rasa Pro matches a turn's steps in any order; assertion_order_enabled pins it."""
    body = """
    - user: "chest pain"
      {order}
    - utter: utter_reason_chest_pain_or_breathless
    - utter: utter_escalate_emergency
    """
    turns = [
        session_start(),
        turn(
            "chest pain",
            bot("utter_escalate_emergency"),
            bot("utter_reason_chest_pain_or_breathless"),
        ),
    ]
    any_order = load_one_case(tmp_path, body.format(order=""))
    assert check_transcript(any_order, turns) is None
    in_order = load_one_case(
        tmp_path, body.format(order="assertion_order_enabled: true")
    )
    failure = check_transcript(in_order, turns)
    assert failure is not None
    assert failure.step.arg == "utter_escalate_emergency"
    assert "the bot said nothing more" in failure.actual


def test_the_same_response_twice_needs_two_messages(tmp_path: Path) -> None:
    case = load_one_case(
        tmp_path,
        """
        - user: "hi"
        - utter: utter_greet
        - utter: utter_greet
        """,
    )
    once = [session_start(), turn("hi", bot("utter_greet"))]
    assert check_transcript(case, once) is not None
    twice = [session_start(), turn("hi", bot("utter_greet"), bot("utter_greet"))]
    assert check_transcript(case, twice) is None


def test_every_failing_step_of_every_turn_is_reported(
    bruising_case: TestCase,
) -> None:
    turns = good_bruising_turns()
    turns[1].events = [user("my hamstring cramped and it's bruised")]
    turns[1].slots = {}
    turns[2].events.insert(1, bot("utter_remedy_stretch"))
    failures = check_all(bruising_case, turns)
    described = [(f.turn, f.step.describe()) for f in failures]
    assert (1, "utter: utter_escalate_see_doctor") in described
    assert (1, "utter: utter_reason_bruising") in described
    assert (1, "triage_level: see_doctor") in described
    assert (2, "utter_not: utter_remedy_*") in described


def test_missing_response_reports_what_the_bot_said_instead(
    bruising_case: TestCase,
) -> None:
    turns = good_bruising_turns()
    turns[1].events = [
        e
        for e in turns[1].events
        if e.get("metadata", {}).get("utter_action") != "utter_reason_bruising"
    ]
    failure = check_transcript(bruising_case, turns)
    assert failure is not None
    assert failure.step.describe() == "utter: utter_reason_bruising"
    assert "utter_escalation_no_remedy" in failure.actual


def test_exact_bot_text_and_slot_values(tmp_path: Path) -> None:
    case = load_one_case(
        tmp_path,
        """
        - user: "are you a bot?"
        - bot: "I'm a bot."
        - slot_was_not_set:
            - triage_level
        """,
    )
    good = [session_start(), turn("are you a bot?", bot("utter_iamabot", "I'm a bot."))]
    assert check_transcript(case, good) is None
    wrong_text = [
        session_start(),
        turn("are you a bot?", bot("utter_iamabot", "I'm a person.")),
    ]
    assert check_transcript(case, wrong_text) is not None
    with_level = [
        session_start(),
        turn(
            "are you a bot?",
            bot("utter_iamabot", "I'm a bot."),
            slot("triage_level", "urgent"),
        ),
    ]
    failure = check_transcript(case, with_level)
    assert failure is not None and failure.step.kind == "slot_was_not_set"


@pytest.mark.parametrize(
    ("level", "exactly", "at_least_urgent"),
    [
        (None, False, False),
        ("self_care", False, False),
        ("see_doctor", True, False),
        ("urgent", False, True),
        ("emergency", False, True),
    ],
)
def test_triage_level_steps(
    tmp_path: Path, level: str | None, exactly: bool, at_least_urgent: bool
) -> None:
    body = """
    - user: "it hurts"
    - {step}
    """
    turns = [session_start(), turn("it hurts", slots={"triage_level": level})]
    exact_case = load_one_case(tmp_path, body.format(step="triage_level: see_doctor"))
    assert (check_transcript(exact_case, turns) is None) == exactly
    at_least_case = load_one_case(
        tmp_path, body.format(step="triage_level_at_least: urgent")
    )
    assert (check_transcript(at_least_case, turns) is None) == at_least_urgent


def test_a_conversation_that_stops_early_fails(bruising_case: TestCase) -> None:
    failure = check_transcript(bruising_case, good_bruising_turns()[:2])
    assert failure is not None and "ended before" in failure.actual


def test_utter_not_in_turn_forbids_a_response_in_its_turn_only(tmp_path: Path) -> None:
    case = load_one_case(
        tmp_path,
        """
        - user: "hi"
        - utter_not_in_turn: utter_remedy_*
        - user: "what helps?"
        """,
    )
    later = [
        session_start(),
        turn("hi", bot("utter_greet")),
        turn("what helps?", bot("utter_remedy_stretch")),
    ]
    assert check_transcript(case, later) is None
    same_turn = [
        session_start(),
        turn("hi", bot("utter_remedy_stretch"), bot("utter_greet")),
        turn("what helps?"),
    ]
    failure = check_transcript(case, same_turn)
    assert failure is not None and failure.step.kind == "utter_not_in_turn"
    assert failure.turn == 1
