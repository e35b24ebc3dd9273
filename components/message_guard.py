"""Rasa NLU component that sends messages without understandable words to the fallback.

DIET always picks some intent, and for text it cannot read it sometimes picks one with
high confidence: emoji alone ("😭", "🤷") came out as ``affirm``, gibberish as
``out_of_scope``. In a screening an emoji must never count as a "yes", so this
component, placed after the intent classifier, sets the intent to ``nlu_fallback``
(confidence 1.0) when a message

- has no letter or digit at all (empty, emoji, punctuation, markup symbols), or
- has at least ``min_words`` words and fewer than ``min_known_share`` of them are
  known: seen in the training examples or in spaCy's English lemma table
  (spacy-lookups-data), so other languages and keyboard mashing are asked to rephrase.

The assistant then asks the person to rephrase (and offers the clinic's contact if it
happens again). Red flags found by ``RedFlagEntityExtractor`` still win, since that
component runs after this one.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.relabel import ranking_without, relabel

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
VOCABULARY_FILE = "vocabulary.json"
WORD = re.compile(r"[^\W\d_]{2,}")
ALPHANUMERIC = re.compile(r"[^\W_]")


@lru_cache(maxsize=1)
def _english_lemma_table() -> tuple[Any, frozenset[str]]:
    """SpaCy's English lemma lookup table and the set of its lemmas."""
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    return table, frozenset(str(value) for value in table.values())


def is_english_word(word: str) -> bool:
    """Whether ``word`` is an inflected form or a lemma in spaCy's English table."""
    table, lemmas = _english_lemma_table()
    return word in table or word in lemmas


def words(text: str) -> list[str]:
    """The lower-cased words (letters only, two or more) of ``text``."""
    return [word.lower() for word in WORD.findall(text)]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class MessageGuard(GraphComponent):
    """Marks messages without understandable words as ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults: fall back when under half of three or more words are known."""
        return {"min_words": 2, "min_known_share": 0.5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: frozenset[str] = frozenset(),
    ) -> None:
        """Store the configuration and the training vocabulary."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageGuard:
        """A new, untrained guard."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MessageGuard:
        """The guard with the vocabulary saved at training time."""
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / VOCABULARY_FILE
                vocabulary = frozenset(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, FileNotFoundError):
            logger.warning("MessageGuard has no vocabulary; using English words only")
            vocabulary = frozenset()
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        """Remember every word of the training examples."""
        vocabulary = sorted(
            {
                word
                for example in training_data.training_examples
                for word in words(example.get(TEXT) or "")
            }
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(vocabulary), encoding="utf-8"
            )
        self._vocabulary = frozenset(vocabulary)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data passes through unchanged."""
        return training_data

    def is_understandable(self, text: str) -> bool:
        """Whether ``text`` has letters or digits and enough known words."""
        if not ALPHANUMERIC.search(text or ""):
            return False
        found = words(text)
        if len(found) < self._config["min_words"]:
            return True
        known = sum(1 for w in found if w in self._vocabulary or is_english_word(w))
        return known / len(found) >= self._config["min_known_share"]

    def process(self, messages: list[Message]) -> list[Message]:
        """Set ``nlu_fallback`` on messages that cannot be understood."""
        for message in messages:
            if self.is_understandable(message.get(TEXT) or ""):
                continue
            relabel(
                message,
                FALLBACK_INTENT,
                followed_by=ranking_without(message, FALLBACK_INTENT),
            )
            logger.debug("Message without understandable words sent to the fallback")
        return messages
