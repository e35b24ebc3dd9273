"""Print the red-flag safety figures of a trained model on the phrasing corpus.

Usage::

    python scripts/safety_figures.py --model models/hamstring.tar.gz --part dev --misses

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

REPO_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.safety.corpus import (
    DEV_DIR,
    HELDOUT_DIR,
    load_dir,
    parse_texts,
    score,
    statuses_from_parse,
)

logger = logging.getLogger(__name__)


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
        else {"dev": DEV_DIR, "heldout": HELDOUT_DIR}[args.part]
    )
    sentences = load_dir(directory)
    parsed = parse_texts(Path(args.model), (s.text for s in sentences))
    scores = score(sentences, lambda s: statuses_from_parse(s, parsed[s.text]))
    print(scores.summary(str(directory.resolve().relative_to(REPO_ROOT))))
    if args.misses:
        if directory.resolve() == HELDOUT_DIR.resolve():
            sys.exit("misses of the held-out part are not listed (never tune on it)")
        for text, flag_id, label, got in scores.misses:
            print(f"  {label:>7} {flag_id:<25} got {got!s:<8} | {text}")


if __name__ == "__main__":
    main()
