"""The anchored matcher (nlp/anchored_matcher.py) against one spaCy Matcher."""

from __future__ import annotations

import itertools
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
LINK = {"LOWER": {"IN": ["is", "a", "bit", "very"]}, "OP": "?"}
# Keys in pieces, as nlp/wordings.py cuts a large wording: "(my)? (calf|lower leg)
# ~ (cold|icy to touch) (now)?" with optional words on both sides of the cut.
PIECES: list[tuple[str, list[list[list[dict[str, Any]]]]]] = [
    (
        "cold_leg",
        [
            [
                [{"LOWER": "my", "OP": "?"}, {"LOWER": "calf"}, LINK, LINK],
                [{"LOWER": "my", "OP": "?"}, {"LOWER": "lower"}, {"LOWER": "leg"}],
            ],
            [
                [LINK, {"LOWER": "cold"}, {"LOWER": "now", "OP": "?"}],
                [{"LOWER": "icy"}, {"LOWER": "to"}, {"LOWER": "touch"}],
            ],
        ],
    ),
    ("three", [[[{"LOWER": "a"}]], [[{"LOWER": "b"}]], [[{"LOWER": "c", "OP": "+"}]]]),
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


def one_piece(entries: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """``(key, patterns)`` entries as keys of one piece."""
    return [(key, [patterns]) for key, patterns in entries]


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
    matches = AnchoredMatcher(nlp.vocab, one_piece(ENTRIES))(doc)
    assert sorted(matches) == sorted(full_matcher(nlp)(doc))
    assert matches == sorted(matches, key=lambda m: (m[1], m[2], m[0]))


def test_only_groups_with_their_word_present_run(nlp: Language) -> None:
    matcher = AnchoredMatcher(nlp.vocab, one_piece(ENTRIES))
    assert matcher.active_groups(nlp("nothing here")) == []
    assert len(matcher.active_groups(nlp("my calf hurts"))) == 2
    assert len(matcher) == 3


@pytest.mark.parametrize(
    "text",
    [
        "my calf is very cold now",
        "calf cold",
        "my lower leg icy to touch and my calf is a bit icy to touch",
        "my calf is a bit very cold",  # more links than the two pieces hold between them
        "calf is warm, leg cold",
        "a b c c and a b",
        "a b a b c",
    ],
)
def test_pieces_match_as_the_product_of_their_patterns(
    nlp: Language, text: str
) -> None:
    """Every (start, end) of the one Matcher over each key's product, no more."""
    doc = nlp(text)
    matcher = AnchoredMatcher(nlp.vocab, PIECES)
    product = Matcher(nlp.vocab)
    for key, pieces in PIECES:
        product.add(
            key, [list(itertools.chain(*c)) for c in itertools.product(*pieces)]
        )
    assert matcher(doc) == sorted(set(product(doc)), key=lambda m: (m[1], m[2], m[0]))
    assert sorted(set(matcher.single_matcher()(doc))) == sorted(set(product(doc)))


def test_a_key_needs_every_piece(nlp: Language) -> None:
    matcher = AnchoredMatcher(nlp.vocab, PIECES)
    assert matcher(nlp("my calf is a bit")) == []
    assert matcher(nlp("a b")) == []
    assert [nlp.vocab.strings[m] for m, _, _ in matcher(nlp("a b c"))] == ["three"]
