"""Privacy controls for stored conversations: retention and deletion on request.

The functions work on Rasa's SQL tracker store (table ``events``), in PostgreSQL for
deployments and in SQLite for the embedded default.
"""

from privacy.erasure import (
    delete_conversation,
    delete_conversation_after_turn,
    schedule_conversation_deletion,
)
from privacy.retention import purge_expired_conversations

__all__ = [
    "delete_conversation",
    "delete_conversation_after_turn",
    "purge_expired_conversations",
    "schedule_conversation_deletion",
]
