"""The learned second net: it only raises, never lowers, what the wordings decided."""

from __future__ import annotations

from spacy.language import Language

from nlp.flag_classifier import (
    DEFAULT_FLAG_THRESHOLDS,
    DEFAULT_THRESHOLD,
    FlagClassifier,
    FlagClassifierComponent,
)
from tests.safety.corpus import EMERGENCY_FLAGS

TEXTS = [
    "my calf is puffed up like a sausage",
    "calf looks like a sausage and feels tight",
    "leg went sausage-like overnight",
    "just a normal cramp",
    "cramp in my hamstring after running",
    "my hamstring cramped at the gym",
]
LABELS = [["swelling"], ["swelling"], ["swelling"], [], [], []]


def component(
    nlp: Language,
    threshold: float,
    confirm_threshold: float = 0.999,
    flag_thresholds: dict[str, float] | None = None,
) -> FlagClassifierComponent:
    """A classifier component trained on the tiny table above."""
    made = FlagClassifierComponent(
        nlp,
        threshold=threshold,
        confirm_threshold=confirm_threshold,
        flag_thresholds=flag_thresholds,
    )
    made.initialize(texts=TEXTS, labels=LABELS, flag_ids=["swelling", "bruising"])
    return made


def test_probabilities_follow_the_training(red_flag_nlp: Language) -> None:
    classifier = FlagClassifier.train(TEXTS, LABELS, ["swelling", "bruising"])
    assert set(classifier.probabilities("x")) == {"swelling"}  # no bruising examples
    sausage = classifier.probabilities("my calf is like a sausage")["swelling"]
    plain = classifier.probabilities("a cramp after running")["swelling"]
    assert sausage > 0.5 > plain


def test_adds_a_flag_the_rules_did_not_mention(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("my calf is like a sausage")
    doc._.red_flags = []
    doc = component(red_flag_nlp, 0.5)(doc)
    assert [(f["flag"], f["status"], f["source"]) for f in doc._.red_flags] == [
        ("swelling", "present", "classifier")
    ]


def test_never_overrides_what_the_rules_decided(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("no swelling, my calf is not like a sausage")
    ruled = [{"flag": "swelling", "status": "absent", "start": 3, "end": 11}]
    doc._.red_flags = list(ruled)
    doc = component(red_flag_nlp, 0.01)(doc)
    assert doc._.red_flags == ruled


def test_confirms_an_unsure_reading_it_is_confident_of(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("maybe my calf is like a sausage")
    doc._.red_flags = [{"flag": "swelling", "status": "unsure", "start": 0, "end": 5}]
    doc = component(red_flag_nlp, 0.999, confirm_threshold=0.5)(doc)
    assert [(f["flag"], f["status"], f["source"]) for f in doc._.red_flags] == [
        ("swelling", "present", "classifier")
    ]


def test_doubt_the_person_voiced_stays_unsure(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("my calf is like a sausage I think")
    ruled = [
        {"flag": "swelling", "status": "unsure", "start": 0, "end": 5, "doubted": True}
    ]
    doc._.red_flags = list(ruled)
    assert (
        component(red_flag_nlp, 0.5, confirm_threshold=0.01)(doc)._.red_flags == ruled
    )


def test_a_topic_named_beside_doubt_about_something_else_may_be_confirmed(
    red_flag_nlp: Language,
) -> None:
    doc = red_flag_nlp.make_doc("probably the stairs, and my calf is like a sausage")
    doc._.red_flags = [
        {
            "flag": "swelling",
            "status": "unsure",
            "start": 31,
            "end": 35,
            "doubted": True,
            "topic": True,
        }
    ]
    doc = component(red_flag_nlp, 0.999, confirm_threshold=0.01)(doc)
    assert [(f["flag"], f["status"]) for f in doc._.red_flags] == [
        ("swelling", "present")
    ]


def test_an_unsure_reading_stays_below_the_confirm_threshold(
    red_flag_nlp: Language,
) -> None:
    doc = red_flag_nlp.make_doc("maybe my calf is like a sausage")
    ruled = [{"flag": "swelling", "status": "unsure", "start": 0, "end": 5}]
    doc._.red_flags = list(ruled)
    assert (
        component(red_flag_nlp, 0.5, confirm_threshold=0.999)(doc)._.red_flags == ruled
    )


def test_never_adds_a_flag_the_rules_dismissed(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("my calf is like a sausage")
    doc._.red_flags = []
    doc._.red_flags_seen = {"swelling"}  # e.g. matched as another sense
    assert component(red_flag_nlp, 0.01)(doc)._.red_flags == []


def test_short_replies_are_left_to_the_wordings(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("like a sausage")
    doc._.red_flags = []
    assert component(red_flag_nlp, 0.01)(doc)._.red_flags == []


def test_below_the_threshold_nothing_is_added(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("my calf is like a sausage")
    doc._.red_flags = []
    assert component(red_flag_nlp, 0.999)(doc)._.red_flags == []


def test_a_flag_with_its_own_threshold_uses_it(red_flag_nlp: Language) -> None:
    doc = red_flag_nlp.make_doc("my calf is like a sausage")
    doc._.red_flags = []
    lower = component(red_flag_nlp, 0.999, flag_thresholds={"swelling": 0.5})
    assert [f["flag"] for f in lower(doc)._.red_flags] == ["swelling"]
    doc._.red_flags = []
    higher = component(red_flag_nlp, 0.5, flag_thresholds={"swelling": 0.999})
    assert higher(doc)._.red_flags == []


def test_survives_saving_and_loading(red_flag_nlp: Language, tmp_path) -> None:
    saved = component(red_flag_nlp, 0.5, flag_thresholds={"swelling": 0.4})
    saved.to_disk(tmp_path)
    loaded = FlagClassifierComponent(
        red_flag_nlp, threshold=0.9, confirm_threshold=0.1
    ).from_disk(tmp_path)
    assert (loaded.threshold, loaded.confirm_threshold) == (0.5, 0.999)
    assert loaded.flag_thresholds == {"swelling": 0.4}
    text = "my calf is like a sausage"
    assert loaded.classifier.probabilities(text) == saved.classifier.probabilities(text)


def test_the_built_pipeline_has_the_classifier(red_flag_nlp: Language) -> None:
    assert red_flag_nlp.pipe_names[-1] == "hamstring_flag_classifier"


def test_the_left_out_terms_are_not_kept() -> None:
    """The vectorizers' ``stop_words_`` (introspection only) are not pickled."""
    classifier = FlagClassifier.train(TEXTS, LABELS, ["swelling"])
    for _, fitted in classifier.vectorizer.transformer_list:
        assert fitted.stop_words_ is None
    before = classifier.probabilities("my calf is like a sausage")
    assert before["swelling"] > 0.5  # still transforms as trained


def test_the_emergency_flags_and_only_they_have_a_lower_threshold(
    red_flag_nlp: Language,
) -> None:
    assert set(DEFAULT_FLAG_THRESHOLDS) == set(EMERGENCY_FLAGS)
    assert all(value < DEFAULT_THRESHOLD for value in DEFAULT_FLAG_THRESHOLDS.values())
    built = red_flag_nlp.get_pipe("hamstring_flag_classifier")
    assert isinstance(built, FlagClassifierComponent)
    assert built.flag_thresholds == DEFAULT_FLAG_THRESHOLDS
