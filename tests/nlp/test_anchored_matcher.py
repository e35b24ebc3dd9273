"""The anchored matcher (nlp/anchored_matcher.py) against one spaCy Matcher."""

from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.language import Language
from spacy.matcher import Matcher

from nlp.anchored_matcher import AnchoredMatcher, anchor_of

# "late" matches "calf" one token later than "early" does (its optional last token is
# decided on the next word), so one Matcher puts "early" first, while running the
# anchor groups one after the other would put "late" first: the anchored matcher
# promises the same matches, not the same order.
ENTRIES: list[tuple[str, list[list[dict[str, Any]]]]] = [
    ("late", [[{"LOWER": "calf"}, {"LOWER": "pain", "OP": "?"}]]),
    ("early", [[{"NORM": "calf"}]]),
    ("swollen", [[{"LOWER": "a", "OP": "?"}, {"LEMMA": {"IN": ["swell", "puffy"]}}]]),
]


@pytest.fixture(scope="module")
def nlp() -> Language:
    """A blank English pipeline."""
    return spacy.blank("en")


def full_matcher(nlp: Language) -> Matcher:
    """One Matcher over all the entries, as the anchored matcher stands in for."""
    matcher = Matcher(nlp.vocab)
    for key, patterns in ENTRIES:
        matcher.add(key, patterns)
    return matcher


def test_anchor_is_the_first_required_token() -> None:
    assert anchor_of(ENTRIES[2][1][0]) == ("LEMMA", frozenset({"swell", "puffy"}))
    assert anchor_of([{"IS_PUNCT": False, "OP": "?"}, {"LIKE_NUM": True}]) is None


@pytest.mark.parametrize(
    "text", ["my calf hurts", "calf pain and a puffy calf", "nothing here", "calf"]
)
def test_same_matches_as_one_matcher_sorted_by_position(
    nlp: Language, text: str
) -> None:
    doc = nlp(text)
    matches = AnchoredMatcher(nlp.vocab, ENTRIES)(doc)
    assert sorted(matches) == sorted(full_matcher(nlp)(doc))
    assert matches == sorted(matches, key=lambda m: (m[1], m[2], m[0]))


def test_only_groups_with_their_word_present_run(nlp: Language) -> None:
    matcher = AnchoredMatcher(nlp.vocab, ENTRIES)
    assert matcher.active_groups(nlp("nothing here")) == []
    assert len(matcher.active_groups(nlp("my calf hurts"))) == 2
    assert len(matcher) == 3
