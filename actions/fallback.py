"""Low-confidence fallback: ask to rephrase once, then offer the clinic's contact."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

FALLBACK_INTENT = "nlu_fallback"


def fallbacks_in_a_row(events: list[dict]) -> int:
    """How many of the latest user messages in a row the NLU did not understand."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandleFallback(Action):
    """Answer a message the assistant did not understand.

    The first time it asks the person to rephrase; when it still does not understand,
    it offers the clinic's contact instead of asking again and again. During the
    screening a rule asks the pending question again afterwards.
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_handle_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Utter the rephrase request or, after repeated misunderstandings, the contact."""
        if fallbacks_in_a_row(tracker.events) >= 2:
            dispatcher.utter_message(response="utter_fallback_contact")
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
