"""NLU parse latency per message, with and without the red-flag detector.

Usage::

    python -m bench.nlu_latency [--pipeline build/spacy/en_hamstring] [--model models/x.tar.gz]
        [--corpus-sample 3000]

Times the red-flag wordings detector (``hamstring_red_flags``) alone over the phrasing
corpus (dev and held-out, ``tests/safety/phrasings``, a seeded sample of the distinct
sentences), with its anchored matcher and with the single spaCy ``Matcher`` over all
the wording patterns that it replaced, interleaved message by message; then every
sentence of the team-written dev phrasings (``tests/safety/phrasings/dev/T0_team.yml``):

* at the spaCy level: the project pipeline with ``hamstring_red_flags`` and the same
  pipeline with that component disabled (interleaved message by message);
* with ``--model``: Rasa ``Agent.parse_message`` on the trained model, with the detector
  and with it switched off in the same loaded model (the spaCy component disabled and
  ``RedFlagEntityExtractor`` turned into a no-op), in alternating rounds.

Prints the median and 95th percentile per message and the with/without ratio.
"""

import argparse
import asyncio
import dataclasses
import functools
import logging
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import spacy
import srsly
from spacy.language import Language

import nlp.red_flags  # noqa: F401  (registers the hamstring_red_flags factory)
from nlp.build import build_pipeline
from nlp.flag_classifier import FACTORY_NAME as CLASSIFIER_NAME
from nlp.phrasings import DEV_DIR, HELDOUT_DIR, PHRASINGS_DIR, load_dir
from nlp.red_flags import FACTORY_NAME, RedFlagDetector

# Both red-flag components: the wordings and the classifier that backs them up.
DETECTORS = (FACTORY_NAME, CLASSIFIER_NAME)

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
PHRASINGS_PATH = REPO_ROOT / "tests" / "safety" / "phrasings" / "dev" / "T0_team.yml"


def load_texts(path: Path = PHRASINGS_PATH) -> list[str]:
    """The sentences of the phrasing table."""
    return [str(row["text"]) for row in srsly.read_yaml(path)["sentences"]]


def corpus_texts(sample: int, *, seed: int = 13) -> list[str]:
    """Distinct sentences of the whole phrasing corpus; a seeded sample if ``sample``."""
    ordered = sorted({s.text for s in load_dir(DEV_DIR) + load_dir(HELDOUT_DIR)})
    if 0 < sample < len(ordered):
        ordered = random.Random(seed).sample(ordered, sample)
    return ordered


