"""Deleting a conversation when the person asks for it ("delete my conversation")."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from privacy import schedule_conversation_deletion
from privacy.store import StoreNotConfigured

logger = logging.getLogger(__name__)


class ActionDeleteConversation(Action):
    """Delete this conversation from the tracker store once this turn is stored.

    Deleting inside the action would be undone, since Rasa saves the turn's events
    after the action returns; so the deletion is scheduled for after that save
    (privacy/erasure.py), and the retention job completes it if the server stops first.
    The store comes from ``TRACKER_DB_URL`` or ``TRACKER_DB_*`` in the environment.
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_delete_conversation"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Schedule the deletion and say so, or say it could not be done here."""
        try:
            schedule_conversation_deletion(tracker.sender_id, marker_action=self.name())
        except StoreNotConfigured:
            logger.warning("Deletion requested but no tracker store database is set")
            dispatcher.utter_message(response="utter_conversation_not_deleted")
            return []
        dispatcher.utter_message(response="utter_conversation_deleted")
        return []
