"""The bounded tracker sent to the action server: the actions read the same from it.

Long conversations of the kinds this assistant has (questions, misunderstood
messages, screenings started, re-asked, stopped and started again, new sessions) are
built event by event as Rasa's tracker holds them. At every point where Rasa calls the
action server, each reader of the actions and rasa-sdk's ``slots_to_validate`` must
answer the same on the bounded request as on Rasa's own, and the request must be
Rasa's in everything but its events.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from actions import triage
from actions.fallback import fallbacks_in_a_row
from actions.screening import (
    FORM_NAME,
    asked_flag,
    is_form_starting,
    times_asked,
    was_form_active_before,
)
from stores import action_tracker
from stores.in_memory_lock_store import InMemoryLockStore
from tests.actions.helpers import DOMAIN_PATH

RASA_FORMAT = RemoteAction._action_call_format
FALLBACK = "nlu_fallback"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_PATH))


def action() -> RemoteAction:
    return RemoteAction("action_record_red_flags", EndpointConfig("http://127.0.0.1:1"))


def user(intent: str) -> UserUttered:
    return UserUttered("…", intent={"name": intent, "confidence": 0.9})


def said(response: str) -> list[Event]:
    return [
        ActionExecuted(response),
        BotUttered("…", metadata={"utter_action": response}),
    ]


class ConversationBuilder:
    """Random turns of this assistant's kinds, appended to one Rasa tracker."""

    def __init__(self, domain: Domain, seed: int) -> None:
        self.random = random.Random(seed)
        self.tracker = DialogueStateTracker("bounded", domain.slots)
        self.calls: list[int] = []  # event counts at which Rasa calls the action server
        self.slot = 0
        self.add(
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
        )

    def add(self, *events: Event) -> None:
        for event in events:
            self.tracker.update(event)

    def call(self) -> None:
        self.calls.append(len(self.tracker.events))

    def message(self, intent: str) -> None:
        self.add(user(intent))
        self.call()  # action_record_red_flags (a mapping may apply to any message)
        self.add(ActionExecuted("action_record_red_flags"))

    def turn(self) -> None:
        form_active = self.tracker.active_loop_name == FORM_NAME
        kinds = (
            ["faq"] * 2
            + ["fallback"] * 2
            + ["answer"] * 3
            + ["start", "stop", "session"]
        )
        kind = self.random.choice(kinds)
        if kind == "session":
            self.add(
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
            )
        elif kind == "fallback":
            self.message(FALLBACK)
            self.call()
            self.add(*said("utter_ask_rephrase"))
            if form_active:
                self.ask()  # the form asks its question again
        elif kind == "start" and not form_active:
            self.message("report_cramp")
            self.add(ActionExecuted(FORM_NAME))
            self.call()  # validate_screening_form as the form starts
            self.add(ActiveLoop(FORM_NAME))
            self.slot = 0
            self.ask()
        elif kind == "answer" and form_active:
            self.message(self.random.choice(["affirm", "deny", "express_unsure"]))
            slot = triage.SCREEN_SLOTS[self.slot % len(triage.SCREEN_SLOTS)]
            self.add(SlotSet(slot, self.random.choice(["absent", "unsure"])))
            self.call()  # validate_screening_form with the candidates
            self.add(ActionExecuted(FORM_NAME))
            self.slot += self.random.choice([0, 1])  # an unsure answer is asked again
            self.ask()
        elif kind == "stop" and form_active:
            self.message("stop")
            self.add(ActiveLoop(None), SlotSet("requested_slot", None))
        else:
            self.message("ask_causes")
            self.add(*said("utter_causes"))
        self.add(ActionExecuted("action_listen"))

    def ask(self) -> None:
        slot = triage.SCREEN_SLOTS[self.slot % len(triage.SCREEN_SLOTS)]
        self.add(SlotSet("requested_slot", slot))
        self.add(*said(f"utter_ask_{FORM_NAME}_{slot}"))


def readings(request: dict[str, Any]) -> dict[str, Any]:
    """What the actions and rasa-sdk read from the events of one request."""
    tracker = Tracker.from_dict(request["tracker"])
    asked = asked_flag(tracker)
    fallbacks = fallbacks_in_a_row(tracker.events)
    return {
        "asked": asked,
        "times_asked": asked and times_asked(tracker, asked.slot),
        "starting": is_form_starting(tracker),
        "active_before": was_form_active_before(tracker),
        "fallbacks": min(fallbacks, action_tracker.TAIL_USER_MESSAGES - 1),
        "fallbacks_twice": fallbacks >= 2,
        "to_validate": tracker.slots_to_validate(),
    }


@pytest.mark.parametrize("seed", range(6))
def test_the_actions_read_the_same_at_every_call(domain: Domain, seed: int) -> None:
    conversation = ConversationBuilder(domain, seed)
    for _ in range(160):
        conversation.turn()
    events = list(conversation.tracker.events)
    assert len(conversation.calls) > 150
    for count in conversation.calls:
        tracker = DialogueStateTracker.from_events(
            "bounded", events[:count], domain.slots
        )
        whole = RASA_FORMAT(action(), tracker, domain)
        bounded = action_tracker.action_call_format(action(), tracker, domain)
        assert readings(bounded) == readings(whole), count
        whole["tracker"].pop("events")
        bounded_events = bounded["tracker"].pop("events")
        assert bounded == whole
        assert len(bounded_events) <= count


def test_a_long_conversation_sends_a_bounded_tail(domain: Domain) -> None:
    conversation = ConversationBuilder(domain, 99)
    for _ in range(400):
        conversation.turn()
    tracker = conversation.tracker
    sent = action_tracker.action_call_format(action(), tracker, domain)
    assert len(tracker.events) > 2000
    assert len(sent["tracker"]["events"]) < 150


def test_a_loop_active_since_long_is_sent_from_its_activation(domain: Domain) -> None:
    events = [user("ask_causes"), ActionExecuted("action_listen")] * 20
    events += [ActiveLoop(FORM_NAME)]
    events += [user("affirm"), ActionExecuted(FORM_NAME)] * 30
    bounded = action_tracker.bounded_events(events, FORM_NAME)
    assert bounded == events[40:]
    assert action_tracker.bounded_events(events, None) == [events[40]] + events[-10:]


def test_earlier_loop_events_are_kept_before_the_tail() -> None:
    early = [ActiveLoop(FORM_NAME), user("deny"), ActiveLoop(None)]
    tail = [user("ask_causes"), ActionExecuted("action_listen")] * 10
    bounded = action_tracker.bounded_events(early + tail, None)
    assert bounded == [early[0], early[2]] + tail[-10:]


def test_a_short_conversation_is_sent_whole() -> None:
    events = [user("greet"), ActionExecuted("utter_greet"), user("ask_causes")]
    assert action_tracker.bounded_events(events, None) == events


def test_the_lock_store_installs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_action_call_format", RASA_FORMAT)
    InMemoryLockStore()
    assert RemoteAction._action_call_format is action_tracker.action_call_format
    action_tracker.install()
    assert RemoteAction._action_call_format is action_tracker.action_call_format
