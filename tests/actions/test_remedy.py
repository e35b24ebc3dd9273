"""Remedy advice is given only at self care after a concluded screening (rule 1)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from actions import triage
from actions.remedy import REMEDY_RESPONSES, ActionGiveRemedyAdvice
from actions.triage import ABSENT, ANSWERS, PRESENT, RED_FLAGS
from tests.actions.helpers import (
    DOMAIN_PATH,
    Conversation,
    make_tracker,
    responses,
    run,
)


def load_domain() -> dict:
    """The domain, read once per property example (fixtures do not mix with @given)."""
    return _DOMAIN


_DOMAIN = Domain.load(str(DOMAIN_PATH)).as_dict()

FLAG_IDS = [flag.id for flag in RED_FLAGS]


def test_advice_after_a_clear_screening(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {slot: ABSENT for slot in triage.SCREEN_SLOTS}
    slots["triage_level"] = "self_care"
    run(ActionGiveRemedyAdvice().run(dispatcher, make_tracker(slots), domain))
    assert responses(dispatcher) == list(REMEDY_RESPONSES)


def test_every_remedy_response_exists_and_is_named_as_remedy(domain: dict) -> None:
    for name in REMEDY_RESPONSES:
        assert name.startswith("utter_remedy_")
        assert name in domain["responses"]


def test_no_advice_before_screening(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    run(ActionGiveRemedyAdvice().run(dispatcher, make_tracker(), domain))
    assert responses(dispatcher) == ["utter_screening_intro"]


def test_no_advice_with_unanswered_questions_even_at_self_care(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {"triage_level": "self_care", "screen_chest_pain_or_breathless": ABSENT}
    run(ActionGiveRemedyAdvice().run(dispatcher, make_tracker(slots), domain))
    assert not any(r.startswith("utter_remedy_") for r in responses(dispatcher))


def test_no_advice_when_a_flag_is_recorded_but_the_level_slot_says_self_care(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    slots = {slot: ABSENT for slot in triage.SCREEN_SLOTS}
    slots.update({"triage_level": "self_care", "screen_dark_urine": PRESENT})
    run(ActionGiveRemedyAdvice().run(dispatcher, make_tracker(slots), domain))
    assert responses(dispatcher)[0] == "utter_escalate_urgent"
    assert not any(r.startswith("utter_remedy_") for r in responses(dispatcher))


steps = st.lists(
    st.tuples(
        st.sampled_from(["answer", "volunteer", "ask_relief", "reach_advice"]),
        st.sampled_from(FLAG_IDS),
        st.sampled_from(ANSWERS),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_no_sequence_with_a_red_flag_reaches_remedy_advice(sequence: list) -> None:
    """Property: once any answer counts as a red flag, no utter_remedy_* is said.

    The conversation is driven through the real actions in any order: answers to the
    form's questions, flags volunteered in free text (also after advice) and repeated
    requests for relief, and the remedy action reached directly at any moment, as if a
    rule or story were wrong. A flag counts when it is reported (yes), or unsure once it was
    asked a second time.
    """
    conversation = Conversation(load_domain())
    conversation.start_screening()
    flagged_at = None
    for kind, flag_id, value in sequence:
        before = len(conversation.said)
        if kind == "answer":
            conversation.answer(value)
        elif kind == "volunteer":
            conversation.volunteer(flag_id, value)
        elif kind == "ask_relief":
            conversation.start_screening()
        else:
            # Any path at all reaching the remedy action, as if a rule were wrong.
            conversation.ask_for_remedy()
        answers = {s: conversation.slots.get(s) for s in triage.SCREEN_SLOTS}
        reasked = conversation.slots.get("screen_reasked") or []
        if flagged_at is None and triage.confirmed_flags(answers, reasked=reasked):
            flagged_at = before
    if flagged_at is not None:
        after = conversation.said[flagged_at:]
        assert not any(name.startswith("utter_remedy_") for name in after)
        level = conversation.slots.get("triage_level")
        assert level is not None and level != "self_care"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(ANSWERS), min_size=1, max_size=30))
def test_level_never_drops_during_a_screening(answers: list) -> None:
    """Property: across any answers, triage_level only ever rises."""
    conversation = Conversation(load_domain())
    conversation.start_screening()
    seen = []
    for value in answers:
        conversation.answer(value)
        seen.append(triage.level_rank(conversation.slots.get("triage_level")))
    assert seen == sorted(seen)
