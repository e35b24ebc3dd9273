"""The conversation suite generated from the triage table covers every flag and context."""

from __future__ import annotations

from actions import triage
from e2e.generate import CONTEXTS, generate


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


def test_a_flag_is_asked_in_table_order_when_described() -> None:
    case = next(
        c
        for c in generate()["test_cases"]
        if c["test_case"] == "generated_bruising_described_yes"
    )
    asks = [s["utter"] for s in case["steps"] if "utter" in s]
    assert asks[-1] == "utter_ask_screening_form_screen_bruising"


def test_unsure_twice_is_asked_once_more_and_then_counts_as_present() -> None:
    case = next(
        c
        for c in generate()["test_cases"]
        if c["test_case"] == "generated_risk_medication_unsure_twice"
    )
    steps = case["steps"]
    first = steps.index({"utter": "utter_confirm_unsure"})
    assert steps[first + 1] == {
        "utter": "utter_ask_screening_form_screen_risk_medication"
    }
    assert {"slot_was_set": [{"screen_risk_medication": triage.UNSURE}]} in steps
    assert [s["user"] for s in steps if "user" in s][-3] != "no"
