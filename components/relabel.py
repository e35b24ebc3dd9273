"""How a component of this project re-labels a message's intent.

``MessageGuard`` sends a message to ``nlu_fallback`` and ``RedFlagEntityExtractor``
re-labels a reported red flag ``report_symptom``; both set the new intent with
confidence 1.0 and keep the classifier's other guesses after it in the ranking, so
the dialogue and ``FallbackClassifier`` see one certain intent.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message


def ranking_without(message: Message, *intents: str | None) -> list[dict[str, Any]]:
    """The message's intent ranking, in the classifier's order, less ``intents``."""
    return [
        item
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) not in intents
    ]


def relabel(
    message: Message, intent: str, *, followed_by: list[dict[str, Any]]
) -> None:
    """Give ``message`` the intent ``intent`` (confidence 1.0), then ``followed_by``."""
    certain = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, certain, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [certain, *followed_by], add_to_output=True)
