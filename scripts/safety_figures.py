"""Print the red-flag safety figures of a trained model on the phrasing corpus.

Usage::

    python -m scripts.safety_figures --model models/hamstring.tar.gz --part dev --misses

(as a module, from the repository: the phrasing corpus is read with ``tests.safety``).

Each sentence goes through the model's NLU (``Agent.parse_message``) and, for a reply
to a screening question, through the screening's reply interpretation. Misses are
printed only on request and only for the dev part: the held-out part is for figures,
never for tuning (tests/safety/phrasings/README.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from tests.safety import corpus

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/hamstring.tar.gz")
    parser.add_argument("--part", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--dir", help="score the batches in this folder instead")
    parser.add_argument("--misses", action="store_true", help="list dev misses")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    directory = (
        Path(args.dir)
        if args.dir
        else {"dev": corpus.DEV_DIR, "heldout": corpus.HELDOUT_DIR}[args.part]
    )
    sentences = corpus.load_dir(directory)
    parsed = corpus.parse_texts(Path(args.model), (s.text for s in sentences))
    scores = corpus.score(
        sentences, lambda s: corpus.statuses_from_parse(s, parsed[s.text])
    )
    where = directory.resolve()
    name = where.relative_to(REPO_ROOT) if where.is_relative_to(REPO_ROOT) else where
    print(scores.summary(str(name)))
    if args.misses:
        if where == corpus.HELDOUT_DIR.resolve():
            sys.exit("misses of the held-out part are not listed (never tune on it)")
        for text, flag_id, label, got in scores.misses:
            print(f"  {label:>7} {flag_id:<25} got {got!s:<8} | {text}")


if __name__ == "__main__":
    main()
