"""Emergency flags' own classifier threshold: chosen on dev writers the model never saw.

An experiment, measured on the dev part of the phrasing corpus only (README, "Safety
figures"). The red-flag classifier adds a flag the wordings did not match when its
probability reaches ``threshold`` (0.7). A missed emergency costs more than a false
one, so this asks what a lower threshold for the two emergency flags alone gives.

Five folds of whole dev writers (every fifth file by name makes a fold, as in the
README's fold figures); each fold is read by a classifier trained on the other four,
through the pipeline's wordings, the classifier component with the variant's
thresholds and the screening's reply reading. Run ``python -m
scripts.emergency_threshold_experiment [--pipeline DIR] [--thresholds 0.7 0.6 ...]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import spacy

import nlp.red_flags  # noqa: F401  (registers the factories)
from actions.triage import RED_FLAGS
from nlp.flag_classifier import FACTORY_NAME, FlagClassifier, FlagClassifierComponent
from tests.safety.corpus import (
    DEV_DIR,
    EMERGENCY_FLAGS,
    Scores,
    Sentence,
    load_batch,
    score,
    writer_folds,
)
from tests.safety.test_phrasing_corpus import detector_statuses


def folds(dev_dir: Path) -> list[list[Sentence]]:
    """The dev batches in five folds of whole writers (every fifth file by name)."""
    return [
        [sentence for path in fold for sentence in load_batch(path)]
        for fold in writer_folds(sorted(dev_dir.glob("*.yml")))
    ]


def scored(read: list[tuple[Sentence, dict[str, str]]]) -> Scores:
    """The figures of sentences already read, each with what was made of it."""
    answers = {id(sentence): got for sentence, got in read}
    return score([sentence for sentence, _ in read], lambda s: answers[id(s)])


def run(pipeline: Path, thresholds: Sequence[float]) -> None:
    """Print, per emergency threshold, the figures over all folds."""
    nlp = spacy.load(pipeline)
    component = nlp.get_pipe(FACTORY_NAME)
    assert isinstance(component, FlagClassifierComponent)
    flag_ids = [flag.id for flag in RED_FLAGS]
    parts = folds(DEV_DIR)
    read: dict[float, list[tuple[Sentence, dict[str, str]]]] = {
        t: [] for t in thresholds
    }
    for index, fold in enumerate(parts):
        rest = [s for other, part in enumerate(parts) if other != index for s in part]
        component.classifier = FlagClassifier.train(
            [s.text for s in rest], [s.present_flags for s in rest], flag_ids
        )
        for threshold in thresholds:
            component.flag_thresholds = dict.fromkeys(EMERGENCY_FLAGS, threshold)
            read[threshold] += [(s, detector_statuses(nlp, s)) for s in fold]
    for threshold in thresholds:
        print(scored(read[threshold]).summary(f"emergency threshold {threshold}"))


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pipeline", type=Path, default=Path("build/spacy/en_hamstring")
    )
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.7, 0.6, 0.5, 0.4]
    )
    arguments = parser.parse_args()
    run(arguments.pipeline, arguments.thresholds)


if __name__ == "__main__":
    main()
