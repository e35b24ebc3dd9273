"""Refuse to load a model with a spaCy pipeline other than the one it was trained with.

``config.yml`` names the project's pipeline by its path (``build/spacy/en_hamstring``),
and Rasa's model archive does not contain it: a model trained with one build and served
with another (a pipeline rebuilt after ``git pull``, or an image given a stale model)
would tokenise, lemmatise and read red flags in a way no test drove. This component,
placed right after ``SharedSpacyNLP``, records at training which sources the pipeline was
built from (the digest ``nlp.build`` writes into its ``meta.json``) and, when the model
is loaded, compares that record with the pipeline the server loads; on a mismatch the
load fails with the command that fixes it::

    - name: components.spacy_pipeline_pin.SpacyPipelinePin

It changes no message.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.shared_spacy_nlp import SharedSpacyNLP, built_from

logger = logging.getLogger(__name__)

PIN_FILE = "spacy_pipeline.json"


class PipelineMismatch(RasaException):
    """The spaCy pipeline on disk is not the build the model was trained with."""


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=True,
    model_from="SharedSpacyNLP",
)
class SpacyPipelinePin(GraphComponent):
    """Records the pipeline's sources digest at training and checks it at load."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        pinned: dict[str, Any] | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.pinned = pinned

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyPipelinePin:
        """A pin that has recorded nothing yet (training)."""
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        """Record the name and sources digest of the pipeline the model is trained with."""
        self.pinned = {"pipeline": model.model_name, "sources": built_from(model)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PIN_FILE).write_text(json.dumps(self.pinned), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpacyPipelinePin:
        """The recorded pin, checked against the pipeline this process loads."""
        with model_storage.read_from(resource) as directory:
            pinned = json.loads((directory / PIN_FILE).read_text(encoding="utf-8"))
        check(pinned, SharedSpacyNLP.load_model(pinned["pipeline"]))
        return cls(model_storage, resource, pinned)

    def process_training_data(
        self, training_data: TrainingData, model: SpacyModel
    ) -> TrainingData:
        """The training data, unchanged."""
        return training_data

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        """The messages, unchanged."""
        return messages


def check(pinned: dict[str, Any], model: SpacyModel) -> None:
    """Raise ``PipelineMismatch`` unless ``model`` was built from the pinned sources."""
    loaded = built_from(model)
    if loaded != pinned["sources"]:
        raise PipelineMismatch(
            f"The model was trained with the spaCy pipeline {pinned['pipeline']} built "
            f"from sources {str(pinned['sources'])[:12]}, but the pipeline there now was "
            f"built from {str(loaded)[:12]}. Run `make train` to rebuild the pipeline and "
            "retrain the model together, and serve them together."
        )
    logger.debug("spaCy pipeline %s matches the model", pinned["pipeline"])
