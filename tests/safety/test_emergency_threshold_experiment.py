"""The emergency-threshold experiment reads each dev writer in exactly one fold."""

from __future__ import annotations

from collections import Counter

from scripts.emergency_threshold_experiment import EMERGENCY_FLAGS, FOLDS, folds
from tests.safety.corpus import DEV_DIR, load_dir


def test_every_dev_sentence_is_in_one_fold_with_its_writer() -> None:
    parts = folds(DEV_DIR)
    assert len(parts) == FOLDS
    texts = Counter(sentence.text for part in parts for sentence in part)
    assert texts == Counter(sentence.text for sentence in load_dir(DEV_DIR))
    writers = [{sentence.batch for sentence in part} for part in parts]
    assert all(a.isdisjoint(b) for i, a in enumerate(writers) for b in writers[i + 1 :])


def test_the_emergency_flags_are_the_contracts() -> None:
    assert EMERGENCY_FLAGS == ("chest_pain_or_breathless", "cold_pale_leg")
