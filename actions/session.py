"""Session start: put the clinic's contact details into slots for every response."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic import load_clinic_config


class ActionSessionStart(Action):
    """Start a session and fill the clinic slots from the action server's environment."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """Return the session start, the clinic slots and a listen."""
        clinic = load_clinic_config()
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(slot, value) for slot, value in clinic.as_slots().items()]
        events.append(ActionExecuted("action_listen"))
        return events
