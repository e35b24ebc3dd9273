"""Rasa NLU component that removes markup from a message before the NLU reads it.

"<b>I have a cramp</b>" is understood as "I have a cramp"; a message that was only
markup becomes empty and goes to the fallback (``components.message_guard``).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Markup a person may paste or type: script/style blocks with their content, then tags.
HIDDEN_MARKUP = re.compile(
    r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
SPACES = re.compile(r"\s+")


def strip_markup(text: str) -> str:
    """``text`` without HTML/XML tags and script or style blocks, spaces collapsed."""
    without = TAG.sub(" ", HIDDEN_MARKUP.sub(" ", text))
    return SPACES.sub(" ", without).strip()


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class MarkupStripper(GraphComponent):
    """Removes markup from a message before the NLU reads it.

    "<b>I have a cramp</b>" is understood as "I have a cramp"; a message that was only
    markup becomes empty and goes to the fallback. The conversation keeps the original
    text; the widget and channels show it as text, never as HTML.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MarkupStripper:
        """A new stripper (nothing to configure or train)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Strip markup from the training examples as from messages."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace each message's text by the text without markup."""
        for message in messages:
            text = message.get(TEXT)
            if text and "<" in text:
                message.set(TEXT, strip_markup(text))
        return messages
