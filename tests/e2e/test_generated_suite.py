"""The conversation suite generated from the triage table covers every flag and context."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.domain import Domain

from actions import triage
from e2e.generate import CONTEXTS, DENIED_CONTEXT, generate, question_order
from tests.actions.helpers import DOMAIN_PATH, Conversation

WALKED_CONTEXTS = ("plain_yes", "described_yes", "hedged_yes", "unsure_twice")


def generated(name: str) -> dict[str, Any]:
    """The generated case called ``name``."""
    return next(c for c in generate()["test_cases"] if c["test_case"] == name)


def asked(case: dict[str, Any]) -> list[str]:
    """The screening slots whose questions a case expects, in order."""
    prefix = "utter_ask_screening_form_"
    return [
        s["utter"][len(prefix) :]
        for s in case["steps"]
        if s.get("utter", "").startswith(prefix)
    ]


def test_every_flag_in_every_context_and_clean_conversations() -> None:
    cases = {case["test_case"]: case for case in generate()["test_cases"]}
    for flag in triage.RED_FLAGS:
        for context in CONTEXTS:
            case = cases[f"generated_{flag.id}_{context}"]
            levels = [s["triage_level"] for s in case["steps"] if "triage_level" in s]
            assert levels[-2:] == [flag.level, flag.level]
            assert {"utter_not": "utter_remedy_*"} in case["steps"]
    clean = [c for name, c in cases.items() if name.startswith("generated_clean_")]
    assert len(clean) >= 5
    for case in clean:
        assert case["steps"][-1] == {"triage_level": triage.SELF_CARE}


def test_question_order_is_the_order_the_screening_form_asks() -> None:
    conversation = Conversation(Domain.load(str(DOMAIN_PATH)).as_dict())
    conversation.start_screening()
    asked_by_form = conversation.deny_until_done()
    assert [item.slot for item in question_order()] == asked_by_form
    assert set(question_order()) == set(triage.SCREENING_ITEMS)


@pytest.mark.parametrize("context", WALKED_CONTEXTS)
@pytest.mark.parametrize("flag", triage.RED_FLAGS, ids=lambda flag: flag.id)
def test_answers_to_its_question_walk_the_screening_with_no_before(
    flag: triage.RedFlag, context: str
) -> None:
    case = generated(f"generated_{flag.id}_{context}")
    order = [item.slot for item in question_order()]
    position = order.index(flag.slot)
    # unsure_twice asks the flag's question once more after the first reply
    assert asked(case)[: position + 1] == order[: position + 1]
    assert set(asked(case)[position:]) == {flag.slot}
    users = [s["user"] for s in case["steps"] if "user" in s]
    assert users[1 : position + 1] == ["no"] * position


def test_plain_and_hedged_yes_are_the_whole_reply() -> None:
    plain = generated("generated_weakness_plain_yes")["steps"]
    hedged = generated("generated_numbness_tingling_hedged_yes")["steps"]
    ask_weakness = {"utter": "utter_ask_screening_form_screen_weakness"}
    ask_numbness = {"utter": "utter_ask_screening_form_screen_numbness_tingling"}
    assert plain[plain.index(ask_weakness) + 1] == {"user": "yes"}
    assert hedged[hedged.index(ask_numbness) + 1] == {"user": "a bit"}


@pytest.mark.parametrize("flag", triage.RED_FLAGS, ids=lambda flag: flag.id)
def test_a_no_with_words_at_its_question_ends_in_self_care_with_advice(
    flag: triage.RedFlag,
) -> None:
    case = generated(f"generated_{flag.id}_{DENIED_CONTEXT}")
    steps = case["steps"]
    answer = steps.index({"utter": f"utter_ask_screening_form_{flag.slot}"}) + 1
    assert steps[answer]["user"].split()[0].strip(",") in {"no", "nope", "nah"}
    assert steps[answer]["user"] not in {"no", "no, nothing else"}
    assert steps[answer + 1] == {"slot_was_set": [{flag.slot: triage.ABSENT}]}
    assert asked(case) == [item.slot for item in question_order()]
    assert steps[-3:] == [
        {"utter": "utter_screening_clear"},
        {"utter": "utter_remedy_stretch"},
        {"triage_level": triage.SELF_CARE},
    ]
    levels = [s["triage_level"] for s in steps if "triage_level" in s]
    assert levels == [triage.SELF_CARE]


def test_unsure_twice_is_asked_once_more_and_then_counts_as_present() -> None:
    steps = generated("generated_risk_medication_unsure_twice")["steps"]
    first = steps.index({"utter": "utter_confirm_unsure"})
    assert steps[first + 1] == {
        "utter": "utter_ask_screening_form_screen_risk_medication"
    }
    assert {"slot_was_set": [{"screen_risk_medication": triage.UNSURE}]} in steps
    assert [s["user"] for s in steps if "user" in s][-3] != "no"
