"""Words spelt as people say them: the dropped final g, and the fifteenth round's wordings.

Sentences written for these tests, not taken from the phrasing corpus.
"""

import pytest
from spacy.language import Language

from tests.helpers.flags import statuses


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("throbbin", "throb"),
        ("swellin", "swell"),
        ("wakin", "wake"),
        ("mornin", "morning"),
    ],
)
def test_a_dropped_g_has_the_lemma_of_its_full_spelling(
    red_flag_nlp: Language, word: str, lemma: str
) -> None:
    """The lookup table knows "-in" for "-ing" (nlp/build.py)."""
    assert red_flag_nlp(f"still {word}")[1].lemma_ == lemma


@pytest.mark.parametrize(
    "word", ["raisin", "basin", "robin", "kin", "sin", "win", "cabin"]
)
def test_a_word_of_its_own_keeps_its_lemma(red_flag_nlp: Language, word: str) -> None:
    """A word the table already has is not taken for a dropped g."""
    assert red_flag_nlp(f"the {word}")[1].lemma_ == word


@pytest.mark.parametrize(
    ("text", "flag", "status"),
    [
        # Dropped g, on wordings written with the dictionary form and inflected.
        (
            "calf's been throbbin an swellin since teatime",
            "warm_red_swollen_leg",
            "present",
        ),
        (
            "this cramp is wakin me up, it's doin my head in",
            "frequent_cramps",
            "present",
        ),
        ("me shin's tinglin right down to the toes", "numbness_tingling", "present"),
        # Something crawling in the leg is a feeling, not a way of moving.
        (
            "like bugs crawlin about under the skin of my calf",
            "numbness_tingling",
            "present",
        ),
        (
            "like bugs crawlin about under the skin of my calf",
            "cannot_bear_weight",
            None,
        ),
        ("proper short of wind since the cramp", "chest_pain_or_breathless", "present"),
        # A hedge on the cause is not doubt about the symptom.
        (
            "tight across the chest, probably just the cold air",
            "chest_pain_or_breathless",
            "present",
        ),
        ("tight across the chest i think", "chest_pain_or_breathless", "unsure"),
        # A fell is a hill; a hit to savings is no blow to the leg.
        (
            "we got to the top of the fell and my hamstring locked",
            "pop_or_injury",
            None,
        ),
        (
            "took a hammering on the stock market and then cramped",
            "pop_or_injury",
            None,
        ),
        ("fell off the kerb and it's cramping", "pop_or_injury", "present"),
        # Counted cramps.
        (
            "that's the fourth time since Easter my hammy's cramped",
            "frequent_cramps",
            "present",
        ),
        ("cramps nearly every session now", "frequent_cramps", "present"),
        ("a weak shandy at the club and then the cramp", "weakness", None),
        (
            "the leg won't get me up off the sofa since it cramped",
            "weakness",
            "present",
        ),
        ("leg's normal strength, just sore", "weakness", "absent"),
        ("I no fit stand at all since the cramp", "cannot_bear_weight", "present"),
    ],
)
def test_fifteenth_round_wordings(
    red_flag_nlp: Language, text: str, flag: str, status: str | None
) -> None:
    """Each reads as the contract says."""
    assert statuses(red_flag_nlp, text).get(flag) == status