def summary(samples: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def report(
    label: str,
    with_times: Sequence[float],
    without_times: Sequence[float],
    names: tuple[str, str] = ("with detector", "without"),
) -> None:
    """Print one comparison line."""
    with_median, with_p95 = summary(with_times)
    without_median, without_p95 = summary(without_times)
    print(
        f"{label}: {names[0]} median {with_median:.3f} ms, p95 {with_p95:.3f} ms | "
        f"{names[1]} median {without_median:.3f} ms, p95 {without_p95:.3f} ms | "
        f"ratio median {with_median / without_median:.2f}x, "
        f"p95 {with_p95 / without_p95:.2f}x  (n={len(with_times)})"
    )


def time_call(fn: Callable[[], Any]) -> float:
    """Seconds taken by one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_spacy(nlp: Language, texts: Sequence[str], rounds: int) -> None:
    """spaCy-level latency, with and without the detector, interleaved per message."""
    for text in texts[:20]:  # warm-up (the matchers compile on first use)
        nlp(text)
    with_times: list[float] = []
    without_times: list[float] = []
    for round_index in range(rounds):
        for index, text in enumerate(texts):
            runs = [
                (with_times, lambda t=text: nlp(t)),
                (
                    without_times,
                    lambda t=text: nlp(
                        t, disable=[n for n in DETECTORS if n in nlp.pipe_names]
                    ),
                ),
            ]
            if (index + round_index) % 2:
                runs.reverse()
            for samples, fn in runs:
                samples.append(time_call(fn))
    report("spaCy pipeline", with_times, without_times)


def bench_detector(nlp: Language, texts: Sequence[str]) -> None:
    """The wordings detector alone: anchored matcher vs one Matcher, per message."""
    detector = nlp.get_pipe(FACTORY_NAME)
    assert isinstance(detector, RedFlagDetector)
    docs = [nlp(text, disable=list(DETECTORS)) for text in texts]
    detector(docs[0])  # compiles the patterns if the pipeline has not yet
    anchored = detector._flags
    # The single Matcher over every wording pattern: what ran before the anchors.
    full: Any = anchored.matcher.single_matcher()
    single = dataclasses.replace(anchored, matcher=full)
    anchored_times: list[float] = []
    single_times: list[float] = []
    for index, doc in enumerate(docs):
        runs = [(anchored_times, anchored), (single_times, single)]
        if index % 2:
            runs.reverse()
        for samples, matchers in runs:
            detector._flags = matchers
            samples.append(time_call(functools.partial(detector, doc)))
    detector._flags = anchored
    report(
        "red-flag wordings detector",
        anchored_times,
        single_times,
        names=("anchored matcher", "one Matcher"),
    )


@contextmanager
def detector_disabled(agent: Any) -> Iterator[None]:
    """Switch the red-flag detector off inside a loaded Rasa model (bench only)."""
    # Private Rasa internals: acceptable for a benchmark, never for the assistant.
    nodes = agent.processor.graph_runner._instantiated_nodes
    spacy_models: list[Language] = []
    extractor_nodes = []
    for node in nodes.values():
        component: Any = getattr(node, "_component", None)
        if type(component).__name__ == "SpacyNLP":
            language = component.provide().model
            if FACTORY_NAME in language.pipe_names:
                spacy_models.append(language)
        if type(component).__name__ == "RedFlagEntityExtractor":
            extractor_nodes.append(node)
    originals = [node._fn for node in extractor_nodes]
    for language in spacy_models:
        for name in DETECTORS:
            if name in language.pipe_names:
                language.disable_pipe(name)
    for node in extractor_nodes:
        node._fn = lambda component, messages: messages
    try:
        yield
    finally:
        for language in spacy_models:
            for name in DETECTORS:
                if name in language.disabled:
                    language.enable_pipe(name)
        for node, original in zip(extractor_nodes, originals, strict=True):
            node._fn = original


def bench_rasa(model: Path, texts: Sequence[str], rounds: int) -> None:
    """Rasa ``Agent.parse_message`` latency, with and without the detector."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse(samples: list[float]) -> None:
        for text in texts:
            start = time.perf_counter()
            await agent.parse_message(text)
            samples.append(time.perf_counter() - start)

    async def run() -> tuple[list[float], list[float]]:
        warm: list[float] = []
        await parse(warm)
        with_times: list[float] = []
        without_times: list[float] = []
        for round_index in range(rounds):
            order = [False, True] if round_index % 2 == 0 else [True, False]
            for disabled in order:
                if disabled:
                    with detector_disabled(agent):
                        await parse(without_times)
                else:
                    await parse(with_times)
        return with_times, without_times

    with_times, without_times = asyncio.run(run())
    report(f"Rasa parse_message ({model.name})", with_times, without_times)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", help="built spaCy pipeline (default: build now)")
    parser.add_argument("--model", help="trained Rasa model (.tar.gz) to time as well")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the table")
    parser.add_argument(
        "--corpus-sample",
        type=int,
        default=3000,
        help="corpus sentences for the detector alone (0: all)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    texts = load_texts()
    nlp = spacy.load(args.pipeline) if args.pipeline else build_pipeline()
    corpus = corpus_texts(args.corpus_sample)
    print(f"{len(corpus)} corpus sentences from {PHRASINGS_DIR.relative_to(REPO_ROOT)}")
    bench_detector(nlp, corpus)
    print(f"{len(texts)} messages from {PHRASINGS_PATH.relative_to(REPO_ROOT)}")
    bench_spacy(nlp, texts, args.rounds)
    if args.model:
        bench_rasa(Path(args.model), texts, max(1, args.rounds // 2))


if __name__ == "__main__":
    main()
