"""Rasa's ``SpacyNLP``, loading each spaCy pipeline once per process rather than twice.

Rasa's recipe makes two graph nodes of ``SpacyNLP``: ``provide_SpacyNLP…``, whose
pipeline every message goes through, and ``run_SpacyNLP…``, which processes the
messages with the pipeline it is *given* by the first. Each node creates its own
component, and ``SpacyNLP.create`` loads the pipeline from disk, so the server held
two copies of the project's pipeline (the red-flag lexicon and classifier), about
57 MB, one of them never used (``make bench-memory``). This subclass loads a pipeline
once per name and hands both nodes the same object; a spaCy ``Language`` is not
changed by processing text, so sharing it changes no result::

    - name: components.shared_spacy_nlp.SharedSpacyNLP
      model: build/spacy/en_hamstring
"""

from __future__ import annotations

from functools import cache

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP


@cache
def _loaded(spacy_model_name: str) -> SpacyModel:
    """The spaCy pipeline ``spacy_model_name``, loaded by Rasa on first use."""
    return SpacyNLP.load_model(spacy_model_name)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SharedSpacyNLP",
)
class SharedSpacyNLP(SpacyNLP):
    """``SpacyNLP`` whose graph nodes share one loaded pipeline per model name."""

    @staticmethod
    def load_model(spacy_model_name: str) -> SpacyModel:
        """The pipeline ``spacy_model_name``, loaded once per process."""
        return _loaded(spacy_model_name)
