"""A learned second net for red flags: what the wordings miss, a classifier may catch.

The rule layer (``hamstring_red_flags``) is precise about negation, doubt and other
senses, but only knows the wordings it was given. This component is trained on the
dev part of the phrasing corpus (``tests/safety/phrasings/dev``: sentences written by
outside writers, never the held-out part) and looks at a message as a whole: character
n-grams and word n-grams, one logistic regression per flag.

It only ever raises: a flag whose wordings the rules did not match at all is reported
``present`` when the classifier's probability reaches ``threshold``, and a flag the
rules read as ``unsure`` only because a wording is uncertain ("my hamstring went")
becomes ``present`` when the probability reaches ``confirm_threshold``. Doubt the
person voiced ("tingly I think") stays unsure: the screening asks once more, and
the person may clarify (triage-contract.md, rule 3). Any other
decision of the rules stands: present, absent, or dismissed (another sense, someone
else's, claimed by another flag). Both thresholds were chosen by leave-one-writer-out
cross-validation on the dev part (README, "Safety figures"), never on held-out text.
"""

import logging
import pickle
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

logger = logging.getLogger(__name__)

FACTORY_NAME = "hamstring_flag_classifier"
MODEL_FILE_NAME = "flag_classifier.pkl"
DEFAULT_THRESHOLD = 0.7
DEFAULT_CONFIRM_THRESHOLD = 0.8
# The emergency flags have a lower threshold of their own: a missed emergency costs
# more than a false one. Chosen on five folds of whole dev writers, each read by a
# classifier trained on the other four (scripts/emergency_threshold_experiment.py;
# README, "Safety figures"): 0.5 reads 6 more of 1,735 emergency sentences than 0.7,
# for 22 more false-presents of 7,431 (8.2 -> 8.5 %); 0.4 reads 10 more for 37.
DEFAULT_FLAG_THRESHOLDS: dict[str, float] = {
    "chest_pain_or_breathless": 0.5,
    "cold_pale_leg": 0.5,
}
PRESENT = "present"
UNSURE = "unsure"
MIN_WORDS = 4


class FlagClassifier:
    """Per-flag probabilities for a text (TF-IDF n-grams + logistic regression)."""

    def __init__(self, vectorizer: Any, models: dict[str, Any]) -> None:
        """Keep a fitted vectorizer and one fitted classifier per flag id."""
        self.vectorizer = vectorizer
        self.models = models

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[Iterable[str]],
        flag_ids: Sequence[str],
        *,
        word_min_df: int = 2,
    ) -> "FlagClassifier":
        """Fit on ``texts``; ``labels[i]`` holds the flags present in ``texts[i]``.

        Word n-grams count only when ``word_min_df`` texts or more use them: one used
        once is a single writer's phrase (five folds of whole dev writers: 4 more
        present sentences, 3 fewer false-presents than keeping them; 19,368 word
        n-grams instead of 50,330, 9 MB less in a process that loads the pipeline;
        README, "Safety figures").
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        vectorizer = make_union(
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
            ),
            TfidfVectorizer(ngram_range=(1, 2), min_df=word_min_df, sublinear_tf=True),
        )
        features = vectorizer.fit_transform(list(texts))
        for _, fitted in vectorizer.transformer_list:
            # The terms min_df left out, kept only for introspection (about 10,000):
            # scikit-learn documents them as safe to drop before pickling.
            fitted.stop_words_ = None
        return cls(vectorizer, fit_models(features, labels, flag_ids))

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability that ``text`` reports each flag."""
        features = self.vectorizer.transform([text])
        return {
            flag_id: float(model.predict_proba(features)[0, 1])
            for flag_id, model in self.models.items()
        }


def fit_models(
    features: Any, labels: Sequence[Iterable[str]], flag_ids: Sequence[str]
) -> dict[str, Any]:
    """One logistic regression per flag some text is labelled with."""
    from sklearn.linear_model import LogisticRegression

    present = [set(flags) for flags in labels]
    models = {}
    for flag_id in flag_ids:
        targets = [int(flag_id in flags) for flags in present]
        if not any(targets):
            continue
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        model.fit(features, targets)
        models[flag_id] = model
    return models


