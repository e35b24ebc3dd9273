"""InferenceDIETClassifier: DIET loaded without a training step predicts as Rasa's load.

The trained model is loaded twice, as the server loads it and with Rasa's own
``DIETClassifier._load_model_class`` (which fits one example before restoring the
weights). Each sentence goes once through the pipeline up to DIET (the spaCy pipeline
and the featurizers), then through each loaded DIET as the server runs it (``process``,
one message at a time): the intent rankings must be the same, names and confidences.
The sentences of ``tests/test_nlu.yml`` are a unit test; every eighth sentence of
the red-flag phrasing corpus runs in ``make test-nlu-model`` (a difference between
two loads of the same weights shows on any sentence, so a fixed sample finds it as
surely as the whole corpus, which took half an hour of a CI run: DIET runs one
message at a time, twice).
Needs the trained model (``make train``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.log_utils import configure_structlog

from components.inference_diet import InferenceDIETClassifier
from nlp.phrasings import DEV_DIR, HELDOUT_DIR, load_dir
from tests.helpers.assistant import TRAINED_MODEL, needs_trained_model
from tests.helpers.paths import REPO_ROOT

pytestmark = needs_trained_model

TOLERANCE = 1e-6
CORPUS_STRIDE = 8
"""Every eighth sentence of the sorted phrasing corpus (about 2,400 of 19,500)."""

Ranking = list[tuple[str, float]]


@dataclass
class LoadedTwice:
    """The trained model as the server loads it, and its DIET as Rasa loads it."""

    agent: Agent
    diet_input: str
    """The graph node whose messages DIET classifies (the last featurizer's)."""
    inference_only: DIETClassifier
    rasas_load: DIETClassifier

    def rankings(self, texts: Iterable[str]) -> list[tuple[str, Ranking, Ranking]]:
        """Each text with its intent ranking by each DIET, on the same features."""
        runner = self.agent.processor.graph_runner  # type: ignore[union-attr]
        messages = runner.run(
            inputs={
                PLACEHOLDER_MESSAGE: [UserMessage(text) for text in texts],
                PLACEHOLDER_TRACKER: None,
            },
            targets=[self.diet_input],
        )[self.diet_input]
        ours = [ranking(m) for m in self.inference_only.process(messages)]
        theirs = [ranking(m) for m in self.rasas_load.process(messages)]
        return [
            (m.get("text"), a, b)
            for m, a, b in zip(messages, ours, theirs, strict=True)
        ]


def ranking(message: Message) -> Ranking:
    """The message's intent ranking as (name, confidence) pairs."""
    return [(i["name"], i["confidence"]) for i in message.get("intent_ranking")]


def diet_of(agent: Agent) -> tuple[str, DIETClassifier]:
    """The name of the node feeding ``agent``'s DIET, and its loaded DIET component."""
    processor = agent.processor
    assert processor is not None
    schema = processor.model_metadata.predict_schema
    name = next(
        n for n, node in schema.nodes.items() if node.uses is InferenceDIETClassifier
    )
    # Rasa keeps a graph's loaded components in its runner's nodes.
    node = processor.graph_runner._instantiated_nodes[name]  # type: ignore[attr-defined]
    return schema.nodes[name].needs["messages"], node._component


@pytest.fixture(scope="module")
def loaded() -> LoadedTwice:
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(TRAINED_MODEL))
    diet_input, inference_only = diet_of(agent)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            InferenceDIETClassifier,
            "_load_model_class",
            DIETClassifier._load_model_class,
        )
        _, rasas_load = diet_of(Agent.load(str(TRAINED_MODEL)))
    return LoadedTwice(agent, diet_input, inference_only, rasas_load)


def differences(loaded: LoadedTwice, texts: Iterable[str]) -> list[str]:
    """The texts whose rankings differ, with the first three intents of each."""
    return [
        f"{text!r}: {ours[:3]} against {theirs[:3]}"
        for text, ours, theirs in loaded.rankings(texts)
        if [a for a, _ in ours] != [b for b, _ in theirs]
        or any(
            abs(a - b) > TOLERANCE for (_, a), (_, b) in zip(ours, theirs, strict=True)
        )
    ]


def test_the_server_loads_diet_without_an_optimiser(loaded: LoadedTwice) -> None:
    """No training step at load: no optimiser (nor its slots); Rasa's load has one."""
    assert loaded.inference_only.model.optimizer is None
    assert loaded.rasas_load.model.optimizer is not None


def test_rankings_are_rasas_on_the_held_out_nlu_test_data(
    loaded: LoadedTwice,
) -> None:
    nlu = load_data(str(REPO_ROOT / "tests" / "test_nlu.yml"))
    texts = sorted({m.get("text") for m in nlu.intent_examples})
    assert texts
    found = differences(loaded, texts)
    assert not found, f"{len(found)} of {len(texts)} differ, e.g. {found[:3]}"


def test_rankings_are_rasas_on_the_phrasing_corpus(loaded: LoadedTwice) -> None:
    corpus = sorted({s.text for s in load_dir(DEV_DIR) + load_dir(HELDOUT_DIR)})
    texts = corpus[::CORPUS_STRIDE]
    assert len(texts) > 2000
    found = differences(loaded, texts)
    assert not found, f"{len(found)} of {len(texts)} differ, e.g. {found[:3]}"
