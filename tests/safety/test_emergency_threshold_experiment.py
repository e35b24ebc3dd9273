"""The dev experiments read each dev writer in exactly one fold."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from scripts.emergency_threshold_experiment import EMERGENCY_FLAGS, folds
from tests.safety.corpus import DEV_DIR, FOLDS, load_dir, writer_folds


def test_writer_folds_take_every_fifth_file_in_the_order_given() -> None:
    files = [Path(f"D{n}.yml") for n in (3, 1, 4, 15, 9, 2, 6)]
    assert writer_folds(files) == [
        [Path("D3.yml"), Path("D2.yml")],
        [Path("D1.yml"), Path("D6.yml")],
        [Path("D4.yml")],
        [Path("D15.yml")],
        [Path("D9.yml")],
    ]
    assert writer_folds(files, 2) == [files[0::2], files[1::2]]


def test_every_dev_sentence_is_in_one_fold_with_its_writer() -> None:
    parts = folds(DEV_DIR)
    assert len(parts) == FOLDS
    texts = Counter(sentence.text for part in parts for sentence in part)
    assert texts == Counter(sentence.text for sentence in load_dir(DEV_DIR))
    writers = [{sentence.batch for sentence in part} for part in parts]
    assert all(a.isdisjoint(b) for i, a in enumerate(writers) for b in writers[i + 1 :])


def test_the_emergency_flags_are_the_contracts() -> None:
    assert EMERGENCY_FLAGS == ("chest_pain_or_breathless", "cold_pale_leg")
