"""Build the project's English spaCy pipeline ``en_hamstring``.

Usage::

    python -m nlp.build --output build/spacy/en_hamstring

The pipeline is made only from installable packages: ``spacy.blank("en")``, a lookup
``lemmatizer`` initialised from ``spacy-lookups-data``, and ``hamstring_red_flags``
(whose patterns are saved inside the pipeline directory, so loading does not depend on
the working directory).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import spacy
from spacy.language import Language

from nlp.red_flags import DEFAULT_PATTERNS_PATH, FACTORY_NAME

logger = logging.getLogger(__name__)

PIPELINE_NAME = "en_hamstring"
PIPELINE_VERSION = "1.0.0"


def build_pipeline(*, patterns_path: str | Path = DEFAULT_PATTERNS_PATH) -> Language:
    """Create and initialise the pipeline in memory."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe(FACTORY_NAME)
    nlp.initialize()
    detector = nlp.get_pipe(FACTORY_NAME)
    detector.initialize(patterns_path=str(patterns_path))
    detector.check_patterns()
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = (
        "Blank English tokenizer, lookup lemmatizer and red-flag detection "
        "for the hamstring-cramp assistant."
    )
    return nlp


def build(
    output: str | Path, *, patterns_path: str | Path = DEFAULT_PATTERNS_PATH
) -> Path:
    """Build the pipeline and save it to ``output``; return the output path."""
    output = Path(output)
    nlp = build_pipeline(patterns_path=patterns_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    logger.info("saved spaCy pipeline %s to %s", nlp.meta["name"], output)
    return output


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", default="build/spacy/en_hamstring", help="target directory"
    )
    parser.add_argument(
        "--patterns", default=str(DEFAULT_PATTERNS_PATH), help="red-flag patterns file"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    build(args.output, patterns_path=args.patterns)


if __name__ == "__main__":
    main()
