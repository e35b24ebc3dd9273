"""Remedy advice: the only place that says an ``utter_remedy_*`` response (rule 1)."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import triage
from actions.answers import current_level, screening_answers
from actions.escalation import utter_escalation

logger = logging.getLogger(__name__)

# What to do for a cramp, in the order it is said.
REMEDY_RESPONSES: tuple[str, ...] = (
    "utter_remedy_stretch",
    "utter_remedy_massage",
    "utter_remedy_heat_cold",
    "utter_remedy_hydration",
    "utter_remedy_pain_relief",
    "utter_remedy_safety_net",
)


class ActionGiveRemedyAdvice(Action):
    """Give remedy advice, but only at ``self_care`` after a concluded screening.

    Rules only call this after the screening concluded at ``self_care``; the check
    here is a second guard, so that no path can reach advice with a red flag present.
    Without it, the person is screened first or told what to do instead.
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_give_remedy_advice"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Utter the remedy responses, or the escalation if advice is not allowed."""
        assessment = triage.assess(
            screening_answers(tracker), current_level=current_level(tracker)
        )
        if assessment.advice_allowed:
            for response in REMEDY_RESPONSES:
                dispatcher.utter_message(response=response)
            return []
        logger.info("Remedy advice withheld: screening not concluded at self_care")
        if assessment.escalates:
            utter_escalation(dispatcher, assessment.final_level, assessment.reported)
        else:
            dispatcher.utter_message(response="utter_screening_intro")
        return []