class FlagClassifierComponent:
    """spaCy component: adds flags the rules missed to ``doc._.red_flags``."""

    def __init__(
        self,
        nlp: Language,
        name: str = FACTORY_NAME,
        *,
        threshold: float,
        confirm_threshold: float,
        flag_thresholds: dict[str, float] | None = None,
    ) -> None:
        """Start untrained; :meth:`initialize` or :meth:`from_disk` gives a model."""
        self.nlp = nlp
        self.name = name
        self.threshold = threshold
        self.confirm_threshold = confirm_threshold
        self.flag_thresholds = dict(flag_thresholds or {})
        self.classifier: FlagClassifier | None = None

    def __call__(self, doc: Doc) -> Doc:
        """Raise what the rules missed or left unsure where the model is confident."""
        if self.classifier is None or len(doc.text.split()) < MIN_WORDS:
            # Short replies ("I can't tell", "not really") are read by the wordings
            # and the screening's reply rules; n-grams alone over-read them.
            return doc
        found = list(doc._.red_flags or [])
        mentioned = {flag["flag"] for flag in found} | set(doc._.red_flags_seen or ())
        # A flag the person doubts stays unsure, unless only its topic was named
        # beside doubt about something else ("it's probably my statin, and my wee
        # was like dark tea"): there the model may still read it as reported.
        unsure = {
            flag["flag"]
            for flag in found
            if flag["status"] == UNSURE
            and (not flag.get("doubted") or flag.get("topic"))
        }
        for flag_id, probability in self.classifier.probabilities(doc.text).items():
            if flag_id in unsure and probability >= self.confirm_threshold:
                found = [
                    {**flag, "status": PRESENT, "source": "classifier"}
                    if flag["flag"] == flag_id
                    else flag
                    for flag in found
                ]
                continue
            if flag_id in mentioned or probability < self.threshold_for(flag_id):
                continue
            found.append(
                {
                    "flag": flag_id,
                    "status": PRESENT,
                    "start": 0,
                    "end": len(doc.text),
                    "text": doc.text,
                    "source": "classifier",
                }
            )
        doc._.red_flags = found
        return doc

    def threshold_for(self, flag_id: str) -> float:
        """The probability at which a flag the rules did not match is added."""
        return self.flag_thresholds.get(flag_id, self.threshold)

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        texts: Sequence[str] = (),
        labels: Sequence[Iterable[str]] = (),
        flag_ids: Sequence[str] = (),
    ) -> None:
        """Train on ``texts`` and their present ``labels``."""
        if texts:
            self.classifier = FlagClassifier.train(texts, labels, flag_ids)
            logger.info("flag classifier trained on %d sentences", len(texts))

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the trained model inside the pipeline directory."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / MODEL_FILE_NAME).open("wb") as handle:
            pickle.dump(
                {
                    "threshold": self.threshold,
                    "confirm_threshold": self.confirm_threshold,
                    "flag_thresholds": self.flag_thresholds,
                    "classifier": self.classifier,
                },
                handle,
            )

    def from_disk(
        self, path: str | Path, *, exclude: Iterable[str] = ()
    ) -> "FlagClassifierComponent":
        """Load the model saved by :meth:`to_disk` (the project's own build output)."""
        with (ensure_path(path) / MODEL_FILE_NAME).open("rb") as handle:
            saved = pickle.load(handle)
        self.threshold = float(saved["threshold"])
        self.confirm_threshold = float(saved["confirm_threshold"])
        self.flag_thresholds = {
            flag_id: float(value) for flag_id, value in saved["flag_thresholds"].items()
        }
        self.classifier = saved["classifier"]
        return self


@Language.factory(
    FACTORY_NAME,
    default_config={
        "threshold": DEFAULT_THRESHOLD,
        "confirm_threshold": DEFAULT_CONFIRM_THRESHOLD,
        "flag_thresholds": DEFAULT_FLAG_THRESHOLDS,
    },
)
def make_flag_classifier(
    nlp: Language,
    name: str,
    threshold: float,
    confirm_threshold: float,
    flag_thresholds: dict[str, float],
) -> FlagClassifierComponent:
    """Create the ``hamstring_flag_classifier`` component."""
    return FlagClassifierComponent(
        nlp,
        name,
        threshold=threshold,
        confirm_threshold=confirm_threshold,
        flag_thresholds=flag_thresholds,
    )
