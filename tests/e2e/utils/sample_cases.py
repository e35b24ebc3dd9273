"""Case files and the conversations they match, shared by several runner test modules.

Two conversations about bruising:

* a volunteered bruise (:data:`BRUISED_CRAMP_STEPS`, matched by
  :func:`good_bruising_turns`): the classic steps and the triage steps;
* a bruise given as a screening answer (:data:`ALL_ASSERTIONS`, matched by
  :func:`bruising_answer_turn`): every Rasa Pro assertion type on one turn.

:data:`STUBS` stubs a custom action for a file and for one of its cases;
:data:`METADATA` gives a case and one of its steps named metadata.
"""

from __future__ import annotations

from e2e.transcript import Turn
from tests.e2e.utils.case_yaml import one_case
from tests.e2e.utils.events import action, bot, session_start, slot, turn

BRUISED_CRAMP_STEPS = """
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
"""


def good_bruising_turns() -> list[Turn]:
    """The conversation :data:`BRUISED_CRAMP_STEPS` describes, turn by turn."""
    return [
        session_start(),
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


BUTTONS = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
]


def bruising_answer_turn(*, buttons: list[dict[str, str]] | None = None) -> Turn:
    """A turn where bruising raised the level and the next question was asked."""
    return turn(
        "bruising",
        action("action_record_red_flags"),
        slot("screen_bruising", "present"),
        slot("triage_level", "see_doctor"),
        action("screening_form"),
        bot(
            "utter_ask_chest_pain",
            "Do you have chest pain right now?",
            buttons=BUTTONS if buttons is None else buttons,
        ),
        slots={"triage_level": "see_doctor"},
    )


ALL_ASSERTIONS = one_case(
    """
    - user: "bruising"
      assertions:
        - action_executed: action_record_red_flags
        - slot_was_set:
            - name: screen_bruising
              value: present
            - name: triage_level
        - slot_was_not_set:
            - name: screen_chest_pain
            - name: triage_level
              value: self_care
        - bot_uttered:
            utter_name: utter_ask_chest_pain
            text_matches: "chest pain"
            buttons:
              - title: "Yes"
                payload: "/affirm"
              - title: "No"
                payload: "/deny"
        - bot_did_not_utter:
            utter_name: utter_remedy_stretch
            text_matches: "(?i)stretch"
    """
)
"""Every Rasa Pro assertion type on one turn, each true of :func:`bruising_answer_turn`."""

STUBS = """
    stub_custom_actions:
      action_handle_fallback:
        events:
          - event: slot
            name: clinic_name
            value: Stub Clinic
        responses:
          - text: "Stubbed for the file."
      second::action_handle_fallback:
        events: []
        responses:
          - text: "Stubbed for the second case."
    test_cases:
      - test_case: first
        steps:
          - user: "fallback"
          - bot: "Stubbed for the file."
          - slot_was_set:
              - clinic_name: Stub Clinic
      - test_case: second
        steps:
          - user: "fallback"
          - bot: "Stubbed for the second case."
"""
"""A file stub of ``action_handle_fallback`` and a stub of its own for case ``second``."""

METADATA = """
    metadata:
      - user_info:
          language: English
          location: Europe
      - device_info:
          os: linux
          location: Leeds
    test_cases:
      - test_case: case
        metadata: user_info
        steps:
          - user: "hi"
            metadata: device_info
          - utter: utter_greet
          - user: "bye"
"""
"""Metadata of the case, and of its first message, which wins where both say a key."""
