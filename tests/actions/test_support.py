"""Session start, clinic configuration and the fallback."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic import DEFAULTS, load_clinic_config
from actions.fallback import ActionHandleFallback, fallbacks_in_a_row
from actions.session import ActionSessionStart
from tests.actions.helpers import make_tracker, responses, run


def user(intent: str) -> dict:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def test_clinic_config_from_environment() -> None:
    config = load_clinic_config(
        {
            "CLINIC_NAME": "Riverside Clinic",
            "CLINIC_PHONE": "+1 555 0100",
            "CLINIC_BOOKING_URL": "https://riverside.example/book",
            "EMERGENCY_NUMBER": "911",
        }
    )
    assert config.as_slots() == {
        "clinic_name": "Riverside Clinic",
        "clinic_phone": "+1 555 0100",
        "clinic_booking_url": "https://riverside.example/book",
        "emergency_number": "911",
    }


def test_clinic_config_defaults_for_unset_or_blank() -> None:
    config = load_clinic_config({"CLINIC_NAME": "   "})
    assert config.clinic_name == DEFAULTS["CLINIC_NAME"]
    assert config.emergency_number == DEFAULTS["EMERGENCY_NUMBER"]


def test_session_start_fills_the_clinic_slots(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict
) -> None:
    monkeypatch.setenv("EMERGENCY_NUMBER", "112")
    events = run(ActionSessionStart().run(dispatcher, make_tracker(), domain))
    assert events[0]["event"] == "session_started"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["emergency_number"] == "112"
    assert set(slots) == {
        "clinic_name",
        "clinic_phone",
        "clinic_booking_url",
        "emergency_number",
    }
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")


def test_fallbacks_in_a_row_counts_back_to_the_last_understood_message() -> None:
    events = [
        user("greet"),
        user("nlu_fallback"),
        {"event": "bot"},
        user("nlu_fallback"),
    ]
    assert fallbacks_in_a_row(events) == 2
    assert fallbacks_in_a_row([user("nlu_fallback"), user("greet")]) == 0


def test_first_fallback_asks_to_rephrase(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(events=[user("greet"), user("nlu_fallback")])
    run(ActionHandleFallback().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_ask_rephrase"]


def test_second_fallback_offers_the_clinic(
    dispatcher: CollectingDispatcher, domain: dict
) -> None:
    tracker = make_tracker(events=[user("nlu_fallback"), user("nlu_fallback")])
    run(ActionHandleFallback().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_fallback_contact"]
