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
import hashlib
import logging
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.symbols import NORM, ORTH
from spacy.tokenizer import Tokenizer

from actions.triage import RED_FLAGS
from nlp.flag_classifier import FACTORY_NAME as CLASSIFIER_FACTORY
from nlp.flag_classifier import FlagClassifierComponent
from nlp.phrasings import DEV_DIR, load_dir
from nlp.red_flags import DEFAULT_PATTERNS_PATH, FACTORY_NAME, RedFlagDetector

logger = logging.getLogger(__name__)

PIPELINE_NAME = "en_hamstring"
PIPELINE_VERSION = "1.1.0"
# The meta.json key that names what the pipeline was built from (sources_digest).
SOURCES_DIGEST_KEY = "sources_sha256"
_ROOT = Path(__file__).resolve().parents[1]
# Everything a build reads: this package (code and wordings), the red-flag table it
# imports, the dev phrasings the classifier learns from, and the packages that shape
# the result. The Makefile rebuilds on the same files (SPACY_SOURCES).
SOURCE_GLOBS = (
    "nlp/*.py",
    "nlp/*.yml",
    "actions/triage.py",
    "tests/safety/phrasings/dev/*.yml",
)
SOURCE_PACKAGES = ("spacy", "spacy-lookups-data", "scikit-learn", "numpy", "scipy")
# The whole dev part of the phrasing corpus trains the classifier (never the held-out
# part). Until the seventeenth round D27-D40, written to focused briefs, were left out:
# D27-D30 after a few held-out sentences moved through the detector, the others
# untried. Measured on dev in the seventeenth round (scripts/embedding_experiment.py
# --learn-later, five folds of whole dev writers), learning from them finds 15 more
# present sentences of 6,900 with one false-present more (README, "Safety figures").


def dev_phrasings(
    directory: Path = DEV_DIR,
) -> tuple[list[str], list[list[str]]]:
    """Texts of the dev phrasing part and, for each, the flags labelled present."""
    sentences = load_dir(directory)
    texts = [sentence.text for sentence in sentences]
    labels = [sentence.present_flags for sentence in sentences]
    return texts, labels


TEXT_SPEAK_NEGATIONS = {
    "cnt": ("c", "can"),
    "cannt": ("can", "can"),
    "carnt": ("car", "can"),
    "cudnt": ("cud", "could"),
    "cldnt": ("cld", "could"),
}
"""Spellings of "can't" and "couldn't" in text-speak ("i cnt put my foot down"), split
as spaCy splits "cant": the first part normalised to the verb, "nt" to "not", so every
wording written with "can't" finds them."""


def add_text_speak_negations(nlp: Language) -> None:
    """Teach the tokenizer ``TEXT_SPEAK_NEGATIONS`` (lower-case and capitalised)."""
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)
    for word, (verb, norm) in TEXT_SPEAK_NEGATIONS.items():
        for spelling, head in ((word, verb), (word.capitalize(), verb.capitalize())):
            tokenizer.add_special_case(
                spelling, [{ORTH: head, NORM: norm}, {ORTH: "nt", NORM: "not"}]
            )


NOUN_ING_MIN_LENGTH = 7
"""A lemma ending in "ing" gets a dropped-g spelling only from this length: "morning",
"nothing" and "feeling" do; "king", "sing" and "wing" are not "-ing" words at all."""


def add_dropped_g_lemmas(nlp: Language) -> int:
    """Give the lemmatizer the "-in" spellings of "-ing" words ("throbbin", "wakin").

    Dialect and chat drop the final g ("it's swellin up", "keeps wakin me"); the
    lookup table knows only the full spelling, so no wording found them. A dropped
    spelling gets the lemma of its full one, unless it is a word of its own (a form or
    lemma the table already has: "raisin", "basin", "robin"). Returns how many were added.
    """
    lemmatizer = nlp.get_pipe("lemmatizer")
    table = lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
    lemmas = set(table.values())
    added: dict[str, str] = {}
    for lemma in lemmas:
        if not lemma.isalpha():
            continue
        forms = {lemma + "ing", lemma + lemma[-1] + "ing"}
        if lemma.endswith("e"):
            forms.add(lemma[:-1] + "ing")
        for form in forms:
            if form in table and table[form] == lemma:
                added[form[:-1]] = lemma  # "wakin", "swellin": a verb's -ing form
    for lemma in lemmas:
        # A word that is only an "-ing" noun: "mornin", "nothin", "feelin".
        if (
            lemma.isalpha()
            and lemma.endswith("ing")
            and len(lemma) >= NOUN_ING_MIN_LENGTH
            and table.get(lemma, lemma) == lemma
        ):
            added.setdefault(lemma[:-1], lemma)
    added = {
        dropped: lemma
        for dropped, lemma in added.items()
        if dropped not in table and dropped not in lemmas
    }
    for dropped, lemma in added.items():
        table[dropped] = lemma
    return len(added)


def sources_digest(
    root: Path = _ROOT,
    *,
    globs: Iterable[str] = SOURCE_GLOBS,
    packages: Iterable[str] = SOURCE_PACKAGES,
    extra_files: Iterable[Path] = (),
) -> str:
    """SHA-256 of every file and package version a build of the pipeline reads.

    Two builds from the same sources get the same digest even though their files are
    not byte-identical (pickles and lookup tables carry incidental ordering), so the
    digest, not the files, says which sources a pipeline was built from.
    """
    digest = hashlib.sha256()
    files = {path.resolve() for pattern in globs for path in root.glob(pattern)}
    files.update(Path(path).resolve() for path in extra_files)
    for path in sorted(files):
        name = path.relative_to(root) if path.is_relative_to(root) else path
        digest.update(name.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for package in packages:
        digest.update(f"{package}=={metadata.version(package)}\0".encode())
    return digest.hexdigest()


def build_pipeline(
    *,
    patterns_path: str | Path = DEFAULT_PATTERNS_PATH,
    phrasings_dir: Path = DEV_DIR,
) -> Language:
    """Create and initialise the pipeline in memory."""
    nlp = spacy.blank("en")
    add_text_speak_negations(nlp)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe(FACTORY_NAME)
    nlp.add_pipe(CLASSIFIER_FACTORY)
    nlp.initialize()
    add_dropped_g_lemmas(nlp)
    detector = nlp.get_pipe(FACTORY_NAME)
    assert isinstance(detector, RedFlagDetector)
    detector.initialize(patterns_path=str(patterns_path))
    detector.check_patterns()
    texts, labels = dev_phrasings(phrasings_dir)
    classifier = nlp.get_pipe(CLASSIFIER_FACTORY)
    assert isinstance(classifier, FlagClassifierComponent)
    classifier.initialize(
        texts=texts, labels=labels, flag_ids=[flag.id for flag in RED_FLAGS]
    )
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = (
        "Blank English tokenizer, lookup lemmatizer, red-flag wordings and a "
        "red-flag classifier for the hamstring-cramp assistant."
    )
    nlp.meta[SOURCES_DIGEST_KEY] = sources_digest(
        extra_files=[Path(patterns_path), *Path(phrasings_dir).glob("*.yml")]
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
