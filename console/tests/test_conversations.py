"""The facts the console reads from real recorded conversations (fixtures/).

Each recorded conversation carries the outcome the triage contract asks for (declared
in ``console/scripts/record_fixture.py`` and checked against the assistant when it was
recorded); the console's reading must agree with it.
"""

from __future__ import annotations

from typing import Any

import pytest

from console.conversations import summarise, turns
from console.tests.seed import recorded_conversations

CONVERSATIONS = recorded_conversations()


def _by_scenario(name: str) -> dict[str, Any]:
    return next(c for c in CONVERSATIONS if c["scenario"]["name"] == name)


@pytest.mark.parametrize(
    "conversation", CONVERSATIONS, ids=lambda c: c["scenario"]["name"]
)
def test_summary_agrees_with_the_recorded_outcome(conversation: dict[str, Any]) -> None:
    scenario = conversation["scenario"]
    summary = summarise(conversation["sender_id"], conversation["events"])
    assert summary.triage_level == scenario["level"]
    assert sorted(summary.red_flags) == sorted(scenario["flags"])
    assert summary.outcome == scenario["outcome"]
    assert summary.channel == scenario["channel"]
    assert summary.fallback_turns == scenario["fallback_turns"]
    assert summary.user_turns == sum(
        e["event"] == "user" for e in conversation["events"]
    )


def test_the_fixture_covers_every_outcome_and_both_channels() -> None:
    scenarios = [c["scenario"] for c in CONVERSATIONS]
    assert {s["outcome"] for s in scenarios} >= {
        "escalation",
        "advice",
        "stopped",
        "none",
    }
    assert {s["level"] for s in scenarios} >= {
        "emergency",
        "urgent",
        "see_doctor",
        "self_care",
    }
    assert {s["channel"] for s in scenarios} == {"rest", "socketio"}
    assert len({s["day"] for s in scenarios}) > 1


def test_conversation_ids_carry_their_channel_and_the_channel_comes_from_events() -> (
    None
):
    """Rasa files a conversation under ``<namespace>:<platform id>`` (rest:, web:).

    The console takes the channel from the input channel of the messages, so a REST
    client whose sender looks like another channel's id is still counted as REST.
    """
    namespaces = {"rest": "rest:", "socketio": "web:"}
    for conversation in CONVERSATIONS:
        channel = conversation["scenario"]["channel"]
        assert conversation["sender_id"].startswith(namespaces[channel])
    rest = _by_scenario("faq-causes")
    assert summarise("rest:telegram:12345", rest["events"]).channel == "rest"


def test_an_emergency_turn_explains_itself() -> None:
    conversation = _by_scenario("chest-pain-emergency")
    turn = next(t for t in turns(conversation["events"]) if t.text)
    assert turn.intent is not None and 0.0 < (turn.confidence or 0.0) <= 1.0
    assert [(e.value, e.role) for e in turn.red_flag_entities] == [
        ("chest_pain_or_breathless", "present")
    ]
    assert turn.slots_changed["triage_level"] == "emergency"
    assert "chest_pain_or_breathless" in turn.slots_changed["red_flags"]
    assert turn.triage_level == "emergency"
    responses = [r for step in turn.steps for r in step.responses]
    assert "utter_escalate_emergency" in responses
    assert all(step.policy for step in turn.steps if step.action != "action_listen")


def test_the_level_after_each_turn_never_goes_down() -> None:
    order = [None, "self_care", "see_doctor", "urgent", "emergency"]
    for conversation in CONVERSATIONS:
        levels = [order.index(t.triage_level) for t in turns(conversation["events"])]
        assert levels == sorted(levels), conversation["scenario"]["name"]


def _greeting(text: str, timestamp: float) -> dict[str, Any]:
    """A user message read as ``greet``, as Rasa stores it."""
    return {
        "event": "user",
        "text": text,
        "timestamp": timestamp,
        "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []},
    }


def test_a_slot_counts_as_changed_only_when_its_value_changes() -> None:
    events: list[dict[str, Any]] = [
        {"event": "slot", "name": "triage_level", "value": None, "timestamp": 1.0},
        _greeting("hi", 2.0),
        {"event": "slot", "name": "triage_level", "value": "urgent", "timestamp": 3.0},
        _greeting("again", 4.0),
        {"event": "slot", "name": "triage_level", "value": "urgent", "timestamp": 5.0},
    ]
    first, second = turns(events)  # setting an unset slot to None changes nothing
    assert first.slots_changed == {"triage_level": "urgent"}
    assert second.slots_changed == {}
    assert second.triage_level == "urgent"


def test_time_to_escalation_counts_from_the_first_message() -> None:
    conversation = _by_scenario("cold-pale-leg-emergency")
    summary = summarise(conversation["sender_id"], conversation["events"])
    first_message = next(e for e in conversation["events"] if e["event"] == "user")
    escalation = next(
        e
        for e in conversation["events"]
        if e["event"] == "slot" and e["name"] == "triage_level" and e["value"]
    )
    assert summary.seconds_to_escalation == pytest.approx(
        escalation["timestamp"] - first_message["timestamp"]
    )
    assert summary.seconds_to_escalation is not None
    assert summary.seconds_to_escalation > 0
