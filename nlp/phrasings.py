"""The red-flag phrasing corpus: its batches, read and checked.

Batches live in ``tests/safety/phrasings/{dev,heldout}/*.yml``, one file per writer
(``phrasings/README.md``). The dev part trains the flag classifier (``nlp.build``); the
tests score the assistant on both parts (``tests/safety/corpus.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions import triage

PHRASINGS_DIR = Path(__file__).resolve().parents[1] / "tests" / "safety" / "phrasings"
DEV_DIR = PHRASINGS_DIR / "dev"
HELDOUT_DIR = PHRASINGS_DIR / "heldout"
STATUSES = (triage.PRESENT, triage.ABSENT, triage.UNSURE)


@dataclass(frozen=True)
class Sentence:
    """One labelled sentence of a batch."""

    batch: str
    text: str
    flags: Mapping[str, str]
    asked: str | None = None
    note: str | None = None

    @property
    def is_negative(self) -> bool:
        """Whether the sentence reports no flag at all (negated, look-alike, none)."""
        return not any(s != triage.ABSENT for s in self.flags.values())

    @property
    def present_flags(self) -> list[str]:
        """The flags the sentence is labelled as reporting."""
        return [flag for flag, status in self.flags.items() if status == triage.PRESENT]


def load_batch(path: Path) -> list[Sentence]:
    """Read one batch file, checking every label against the contract's flags."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    batch = str(data["batch"])
    sentences = []
    for row in data["sentences"]:
        flags = dict(row.get("flags") or {})
        asked = row.get("asked")
        for flag_id, status in flags.items():
            if flag_id not in triage.FLAGS_BY_ID or status not in STATUSES:
                raise ValueError(f"{path}: bad label {flag_id}={status} in {row}")
        if asked is not None and asked not in flags:
            raise ValueError(f"{path}: reply without a label for {asked}: {row}")
        sentences.append(
            Sentence(batch, str(row["text"]), flags, asked, row.get("note"))
        )
    return sentences


def load_dir(directory: Path, *, exclude: Collection[str] = ()) -> list[Sentence]:
    """Every batch in ``directory`` but the files named in ``exclude``, in name order."""
    return [
        s
        for path in sorted(directory.glob("*.yml"))
        if path.name not in exclude
        for s in load_batch(path)
    ]
