"""Rasa Pro's ``assertions`` in the runner, each shown passing and failing.

Matching is tested on transcripts shaped like Rasa 3.6 tracker events
(``tests/e2e/utils/events.py``), so these tests need no model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.cases import CaseFileError
from e2e.checking import check_all
from tests.e2e.utils.case_yaml import load_cases, one_case
from tests.e2e.utils.events import session_start
from tests.e2e.utils.sample_cases import ALL_ASSERTIONS, BUTTONS, bruising_answer_turn


def test_every_assertion_type_passes_on_a_turn_that_matches(tmp_path: Path) -> None:
    case = load_cases(tmp_path, ALL_ASSERTIONS).cases[0]
    assert case.uses_assertions
    kinds = [a.kind for a in case.steps[0].assertions or ()]
    assert kinds == [
        "action_executed",
        "slot_was_set",
        "slot_was_set",
        "slot_was_not_set",
        "slot_was_not_set",
        "bot_uttered",
        "bot_did_not_utter",
    ]
    assert check_all(case, [session_start(), bruising_answer_turn()]) == []


# How each assertion of ALL_ASSERTIONS is made false, by the assertion that must then
# be the only one failing: (a line of the file, what it becomes).
BREAKING_EDITS = {
    "action_executed": [
        ("action_executed: action_record_red_flags", "action_executed: action_x")
    ],
    "slot_was_set": [("value: present", "value: absent")],
    "slot_was_not_set": [
        ("name: screen_chest_pain", "name: screen_bruising"),
        ("value: self_care", "value: see_doctor"),
    ],
    "bot_uttered": [
        ("utter_name: utter_ask_chest_pain", "utter_name: utter_ask_bruising"),
        ('text_matches: "chest pain"', 'text_matches: "^chest"'),
        ('payload: "/deny"', 'payload: "/no"'),
    ],
    "bot_did_not_utter": [
        ("utter_name: utter_remedy_stretch", "utter_name: utter_ask_chest_pain"),
        ('text_matches: "(?i)stretch"', 'text_matches: "(?i)CHEST"'),
    ],
}


@pytest.mark.parametrize(
    ("old", "new", "failing"),
    [
        (old, new, failing)
        for failing, edits in BREAKING_EDITS.items()
        for old, new in edits
    ],
)
def test_each_assertion_type_fails_when_the_turn_differs(
    tmp_path: Path, old: str, new: str, failing: str
) -> None:
    assert old in ALL_ASSERTIONS
    case = load_cases(tmp_path, ALL_ASSERTIONS.replace(old, new, 1)).cases[0]
    failures = check_all(case, [session_start(), bruising_answer_turn()])
    assert [f.step.kind for f in failures] == [failing]
    assert failures[0].step.where.endswith(tuple(f":{n}" for n in range(5, 30)))


def test_bot_uttered_buttons_must_all_be_there(tmp_path: Path) -> None:
    case = load_cases(tmp_path, ALL_ASSERTIONS).cases[0]
    one_button = bruising_answer_turn(buttons=BUTTONS[:1])
    failures = check_all(case, [session_start(), one_button])
    assert [f.step.kind for f in failures] == ["bot_uttered"]


def test_every_failing_assertion_of_a_turn_is_reported(tmp_path: Path) -> None:
    body = ALL_ASSERTIONS.replace("value: present", "value: absent").replace(
        "action_executed: action_record_red_flags", "action_executed: action_x"
    )
    case = load_cases(tmp_path, body).cases[0]
    failures = check_all(case, [session_start(), bruising_answer_turn()])
    assert [f.step.kind for f in failures] == ["action_executed", "slot_was_set"]
    assert all(f.turn == 1 for f in failures)


def test_assertion_order_enabled_checks_the_order_written(tmp_path: Path) -> None:
    body = one_case(
        """
        - user: "bruising"
          assertion_order_enabled: {flag}
          assertions:
            - bot_uttered:
                utter_name: utter_ask_chest_pain
            - slot_was_set:
                - name: triage_level
                  value: see_doctor
        """
    )
    turns = [session_start(), bruising_answer_turn()]
    unordered = load_cases(tmp_path, body.format(flag="false")).cases[0]
    assert check_all(unordered, turns) == []
    ordered = load_cases(tmp_path, body.format(flag="true")).cases[0]
    failures = check_all(ordered, turns)
    assert [f.step.kind for f in failures] == ["slot_was_set"]
    assert "after the event" in failures[0].expected


GREETED = "- bot_uttered: {utter_name: utter_greet}"


@pytest.mark.parametrize(
    ("assertions", "then", "message"),
    [
        (
            "- flow_started: booking",
            "",
            r"cases.yml:7: 'flow_started' needs Rasa Pro's flows",
        ),
        ("- bot_said: hello", "", r"cases.yml:7: unknown assertion 'bot_said'"),
        ("- bot_uttered: {utter: utter_greet}", "", "unknown key.*utter"),
        ("- bot_uttered: {text_matches: '('}", "", "not a regular expression"),
        ("- slot_was_set: [triage_level]", "", r"items are '- name: slot'"),
        ("- action_executed:", "", "takes an action name"),
        # Classic steps beside assertions: Rasa Pro would ignore them.
        (GREETED, "- utter: utter_greet", "Rasa Pro ignores its 'utter:' steps"),
        (
            GREETED,
            "- slot_was_set: [triage_level]",
            "ignores its 'slot_was_set:' steps",
        ),
    ],
)
def test_wrong_assertions_and_steps_beside_them_are_errors_with_file_and_line(
    tmp_path: Path, assertions: str, then: str, message: str
) -> None:
    body = one_case(f'- user: "hi"\n  assertions:\n    {assertions}\n{then}')
    with pytest.raises(CaseFileError, match=message):
        load_cases(tmp_path, body)
