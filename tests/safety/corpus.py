"""The red-flag phrasing corpus: loading its batches and scoring a detector on them.

Batches live in ``tests/safety/phrasings/{dev,heldout}/*.yml``, one file per writer
(see ``phrasings/README.md`` for how they were written and why the held-out part is
frozen). Each sentence has a ``text``, the ``flags`` it speaks to with their status
(present / absent / unsure; a flag not listed is one the sentence does not report)
and, for a reply to the assistant's screening question, the ``asked`` flag.

Scoring compares what the assistant made of each sentence (one status per flag) with
the labels:

* present recall: labelled present, read as present (unsure is not enough: an unsure
  reading is asked about again and a "no" to a reworded question would clear it);
* unsure recall: labelled unsure, read as unsure or present (both lead to care);
* false-present: a sentence that reports no flag (negated or look-alike) in which some
  flag is read as present; and, reported beside it, any flag read as present in any
  sentence whose labels do not call it present or unsure.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions import triage
from nlp.phrasings import (  # noqa: F401  (the corpus's names, re-exported)
    DEV_DIR,
    HELDOUT_DIR,
    PHRASINGS_DIR,
    STATUSES,
    Sentence,
    load_batch,
    load_dir,
)

EMERGENCY_FLAGS = tuple(f.id for f in triage.RED_FLAGS if f.level == triage.EMERGENCY)
FOLDS = 5


def writer_folds(files: Sequence[Path], count: int = FOLDS) -> list[list[Path]]:
    """Batch files in ``count`` folds of whole writers: every ``count``-th file.

    The dev experiments (``scripts/``) read each fold with what was learnt from the
    others, so no writer's sentences are both learnt and read. Files are taken in
    the order given (sorted by name, for the README's fold figures).
    """
    return [list(files[start::count]) for start in range(count)]


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Scores:
    """Counts behind the safety figures, with the misses for the report."""

    present: int = 0
    present_found: int = 0
    unsure: int = 0
    unsure_found: int = 0
    negative: int = 0
    negative_false: int = 0
    sentences: int = 0
    spurious: int = 0
    by_flag: Counter = field(default_factory=Counter)
    by_flag_found: Counter = field(default_factory=Counter)
    misses: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    @staticmethod
    def rate(numerator: int, denominator: int) -> float:
        """``numerator / denominator``, 1.0 for an empty denominator."""
        return numerator / denominator if denominator else 1.0

    @property
    def present_recall(self) -> float:
        """Share of present labels read as present."""
        return self.rate(self.present_found, self.present)

    @property
    def unsure_recall(self) -> float:
        """Share of unsure labels read as unsure or present."""
        return self.rate(self.unsure_found, self.unsure)

    @property
    def false_present(self) -> float:
        """Share of flag-free sentences in which some flag was read as present."""
        return self.negative_false / self.negative if self.negative else 0.0

    @property
    def spurious_rate(self) -> float:
        """Share of all sentences with a flag read as present that was not labelled."""
        return self.spurious / self.sentences if self.sentences else 0.0

    def flag_recall(self, flag_id: str) -> float:
        """Present recall of one flag."""
        return self.rate(self.by_flag_found[flag_id], self.by_flag[flag_id])

    def summary(self, name: str) -> str:
        """One line of figures."""
        emergency = ", ".join(
            f"{f} {self.flag_recall(f):.1%} ({self.by_flag_found[f]}/{self.by_flag[f]})"
            for f in EMERGENCY_FLAGS
        )
        return (
            f"{name}: {self.sentences} sentences; present recall "
            f"{self.present_recall:.1%} ({self.present_found}/{self.present}); "
            f"unsure recall {self.unsure_recall:.1%} "
            f"({self.unsure_found}/{self.unsure}); false-present "
            f"{self.false_present:.1%} ({self.negative_false}/{self.negative} "
            f"flag-free sentences); unlabelled flags read present "
            f"{self.spurious_rate:.1%} ({self.spurious}/{self.sentences}); "
            f"emergency: {emergency}"
        )


Reader = Callable[[Sentence], Mapping[str, str]]


def score(sentences: Iterable[Sentence], read: Reader) -> Scores:
    """Score ``read`` (sentence -> {flag id: status}) on ``sentences``."""
    scores = Scores()
    for sentence in sentences:
        got = dict(read(sentence))
        scores.sentences += 1
        for flag_id, label in sentence.flags.items():
            status = got.get(flag_id)
            if label == triage.PRESENT:
                scores.present += 1
                scores.by_flag[flag_id] += 1
                if status == triage.PRESENT:
                    scores.present_found += 1
                    scores.by_flag_found[flag_id] += 1
                else:
                    scores.misses.append((sentence.text, flag_id, label, status))
            elif label == triage.UNSURE:
                scores.unsure += 1
                if status in (triage.UNSURE, triage.PRESENT):
                    scores.unsure_found += 1
                else:
                    scores.misses.append((sentence.text, flag_id, label, status))
        wrong = [
            flag_id
            for flag_id, status in got.items()
            if status == triage.PRESENT
            and sentence.flags.get(flag_id) not in (triage.PRESENT, triage.UNSURE)
        ]
        if wrong:
            scores.spurious += 1
            for flag_id in wrong:
                label = sentence.flags.get(flag_id, "none")
                scores.misses.append((sentence.text, flag_id, label, triage.PRESENT))
        if sentence.is_negative:
            scores.negative += 1
            scores.negative_false += bool(wrong)
    return scores


def parse_texts(model: Path, texts: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Rasa's parse of every distinct text by the trained ``model``, loaded once.

    Rasa logs each parse with its message text at DEBUG: its log stays at WARNING.
    """
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))

    async def run() -> dict[str, dict[str, Any]]:
        parsed: dict[str, dict[str, Any]] = {}
        for text in texts:
            if text not in parsed:
                parsed[text] = await agent.parse_message(text)
        return parsed

    return asyncio.run(run())


def statuses_from_parse(
    sentence: Sentence, parsed: Mapping[str, Any]
) -> dict[str, str]:
    """What the assistant made of a sentence, from Rasa's parse of it.

    Free text: the ``red_flag`` entities and their roles. A reply to a screening
    question: the same, with the asked flag's status decided by
    :func:`actions.replies.interpret_reply` as the screening does.
    """
    from actions.replies import Reply, interpret_reply
    from actions.screening import mentioned_flags

    mentions = mentioned_flags(parsed.get("entities") or [])
    if sentence.asked is None:
        return mentions
    intent = parsed.get("intent") or {}
    reply = Reply(
        text=sentence.text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        mentions=mentions,
    )
    answer = interpret_reply(sentence.asked, reply)
    result = dict(mentions)
    if answer is None:
        result.pop(sentence.asked, None)
    else:
        result[sentence.asked] = answer
    return result
