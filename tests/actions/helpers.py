"""Helpers for the action tests: trackers, a dispatcher's responses, a conversation driver."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import triage
from actions.remedy import ActionGiveRemedyAdvice
from actions.screening import (
    ActionConcludeScreening,
    ActionRecordRedFlags,
    ValidateScreeningForm,
)

DOMAIN_PATH = Path(__file__).resolve().parents[2] / "domain"


def make_tracker(
    slots: dict[str, Any] | None = None,
    *,
    entities: list[dict[str, Any]] | None = None,
    intent: str = "report_symptom",
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker with ``slots``, a latest message and ``events``."""
    return Tracker(
        sender_id="test",
        slots=dict(slots or {}),
        latest_message={
            "text": "",
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
        },
        events=list(events or []),
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """Names of the responses the dispatcher collected, in order."""
    return [message["response"] for message in dispatcher.messages]


def run(coroutine: Any) -> Any:
    """Run an action coroutine to completion."""
    return asyncio.run(coroutine)


def flag_entity(flag_id: str, role: str = triage.PRESENT) -> dict[str, Any]:
    """A red-flag entity as the NLU's extractor produces it."""
    return {"entity": "red_flag", "value": flag_id, "role": role}


class Conversation:
    """The slots of one conversation, driven through the real actions.

    It plays Rasa's part: applying slot events, running the form's validation after
    each answer, and calling the concluding actions when the form is done.
    """

    def __init__(self, domain: dict[str, Any]) -> None:
        self.domain = domain
        self.slots: dict[str, Any] = {}
        self.form_active = False
        self.said: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.rejected = 0

    def _apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]

    def _validate(
        self,
        candidates: dict[str, Any],
        *,
        requested: str | None = None,
        intent: str = "report_symptom",
    ) -> None:
        """Run the form's validation with ``candidates`` as this turn's slot events."""
        events = [{"event": "user"}] + [
            {"event": "slot", "name": name, "value": value}
            for name, value in candidates.items()
        ]
        tracker = make_tracker(
            {**self.slots, "requested_slot": requested, **candidates},
            events=events,
            active_loop="screening_form" if self.form_active else None,
            intent=intent,
        )
        dispatcher = CollectingDispatcher()
        result = run(ValidateScreeningForm().run(dispatcher, tracker, self.domain))
        self.said += responses(dispatcher)
        self.events += [
            {"event": "bot", "metadata": {"utter_action": name}}
            for name in responses(dispatcher)
        ]
        self.slots.update(candidates)
        self._apply(result)
        if not self.form_active:
            self.events.append({"event": "active_loop", "name": "screening_form"})
        self.form_active = True
        asked = self.requested_slot()
        if asked is not None:
            # Rasa's form asks the next question (a re-ask after an unsure answer too).
            self.events.append(
                {
                    "event": "bot",
                    "metadata": {"utter_action": f"utter_ask_screening_form_{asked}"},
                }
            )

    def requested_slot(self) -> str | None:
        """The question the form asks next, or ``None`` when it is done."""
        if not self.form_active:
            return None
        return next(
            (
                slot
                for slot in triage.form_slots(
                    {s: self.slots.get(s) for s in triage.SCREEN_SLOTS},
                    current_level=self.slots.get("triage_level"),
                )
                if self.slots.get(slot) is None
            ),
            None,
        )

    def start_screening(self) -> None:
        """The person reports a cramp or asks for relief: the form starts."""
        self._validate({})
        self._finish_if_done()

    def answer(self, value: str) -> None:
        """Press the Yes, No or Not sure button of the question the form asked."""
        intent = {
            triage.PRESENT: "affirm",
            triage.ABSENT: "deny",
            triage.UNSURE: "express_unsure",
        }[value]
        self.reply("", intent=intent)

    def deny_until_done(self) -> list[str]:
        """Answer No to each question until the form is done; the slots it asked."""
        asked = []
        while (slot := self.requested_slot()) is not None:
            asked.append(slot)
            self.answer(triage.ABSENT)
        return asked

    def reply(
        self,
        text: str,
        *,
        intent: str = "nlu_fallback",
        confidence: float = 1.0,
        entities: list[dict[str, Any]] | None = None,
    ) -> None:
        """Send a message while a question is open, as Rasa would handle it.

        ``action_record_red_flags`` reads it (the slot mapping), then the form
        validates what it extracted; nothing extracted is the form's rejection, and
        the question stays open.
        """
        slot = self.requested_slot()
        if slot is None:
            return
        tracker = make_tracker(
            {**self.slots, "requested_slot": slot},
            entities=entities,
            intent=intent,
            events=self.events,
            active_loop="screening_form",
        )
        tracker.latest_message["text"] = text
        tracker.latest_message["intent"]["confidence"] = confidence
        dispatcher = CollectingDispatcher()
        events = run(ActionRecordRedFlags().run(dispatcher, tracker, self.domain))
        candidates = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
        if not candidates:
            self.rejected += 1
            return
        self._validate(candidates, requested=slot, intent=intent)
        self._finish_if_done()

    def volunteer(self, flag_id: str, role: str = triage.PRESENT) -> None:
        """Mention a red flag in free text, at any point of the conversation."""
        tracker = make_tracker(self.slots, entities=[flag_entity(flag_id, role)])
        dispatcher = CollectingDispatcher()
        events = run(ActionRecordRedFlags().run(dispatcher, tracker, self.domain))
        candidates = {
            e["name"]: e["value"] for e in events if e["name"] in triage.SCREEN_SLOTS
        }
        self._apply(events)
        if self.form_active:
            self._validate(candidates)
            self._finish_if_done()
        else:
            # A symptom report starts the screening (rules.yml).
            self._validate(candidates)
            self._finish_if_done()

    def _finish_if_done(self) -> None:
        if self.requested_slot() is not None:
            return
        self.form_active = False
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(self.slots)
        self._apply(
            run(ActionConcludeScreening().run(dispatcher, tracker, self.domain))
        )
        self.said += responses(dispatcher)
        if self.slots.get("triage_level") == triage.SELF_CARE:
            self.ask_for_remedy()

    def ask_for_remedy(self) -> None:
        """Run the remedy action, as the rule after a self-care conclusion does."""
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(self.slots)
        run(ActionGiveRemedyAdvice().run(dispatcher, tracker, self.domain))
        self.said += responses(dispatcher)
