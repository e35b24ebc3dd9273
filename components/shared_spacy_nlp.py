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

Rasa's training cache knows the pipeline only by its name: the node that loads it has
no inputs and the same config after a rebuild, and ``SpacyModel`` fingerprints the name
alone, so ``rasa train`` restored every component after it from the cache of an older
build of the same path (and ``SpacyPipelinePin`` recorded the older build). Here the
node's cache key (``fingerprint_addon``) and the loaded model's fingerprint both carry
the digest of the sources the pipeline was built from (``nlp.build`` writes it into
``meta.json``), so a rebuilt pipeline is run again and what reads it is retrained
unless its output is the same.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

from nlp.build import SOURCES_DIGEST_KEY


def _digest_in(meta: Mapping[str, Any]) -> str | None:
    """The sources digest ``nlp.build`` wrote into a pipeline's meta (None if none)."""
    digest = meta.get(SOURCES_DIGEST_KEY)
    return str(digest) if digest else None


def built_from(model: SpacyModel) -> str | None:
    """The digest of the sources a loaded pipeline was built from."""
    return _digest_in(model.model.meta)


def built_from_on_disk(spacy_model_name: str) -> str | None:
    """The digest of the sources the pipeline directory on disk was built from."""
    meta_path = Path(spacy_model_name) / "meta.json"
    if not spacy_model_name or not meta_path.is_file():
        return None
    return _digest_in(json.loads(meta_path.read_text(encoding="utf-8")))


@dataclasses.dataclass
class BuiltSpacyModel(SpacyModel):
    """A loaded pipeline fingerprinted by its name and the sources it was built from."""

    def fingerprint(self) -> str:
        """The name, and the sources' digest when the pipeline's meta has one."""
        return f"{self.model_name}@{built_from(self) or 'unknown'}"


@cache
def _loaded(spacy_model_name: str) -> BuiltSpacyModel:
    """The spaCy pipeline ``spacy_model_name``, loaded by Rasa on first use."""
    loaded = SpacyNLP.load_model(spacy_model_name)
    return BuiltSpacyModel(model=loaded.model, model_name=loaded.model_name)


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

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The sources digest of the pipeline on disk, for Rasa's training cache key."""
        return built_from_on_disk(str(config.get("model") or ""))
