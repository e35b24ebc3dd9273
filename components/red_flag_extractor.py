"""Rasa NLU component that turns red flags in free text into ``red_flag`` entities.

It runs after ``SpacyNLP``/``SpacyTokenizer`` and after the intent classifier::

    - name: components.red_flag_extractor.RedFlagEntityExtractor

and reads the red flags that the ``hamstring_red_flags`` spaCy component put on the
message's spaCy doc (``doc._.red_flags``). When the doc has none (another spaCy model,
or no ``SpacyNLP`` at all) it runs the project's own pipeline on the text, so the
entities never depend on DIET.

Every flag becomes an entity ``{"entity": "red_flag", "value": <flag id>,
"role": present|absent|unsure, ...}``. Because safety beats helpfulness, a message that
reports a flag (present or unsure) is re-labelled ``report_symptom`` (confidence 1.0)
unless its intent is in ``keep_intents`` (answers and commands that the dialogue handles
itself) with at least ``keep_min_confidence``. The classifier's guesses follow in the
ranking, their confidence scaled by ``demote_factor`` so that ``FallbackClassifier``
neither falls back nor finds the override ambiguous.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    ENTITY_ATTRIBUTE_CONFIDENCE_ROLE,
    ENTITY_ATTRIBUTE_CONFIDENCE_TYPE,
    SPACY_DOCS,
)
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language
from spacy.tokens import Doc

import nlp.flag_classifier  # noqa: F401  (registers the factory SpacyNLP loads)
from components.relabel import ranking_without, relabel
from nlp.red_flags import ABSENT, FACTORY_NAME

logger = logging.getLogger(__name__)

# Not "restart": it forgets everything said, so a message that reports a flag is a
# report even when it reads like one ("will I start getting these every night now?").
# "stop" stays: a stop still records the flags of its message and says their level
# (action_stop_screening, in or outside the screening).
DEFAULT_KEEP_INTENTS = (
    "affirm",
    "deny",
    "express_unsure",
    "report_cramp",
    "ask_relief",
    "stop",
)


@lru_cache(maxsize=1)
def _own_pipeline() -> Language:
    """The project's spaCy pipeline, built in memory (used when the doc has no flags)."""
    from nlp.build import build_pipeline

    return build_pipeline()


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class RedFlagEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``red_flag`` entities (role = status) and lets red flags override the intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Entity name declared in the domain, with roles present, absent, unsure.
            "entity": "red_flag",
            # Intent given to a message that reports a flag; null disables the override.
            "override_intent": "report_symptom",
            # Intents left alone even when a flag is reported ...
            "keep_intents": list(DEFAULT_KEEP_INTENTS),
            # ... if the classifier is at least this sure of them, by at least this
            # margin over its runner-up (FallbackClassifier's threshold and
            # ambiguity_threshold): a weak "affirm" on "it was agony" would otherwise
            # end as nlu_fallback and lose the flag.
            "keep_min_confidence": 0.5,
            "keep_min_margin": 0.1,
            # The demoted intents stay in the ranking with their confidence scaled by
            # this factor, so FallbackClassifier does not find the override ambiguous.
            "demote_factor": 0.5,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Create the extractor from its config."""
        self.component_config = {**self.get_default_config(), **config}
        self._entity: str = self.component_config["entity"]
        self._override: str | None = self.component_config["override_intent"]
        self._keep = frozenset(self.component_config["keep_intents"] or ())
        self._keep_min = float(self.component_config["keep_min_confidence"])
        self._keep_margin = float(self.component_config["keep_min_margin"])
        self._demote = float(self.component_config["demote_factor"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagEntityExtractor:
        """Creates component (see parent class for full docstring)."""
        return cls(config)

    @staticmethod
    def required_packages() -> list[str]:
        """Lists required dependencies (see parent class for full docstring)."""
        return ["spacy"]

    def _flags(self, message: Message) -> list[dict[str, Any]]:
        """The red flags of a message, from its spaCy doc when it carries them."""
        text = message.get(TEXT)
        if not text:
            return []
        doc: Doc | None = message.get(SPACY_DOCS[TEXT])
        if doc is not None and doc._.red_flags is not None:
            return doc._.red_flags
        logger.debug("spaCy doc carries no red flags; running %s", FACTORY_NAME)
        return _own_pipeline()(text)._.red_flags

    def _entities(self, flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rasa entities for the flags."""
        entities = [
            {
                ENTITY_ATTRIBUTE_TYPE: self._entity,
                ENTITY_ATTRIBUTE_VALUE: flag["flag"],
                ENTITY_ATTRIBUTE_ROLE: flag["status"],
                ENTITY_ATTRIBUTE_START: flag["start"],
                ENTITY_ATTRIBUTE_END: flag["end"],
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
                ENTITY_ATTRIBUTE_CONFIDENCE_ROLE: 1.0,
            }
            for flag in flags
        ]
        return self.add_extractor_name(entities)

    def _is_sure(self, message: Message) -> bool:
        """Whether the classifier's intent is confident and unambiguous."""
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        ranking = message.get(INTENT_RANKING_KEY) or []
        runner_up = (
            ranking[1].get(PREDICTED_CONFIDENCE_KEY, 0.0) if len(ranking) > 1 else 0.0
        )
        return (
            confidence >= self._keep_min and confidence - runner_up >= self._keep_margin
        )

    def _override_intent(self, message: Message) -> None:
        """Re-label the message ``override_intent``, keeping the original in the ranking."""
        intent = message.get(INTENT) or {}
        original = intent.get(INTENT_NAME_KEY)
        if not self._override or (original in self._keep and self._is_sure(message)):
            return
        # The classifier's own guess comes second (unless it was the override itself,
        # now certain), then the rest of its ranking, all demoted.
        demoted = [dict(intent)] if original and original != self._override else []
        demoted += [
            dict(item) for item in ranking_without(message, self._override, original)
        ]
        for item in demoted:
            item[PREDICTED_CONFIDENCE_KEY] = (
                item.get(PREDICTED_CONFIDENCE_KEY) or 0.0
            ) * self._demote
        relabel(message, self._override, followed_by=demoted)
        logger.debug("red flag reported: intent %s -> %s", original, self._override)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add red-flag entities to the messages and apply the intent override."""
        for message in messages:
            flags = self._flags(message)
            if not flags:
                continue
            # This component is the one source of red-flag entities (not DIET).
            entities = [
                entity
                for entity in message.get(ENTITIES) or []
                if entity.get(ENTITY_ATTRIBUTE_TYPE) != self._entity
            ]
            message.set(ENTITIES, entities + self._entities(flags), add_to_output=True)
            if any(flag["status"] != ABSENT for flag in flags):
                self._override_intent(message)
        return messages
