"""The screening actions: recording volunteered flags, the form, the outcome, stop."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import triage
from actions.screening import (
    ActionAnswerWithoutQuestion,
    ActionConcludeScreening,
    ActionRecordRedFlags,
    ActionStopScreening,
    ValidateScreeningForm,
    mentioned_flags,
)
from actions.triage import ABSENT, PRESENT, RED_FLAGS, UNSURE
from tests.actions.helpers import (
    Conversation,
    flag_entity,
    make_tracker,
    responses,
    run,
)

REMEDY = "utter_remedy_"


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def said_remedy(said: list[str]) -> bool:
    return any(name.startswith(REMEDY) for name in said)


# --- action_record_red_flags ------------------------------------------------------


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_volunteered_flag_is_recorded_and_raises_the_level(
    flag: triage.RedFlag, dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(entities=[flag_entity(flag.id)])
    events = run(ActionRecordRedFlags().run(dispatcher, tracker, domain))
    assert slot_events(events) == {
        flag.slot: PRESENT,
        "red_flags": [flag.id],
        "triage_level": flag.level,
    }
    assert dispatcher.messages == []


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_negated_flag_is_recorded_as_absent_without_a_level(
    flag: triage.RedFlag, dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(entities=[flag_entity(flag.id, ABSENT)])
    events = run(ActionRecordRedFlags().run(dispatcher, tracker, domain))
    assert slot_events(events) == {flag.slot: ABSENT}


def test_unsure_mention_waits_for_the_question_to_be_asked_again(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(entities=[flag_entity("numbness_tingling", UNSURE)])
    events = run(ActionRecordRedFlags().run(dispatcher, tracker, domain))
    assert slot_events(events) == {"screen_numbness_tingling": UNSURE}


def test_volunteered_flag_after_advice_raises_but_never_lowers(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {slot: ABSENT for slot in triage.SCREEN_SLOTS}
    slots.update({"triage_level": "urgent", "red_flags": ["dark_urine"]})
    slots["screen_dark_urine"] = PRESENT
    tracker = make_tracker(slots, entities=[flag_entity("swelling")])
    events = slot_events(run(ActionRecordRedFlags().run(dispatcher, tracker, domain)))
    assert events["screen_swelling"] == PRESENT
    assert events["red_flags"] == ["dark_urine", "swelling"]
    assert "triage_level" not in events  # stays urgent: swelling is lower


def test_later_denial_does_not_clear_a_reported_flag(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {"screen_bruising": PRESENT, "red_flags": ["bruising"]}
    slots["triage_level"] = "see_doctor"
    tracker = make_tracker(slots, entities=[flag_entity("bruising", ABSENT)])
    assert run(ActionRecordRedFlags().run(dispatcher, tracker, domain)) == []


def test_mentions_ignore_unknown_ids_roles_and_other_entities() -> None:
    entities = [
        {"entity": "red_flag", "value": "sore_toe", "role": "present"},
        {"entity": "red_flag", "value": "bruising", "role": "maybe"},
        {"entity": "body_part", "value": "swelling"},
        {"entity": "red_flag", "value": "weakness"},
        {"entity": "red_flag", "value": "swelling", "role": "absent"},
        {"entity": "red_flag", "value": "swelling", "role": "present"},
    ]
    assert mentioned_flags(entities) == {"weakness": PRESENT, "swelling": PRESENT}


# --- action_answer_without_question ----------------------------------------------


@pytest.mark.parametrize("role", [PRESENT, UNSURE])
@pytest.mark.parametrize("intent", ["affirm", "deny", "express_unsure"])
def test_answer_reporting_a_flag_starts_the_screening(
    intent: str, role: str, dispatcher: CollectingDispatcher, domain: dict
) -> None:
    # "my cramps come maybe twice a week, at night": read as unsure, reports a flag.
    tracker = make_tracker(
        intent=intent, entities=[flag_entity("frequent_cramps", role)]
    )
    events = run(ActionAnswerWithoutQuestion().run(dispatcher, tracker, domain))
    assert events == [
        {"event": "followup", "timestamp": None, "name": "screening_form"}
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "entities",
    [[], [flag_entity("swelling", ABSENT)], [{"entity": "body_part", "value": "calf"}]],
    ids=["no flag", "denied flag", "other entity"],
)
def test_answer_without_a_flag_says_no_question_was_asked(
    entities: list[dict[str, Any]], dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(intent="deny", entities=entities)
    events = run(ActionAnswerWithoutQuestion().run(dispatcher, tracker, domain))
    assert events == []
    assert responses(dispatcher) == ["utter_answer_without_question"]


# --- validate_screening_form -------------------------------------------------------


def test_form_start_introduces_the_questions(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    run(ValidateScreeningForm().run(dispatcher, make_tracker(events=[]), domain))
    assert responses(dispatcher) == ["utter_screening_intro"]


def test_form_restart_after_a_stop_says_it_resumes(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = [
        {"event": "active_loop", "name": "screening_form"},
        {"event": "slot", "name": "screen_chest_pain_or_breathless", "value": ABSENT},
        {"event": "active_loop", "name": None},
        {"event": "user"},
    ]
    tracker = make_tracker({"screen_chest_pain_or_breathless": ABSENT}, events=events)
    run(ValidateScreeningForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_screening_resume"]


def test_form_ends_at_once_when_an_emergency_was_volunteered(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"screen_cold_pale_leg": PRESENT, "triage_level": "emergency"}, events=[]
    )
    events = run(ValidateScreeningForm().run(dispatcher, tracker, domain))
    assert dispatcher.messages == []
    assert slot_events(events) == {"requested_slot": None}


def test_first_unsure_answer_is_asked_once_more(conversation: Conversation) -> None:
    conversation.start_screening()
    conversation.answer(UNSURE)
    assert conversation.said[-1] == "utter_confirm_unsure"
    assert conversation.requested_slot() == "screen_chest_pain_or_breathless"
    assert conversation.slots["screen_reasked"] == ["chest_pain_or_breathless"]


def test_unsure_in_own_words_is_asked_in_its_turn_without_comment(
    conversation: Conversation,
) -> None:
    conversation.start_screening()
    conversation.volunteer("numbness_tingling", UNSURE)
    assert "utter_confirm_unsure" not in conversation.said
    assert conversation.slots["screen_numbness_tingling"] is None
    assert conversation.slots["screen_reasked"] == ["numbness_tingling"]
    assert conversation.requested_slot() == "screen_chest_pain_or_breathless"


def test_form_start_with_a_volunteered_flag_is_introduced(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    # What Rasa sends at activation (rasa.core.actions.forms.FormAction.activate).
    events = [
        {"event": "user"},
        {"event": "slot", "name": "screen_bruising", "value": PRESENT},
        {"event": "active_loop", "name": "screening_form"},
        {"event": "slot", "name": "screen_bruising", "value": PRESENT},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "action", "name": "screening_form"},
        {"event": "slot", "name": "screen_bruising", "value": PRESENT},
    ]
    tracker = make_tracker(
        {"screen_bruising": PRESENT, "triage_level": "see_doctor"},
        events=events,
        active_loop="screening_form",
    )
    run(ValidateScreeningForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_screening_intro"]


def test_no_introduction_in_the_middle_of_the_screening(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = [
        {"event": "active_loop", "name": "screening_form"},
        {"event": "user"},
        {"event": "slot", "name": "screen_chest_pain_or_breathless", "value": ABSENT},
        {"event": "slot", "name": "requested_slot", "value": "screen_cold_pale_leg"},
        {"event": "action", "name": "screening_form"},
        {"event": "slot", "name": "screen_chest_pain_or_breathless", "value": ABSENT},
    ]
    tracker = make_tracker(
        {"screen_chest_pain_or_breathless": ABSENT},
        events=events,
        active_loop="screening_form",
    )
    run(ValidateScreeningForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == []


def test_unsure_twice_counts_as_present(conversation: Conversation) -> None:
    conversation.start_screening()
    conversation.answer(UNSURE)
    conversation.answer(UNSURE)
    assert conversation.slots["triage_level"] == "emergency"
    assert conversation.said[-3:] == [
        "utter_escalate_emergency",
        "utter_reason_chest_pain_or_breathless",
        "utter_escalation_no_remedy",
    ]


def test_unsure_then_clear_no_is_not_a_flag(conversation: Conversation) -> None:
    conversation.start_screening()
    conversation.answer(UNSURE)
    conversation.answer(ABSENT)
    assert conversation.slots["screen_chest_pain_or_breathless"] == ABSENT
    assert conversation.slots.get("triage_level") is None
    assert conversation.requested_slot() == "screen_cold_pale_leg"


def test_all_no_ends_in_remedy_advice(conversation: Conversation) -> None:
    conversation.start_screening()
    for _ in triage.SCREENING_ITEMS:
        conversation.answer(ABSENT)
    assert conversation.slots["triage_level"] == "self_care"
    assert conversation.said[-7] == "utter_screening_clear"
    assert conversation.said[-6:] == [
        "utter_remedy_stretch",
        "utter_remedy_massage",
        "utter_remedy_heat_cold",
        "utter_remedy_hydration",
        "utter_remedy_pain_relief",
        "utter_remedy_safety_net",
    ]


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_yes_to_each_question_escalates_to_its_level(
    flag: triage.RedFlag, conversation: Conversation
) -> None:
    conversation.start_screening()
    while conversation.requested_slot() != flag.slot:
        conversation.answer(ABSENT)
    conversation.answer(PRESENT)
    assert conversation.slots["triage_level"] == flag.level
    assert conversation.requested_slot() is None
    assert f"utter_escalate_{flag.level}" in conversation.said
    assert f"utter_reason_{flag.id}" in conversation.said
    assert not said_remedy(conversation.said)


@pytest.mark.parametrize("flag", RED_FLAGS, ids=lambda flag: flag.id)
def test_volunteered_flag_mid_screening_is_not_asked_again(
    flag: triage.RedFlag, conversation: Conversation
) -> None:
    conversation.start_screening()
    conversation.volunteer(flag.id)
    asked = conversation.deny_until_done()
    assert flag.slot not in asked
    assert conversation.slots["triage_level"] == flag.level
    assert not said_remedy(conversation.said)


def test_answer_to_a_different_question_is_taken_for_that_question(
    conversation: Conversation,
) -> None:
    conversation.start_screening()
    conversation.volunteer("bruising", ABSENT)  # asked about chest pain
    assert conversation.slots["screen_bruising"] == ABSENT
    assert conversation.requested_slot() == "screen_chest_pain_or_breathless"


def test_see_doctor_flag_then_no_more_urgent_ones(conversation: Conversation) -> None:
    conversation.volunteer("bruising")
    asked = conversation.deny_until_done()
    assert asked == [f.slot for f in RED_FLAGS if f.level in ("emergency", "urgent")]
    assert conversation.slots["triage_level"] == "see_doctor"
    assert conversation.said[-3:] == [
        "utter_escalate_see_doctor",
        "utter_reason_bruising",
        "utter_escalation_no_remedy",
    ]


def test_flag_after_remedy_advice_escalates(conversation: Conversation) -> None:
    conversation.start_screening()
    for _ in triage.SCREENING_ITEMS:
        conversation.answer(ABSENT)
    assert conversation.slots["triage_level"] == "self_care"
    conversation.volunteer("swelling")
    assert conversation.slots["triage_level"] == "see_doctor"
    assert conversation.said[-3] == "utter_escalate_see_doctor"


# --- action_conclude_screening and action_stop_screening ------------------------------


def test_conclusion_with_a_flag_leads_with_the_escalation(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {slot: ABSENT for slot in triage.SCREEN_SLOTS}
    slots["screen_chest_pain_or_breathless"] = PRESENT
    slots["screen_bruising"] = PRESENT
    events = run(ActionConcludeScreening().run(dispatcher, make_tracker(slots), domain))
    assert responses(dispatcher)[0] == "utter_escalate_emergency"
    assert slot_events(events)["triage_level"] == "emergency"
    assert slot_events(events)["red_flags"] == ["chest_pain_or_breathless", "bruising"]


def test_conclusion_without_flags_is_self_care(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {slot: ABSENT for slot in triage.SCREEN_SLOTS}
    events = run(ActionConcludeScreening().run(dispatcher, make_tracker(slots), domain))
    assert responses(dispatcher) == ["utter_screening_clear"]
    assert slot_events(events) == {"triage_level": "self_care"}


def test_stop_without_flags_acknowledges(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(
        {"screen_chest_pain_or_breathless": ABSENT}, active_loop="screening_form"
    )
    events = run(ActionStopScreening().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_screening_stopped"]
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert "triage_level" not in slot_events(events)


def test_stop_with_a_flag_still_escalates(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker({"screen_weakness": UNSURE}, active_loop="screening_form")
    events = run(ActionStopScreening().run(dispatcher, tracker, domain))
    assert responses(dispatcher)[0] == "utter_escalate_see_doctor"
    assert slot_events(events)["triage_level"] == "see_doctor"


def test_stop_with_nothing_going_on_is_only_acknowledged(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    """A plain stop after an earlier screening does not repeat its advice."""
    tracker = make_tracker(
        {"screen_bruising": PRESENT, "triage_level": "see_doctor"},
        intent="stop",
        entities=[flag_entity("swelling", ABSENT)],
    )
    events = run(ActionStopScreening().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_stop_acknowledged"]
    assert events == []


@pytest.mark.parametrize(
    ("flag_id", "role", "level"),
    [
        ("chest_pain_or_breathless", PRESENT, "emergency"),
        ("numbness_tingling", UNSURE, "see_doctor"),
    ],
)
def test_stop_that_reports_a_flag_escalates_outside_the_screening(
    dispatcher: CollectingDispatcher, domain: dict, flag_id: str, role: str, level: str
) -> None:
    """A stop that reports a flag ("stop, my chest really hurts") is told its level.

    action_record_red_flags filled the flag's slot in the same turn.
    """
    slot = next(flag.slot for flag in RED_FLAGS if flag.id == flag_id)
    tracker = make_tracker(
        {slot: role}, intent="stop", entities=[flag_entity(flag_id, role)]
    )
    events = run(ActionStopScreening().run(dispatcher, tracker, domain))
    assert responses(dispatcher)[0] == f"utter_escalate_{level}"
    assert f"utter_reason_{flag_id}" in responses(dispatcher)
    assert slot_events(events)["triage_level"] == level
