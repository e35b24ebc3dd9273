"""The e2e runner's matching logic, on transcripts shaped like real tracker events.

The events below are what Rasa 3.6's tracker API returns (``include_events=ALL``):
``bot`` events carry the response name in ``metadata.utter_action``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from e2e.case_files import load_suite
from e2e.cases import CaseFileError, TestCase
from e2e.checking import check_all, check_transcript
from e2e.report import console_summary, write_html, write_junit
from e2e.runner import CaseResult, SuiteResult
from e2e.transcript import Turn, split_new_events
from tests.e2e.utils.case_yaml import one_case, write_cases


def user(text: str, intent: str = "report_cramp") -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.97}},
    }


def bot(response: str, text: str = "") -> dict[str, Any]:
    return {
        "event": "bot",
        "text": text or f"text of {response}",
        "data": {"buttons": None},
        "metadata": {"utter_action": response},
    }


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


SESSION = [
    action("action_session_start"),
    {"event": "session_started"},
    action("action_listen"),
]


def load_case(
    tmp_path: Path, steps: str, fixtures: dict[str, dict[str, Any]] | None = None
) -> TestCase:
    """The case of a file with one case (:func:`one_case`) and these ``steps``."""
    (case,) = load_suite(
        [write_cases(tmp_path, one_case(steps, fixtures=fixtures))]
    ).cases
    return case


def turn(
    text: str, *events: dict[str, Any], slots: dict[str, Any] | None = None
) -> Turn:
    return Turn(
        user=text,
        events=[user(text), *events, action("action_listen")],
        slots=slots or {},
    )


@pytest.fixture
def bruising_case(tmp_path: Path) -> TestCase:
    return load_case(
        tmp_path,
        """
        - user: "my hamstring cramped and it's bruised"
        - utter: utter_escalate_see_doctor
        - utter: utter_reason_bruising
        - slot_was_set:
            - triage_level: see_doctor
            - red_flags
        - triage_level: see_doctor
        - utter_not: utter_remedy_*
        - user: "what should I do for the cramp?"
        - triage_level_at_least: see_doctor
        """,
    )


def good_bruising_turns() -> list[Turn]:
    return [
        Turn(user=None, events=list(SESSION)),
        turn(
            "my hamstring cramped and it's bruised",
            slot("screen_bruising", "present"),
            slot("red_flags", ["bruising"]),
            slot("triage_level", "see_doctor"),
            bot("utter_escalate_see_doctor"),
            bot("utter_reason_bruising"),
            bot("utter_escalation_no_remedy"),
            slots={"triage_level": "see_doctor"},
        ),
        turn(
            "what should I do for the cramp?",
            bot("utter_escalate_see_doctor"),
            slots={"triage_level": "see_doctor"},
        ),
    ]


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
        Turn(user=None, events=list(SESSION)),
        turn("hi", bot("utter_greet"), bot("utter_capabilities")),
        turn("bye", bot("utter_goodbye")),
    ]
    assert (
        check_transcript(load_case(tmp_path, body.format(kind="utter_not")), turns)
        is None
    )
    failure = check_transcript(
        load_case(tmp_path, body.format(kind="utter_not_anywhere")), turns
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
        Turn(user=None, events=list(SESSION)),
        turn(
            "chest pain",
            bot("utter_escalate_emergency"),
            bot("utter_reason_chest_pain_or_breathless"),
        ),
    ]
    any_order = load_case(tmp_path, body.format(order=""))
    assert check_transcript(any_order, turns) is None
    in_order = load_case(tmp_path, body.format(order="assertion_order_enabled: true"))
    failure = check_transcript(in_order, turns)
    assert failure is not None
    assert failure.step.arg == "utter_escalate_emergency"
    assert "the bot said nothing more" in failure.actual


def test_the_same_response_twice_needs_two_messages(tmp_path: Path) -> None:
    case = load_case(
        tmp_path,
        """
        - user: "hi"
        - utter: utter_greet
        - utter: utter_greet
        """,
    )
    once = [Turn(user=None, events=list(SESSION)), turn("hi", bot("utter_greet"))]
    assert check_transcript(case, once) is not None
    twice = [
        Turn(user=None, events=list(SESSION)),
        turn("hi", bot("utter_greet"), bot("utter_greet")),
    ]
    assert check_transcript(case, twice) is None


def test_every_failing_step_of_every_turn_is_reported(
    bruising_case: TestCase,
) -> None:
    from e2e.checking import check_all

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
    case = load_case(
        tmp_path,
        """
        - user: "are you a bot?"
        - bot: "I'm a bot."
        - slot_was_not_set:
            - triage_level
        """,
    )
    good = [
        Turn(user=None, events=list(SESSION)),
        turn("are you a bot?", bot("utter_iamabot", "I'm a bot.")),
    ]
    assert check_transcript(case, good) is None
    wrong_text = [
        Turn(user=None, events=list(SESSION)),
        turn("are you a bot?", bot("utter_iamabot", "I'm a person.")),
    ]
    assert check_transcript(case, wrong_text) is not None
    with_level = [
        Turn(user=None, events=list(SESSION)),
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
    turns = [
        Turn(user=None, events=list(SESSION)),
        turn("it hurts", slots={"triage_level": level}),
    ]
    exact_case = load_case(tmp_path, body.format(step="triage_level: see_doctor"))
    assert (check_transcript(exact_case, turns) is None) == exactly
    at_least_case = load_case(
        tmp_path, body.format(step="triage_level_at_least: urgent")
    )
    assert (check_transcript(at_least_case, turns) is None) == at_least_urgent


def test_a_conversation_that_stops_early_fails(bruising_case: TestCase) -> None:
    failure = check_transcript(bruising_case, good_bruising_turns()[:2])
    assert failure is not None and "ended before" in failure.actual


def test_session_start_events_are_not_the_answer_to_a_message() -> None:
    before, after = split_new_events([*SESSION, user("hi"), bot("utter_greet")])
    assert [e["event"] for e in before] == ["action", "session_started", "action"]
    assert after[0]["event"] == "user"


def test_fixtures_long_messages_and_file_errors(tmp_path: Path) -> None:
    case = load_case(
        tmp_path,
        """
        - user: "ab"
          repeat: 5000
        """,
        fixtures={
            "clinic": {"clinic_name": "Riverside", "clinic_phone": "+1 555 0100"}
        },
    )
    assert case.fixtures[0].slots == {
        "clinic_name": "Riverside",
        "clinic_phone": "+1 555 0100",
    }
    assert len(case.steps[0].user_text) == 10_000

    bad = tmp_path / "bad.yml"
    bad.write_text(
        "test_cases:\n  - test_case: x\n    steps:\n      - user: hi\n      - uter: utter_greet\n"
    )
    with pytest.raises(CaseFileError, match=r"bad.yml:5: a step needs exactly one of"):
        load_suite([bad])
    bad.write_text(
        "test_cases:\n  - test_case: x\n    steps:\n      - user: hi\n      - triage_level: urgentish\n"
    )
    with pytest.raises(CaseFileError, match="unknown triage level"):
        load_suite([bad])
    bad.write_text(
        "test_cases:\n  - test_case: x\n    fixtures: [nope]\n    steps:\n      - user: hi\n"
    )
    with pytest.raises(CaseFileError, match="unknown fixture"):
        load_suite([bad])


def test_reports_escape_text_and_end_with_the_counts(
    tmp_path: Path, bruising_case: TestCase
) -> None:
    turns = good_bruising_turns()
    turns[1].events.append(
        bot("utter_remedy_stretch", "<script>alert(1)</script> & more")
    )
    failing = CaseResult(case=bruising_case, sender="e2e-x", turns=turns)
    failing.failures = check_all(bruising_case, turns)
    passing = CaseResult(
        case=bruising_case, sender="e2e-y", turns=good_bruising_turns()
    )
    suite = SuiteResult(
        results=[passing, failing], seconds=1.5, url="http://127.0.0.1:5205"
    )

    summary = console_summary(suite)
    assert summary.splitlines()[-1] == "1 passed, 1 failed"
    assert "utter_not: utter_remedy_*" in summary
    assert "transcript:" in summary

    html_path = tmp_path / "report.html"
    write_html(suite, html_path)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page

    junit_path = tmp_path / "junit.xml"
    write_junit(suite, junit_path)
    root = ET.parse(junit_path).getroot()
    assert root.get("tests") == "2" and root.get("failures") == "1"
    assert len(root.findall(".//failure")) == 1
    # The failing turn is numbered in the console and marked in the HTML.
    assert "[turn 1]" in summary
    assert "failed step in turn 1" in summary
    assert page.count("failed-turn") == 2  # the CSS rule and the one failing turn
    assert "turn 1 — failed here" in page


def test_new_events_are_found_after_the_tracker_drops_an_old_session() -> None:
    """After a restart Rasa keeps only the latest session: positions shift, times do not."""
    from e2e.runner import _Seen

    seen = _Seen()
    first = [
        {**e, "timestamp": float(i)}
        for i, e in enumerate([*SESSION, user("restart"), bot("utter_restart")])
    ]
    assert len(seen.new(first)) == len(first)
    later_session = [
        {**action("action_session_start"), "timestamp": 10.0},
        {**user("what causes cramps?", "ask_causes"), "timestamp": 11.0},
        {**bot("utter_causes"), "timestamp": 12.0},
    ]
    fresh = seen.new(later_session)
    assert [e["event"] for e in fresh] == ["action", "user", "bot"]
    assert seen.new(later_session) == []


def test_fixture_option_overrides_slots_of_a_fixture(tmp_path: Path) -> None:
    from e2e.cli import _parse_fixture

    path = tmp_path / "cases.yml"
    path.write_text(
        "fixtures:\n  - clinic:\n      - clinic_name: A\n      - clinic_phone: '1'\n"
        "test_cases:\n  - test_case: x\n    fixtures: [clinic]\n    steps:\n      - user: hi\n",
        encoding="utf-8",
    )
    name, slots = _parse_fixture('clinic={clinic_phone: "+1 555 0100"}')
    suite = load_suite([path], fixture_overrides={name: slots})
    assert suite.cases[0].fixtures[0].slots == {
        "clinic_name": "A",
        "clinic_phone": "+1 555 0100",
    }


def test_utter_not_in_turn_forbids_a_response_in_its_turn_only(tmp_path: Path) -> None:
    case = load_case(
        tmp_path,
        """
        - user: "hi"
        - utter_not_in_turn: utter_remedy_*
        - user: "what helps?"
        """,
    )
    later = [
        Turn(user=None, events=list(SESSION)),
        turn("hi", bot("utter_greet")),
        turn("what helps?", bot("utter_remedy_stretch")),
    ]
    assert check_transcript(case, later) is None
    same_turn = [
        Turn(user=None, events=list(SESSION)),
        turn("hi", bot("utter_remedy_stretch"), bot("utter_greet")),
        turn("what helps?"),
    ]
    failure = check_transcript(case, same_turn)
    assert failure is not None and failure.step.kind == "utter_not_in_turn"
    assert failure.turn == 1
