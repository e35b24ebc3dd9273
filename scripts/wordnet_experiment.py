"""Measure growing the red-flag concepts with Princeton WordNet synonyms (issue 10).

Usage (after ``apt-get install wordnet-base``)::

    python -m scripts.wordnet_experiment --senses 2

(as a module, from the repository: the phrasing corpus is read with ``tests.safety``).

For each symptom concept of ``nlp/red_flag_patterns.yml`` (cold words, pale colours,
swelling words, numbness, weakness, severity), every single word is looked up in
WordNet 3.0 (Debian's ``wordnet-base``, ``/usr/share/wordnet``); the other words of its
``--senses`` most frequent synsets are added to the concept. The pipeline is built twice,
as it is and grown, and both are scored on the dev part and on held-out batch A
(aggregate figures only: batch A already chose the classifier's threshold; the other
held-out batches are not used here). Result and decision are in the README, "Safety
figures".
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from nlp.build import build_pipeline
from nlp.red_flags import DEFAULT_PATTERNS_PATH
from tests.safety.corpus import (
    DEV_DIR,
    HELDOUT_DIR,
    Sentence,
    load_batch,
    load_dir,
    parse_texts,
    score,
    statuses_from_parse,
)

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]

WORDNET_DIR = Path("/usr/share/wordnet")
POS_FILES = ("adj", "verb", "noun")
GROWN_CONCEPTS = (
    "cold",
    "pale_colour",
    "swollen",
    "numb_word",
    "numb_body_word",
    "weak_word",
    "severe_word",
)
BATCH_A = ("H1.yml", "H2.yml", "H3.yml")
WORD = re.compile(r"^[a-z][a-z-]*$")


class WordNet:
    """Synonym look-up in WordNet 3.0's database files (index.* and data.*)."""

    def __init__(self, directory: Path = WORDNET_DIR) -> None:
        """Read the index of every part of speech in ``POS_FILES``."""
        if not (directory / "index.adj").exists():
            raise FileNotFoundError(f"{directory}: apt-get install wordnet-base")
        self.directory = directory
        self.index: dict[str, dict[str, list[int]]] = {}
        for pos in POS_FILES:
            entries: dict[str, list[int]] = {}
            with (directory / f"index.{pos}").open(encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith(" "):
                        continue  # licence header
                    fields = line.split()
                    pointer_count = int(fields[3])
                    synset_count = int(fields[2])
                    offsets = fields[6 + pointer_count :]
                    entries[fields[0]] = [int(o) for o in offsets[:synset_count]]
            self.index[pos] = entries

    def synonyms(self, word: str, *, senses: int) -> set[str]:
        """The words sharing one of ``word``'s ``senses`` most frequent synsets."""
        found: set[str] = set()
        key = word.replace(" ", "_")
        for pos in POS_FILES:
            for offset in self.index[pos].get(key, [])[:senses]:
                found |= self.synset_words(pos, offset)
        found.discard(word)
        return found

    def synset_words(self, pos: str, offset: int) -> set[str]:
        """The words of the synset at ``offset`` in ``data.<pos>``."""
        with (self.directory / f"data.{pos}").open("rb") as handle:
            handle.seek(offset)
            fields = handle.readline().decode("utf-8").split()
        count = int(fields[3], 16)
        words = fields[4 : 4 + 2 * count : 2]
        return {re.sub(r"\(.*\)$", "", w).replace("_", " ").lower() for w in words}


def grown_patterns(wordnet: WordNet, *, senses: int) -> tuple[dict, dict[str, list]]:
    """The patterns with WordNet synonyms added to ``GROWN_CONCEPTS``."""
    patterns = yaml.safe_load(DEFAULT_PATTERNS_PATH.read_text())
    grown = copy.deepcopy(patterns)
    added: dict[str, list[str]] = {}
    for name in GROWN_CONCEPTS:
        words = [str(w) for w in patterns["concepts"][name]]
        known = {w.lower() for w in words}
        new = sorted(
            {
                synonym
                for word in words
                if WORD.match(word)
                for synonym in wordnet.synonyms(word, senses=senses)
                if synonym not in known and all(WORD.match(p) for p in synonym.split())
            }
        )
        grown["concepts"][name] = words + new
        added[name] = new
    return grown, added


def reader(
    patterns_path: Path, intents: dict[str, dict]
) -> Callable[[Sentence], dict[str, str]]:
    """Statuses of a sentence through a pipeline built from ``patterns_path``."""
    nlp = build_pipeline(patterns_path=patterns_path)

    def read(sentence: Sentence) -> dict[str, str]:
        flags = nlp(sentence.text)._.red_flags
        entities = [
            {"entity": "red_flag", "value": f["flag"], "role": f["status"]}
            for f in flags
        ]
        return statuses_from_parse(
            sentence, {"entities": entities, "intent": intents[sentence.text]}
        )

    return read


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senses", type=int, default=2)
    parser.add_argument("--model", default=str(REPO_ROOT / "models/hamstring.tar.gz"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    parts = {
        "dev": load_dir(DEV_DIR),
        "held-out A": [s for n in BATCH_A for s in load_batch(HELDOUT_DIR / n)],
    }
    grown, added = grown_patterns(WordNet(), senses=args.senses)
    for name, words in added.items():
        print(f"{name}: +{len(words)} {', '.join(words)}")
    texts = (s.text for sentences in parts.values() for s in sentences)
    intents = {
        text: parse.get("intent") or {}
        for text, parse in parse_texts(Path(args.model), texts).items()
    }
    with tempfile.TemporaryDirectory() as folder:
        grown_path = Path(folder) / "grown.yml"
        grown_path.write_text(yaml.safe_dump(grown, allow_unicode=True))
        for label, path in (("as is", DEFAULT_PATTERNS_PATH), ("grown", grown_path)):
            read = reader(path, intents)
            for part, sentences in parts.items():
                print(f"{label:>6} | {score(sentences, read).summary(part)}")


if __name__ == "__main__":
    main()
