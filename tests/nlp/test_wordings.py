"""The wording language of red_flag_patterns.yml (nlp/wordings.py), on its own."""

from __future__ import annotations

import itertools
import json

import pytest
from spacy.language import Language
from spacy.matcher import Matcher

from nlp.wordings import WordingCompiler, concept_words, split_top_level


@pytest.fixture(scope="module")
def compiler(red_flag_nlp: Language) -> WordingCompiler:
    """A compiler with two concepts and a few linking words."""
    return WordingCompiler(
        red_flag_nlp,
        concepts={"leg_part": ["calf", "lower leg"], "cold": ["cold", "icy"]},
        linking_words=["is", "feels", "a", "bit"],
    )


def matches(nlp: Language, compiler: WordingCompiler, entry: str, text: str) -> bool:
    """Whether ``entry`` matches somewhere in ``text``."""
    matcher = Matcher(nlp.vocab)
    matcher.add("entry", compiler.compile(entry))
    return bool(matcher(nlp(text)))


def test_split_keeps_groups_together() -> None:
    assert split_top_level("(a b|c) ~ d? (e)?") == ["(a b|c)", "~", "d?", "(e)?"]


@pytest.mark.parametrize(
    ("entry", "text", "expected"),
    [
        ("{leg_part} ~ {cold}", "my calf feels a bit icy", True),
        ("{leg_part} ~ {cold}", "my lower leg is cold", True),
        ("{leg_part} ~ {cold}", "my calf is warm", False),
        ("bruise", "it's bruised", True),  # a dictionary form finds its inflections
        ("can't walk", "i cant walk", True),
        ("=numb", "what number", False),  # the lemma of "number" is "numb"
        ("stand %ing", "can't stand waiting", True),
        ("# times a week", "3 times a week", True),
        # Groups inside a group (they once matched their own brackets as text).
        ("(cold|icy) (to (the)? touch|as ice)", "icy to the touch", True),
        ("(cold|icy) (to (the)? touch|as ice)", "cold to touch", True),
        ("(cold|icy) (to (the)? touch|as ice)", "cold as ice", True),
        ("(cold|icy) (to (the)? touch|as ice)", "cold to the", False),
        ("(sat|in (my|the) (chair|bed))", "in the bed", True),
        ("(sat|in (my|the) (chair|bed))", "in bed", False),
        ("in ####", "tore it in 2021", True),
        ("in ####", "in 20 minutes", False),
        ("felt (a)? pop", "felt pop", True),
        # A concept among alternatives adds its words to them (nesting once lost it).
        ("({cold}|pale) toes", "icy toes", True),
        ("({cold}|pale) toes", "pale toes", True),
        ("({leg_part}|muscle) hurts", "calf hurts", True),
        ("({leg_part}|muscle) hurts", "muscle hurts", True),
    ],
)
def test_wordings_match(
    red_flag_nlp: Language,
    compiler: WordingCompiler,
    entry: str,
    text: str,
    expected: bool,
) -> None:
    assert matches(red_flag_nlp, compiler, entry, text) is expected


def test_an_unknown_concept_is_an_error(compiler: WordingCompiler) -> None:
    with pytest.raises(ValueError, match="unknown concept"):
        compiler.compile("{elbow} hurts")


def test_a_concept_may_name_another(red_flag_nlp: Language) -> None:
    """``often`` lists ``{repeat}`` instead of repeating its words."""
    concepts = {"often": ["nightly", "{repeat}"], "repeat": ["over and over"]}
    assert concept_words(concepts, "often") == ["nightly", "over and over"]
    nested = WordingCompiler(red_flag_nlp, concepts=concepts, linking_words=[])
    assert matches(red_flag_nlp, nested, "cramps {often}", "cramps over and over")
    assert matches(red_flag_nlp, nested, "cramps {often}", "cramps nightly")


@pytest.mark.parametrize(
    ("concepts", "message"),
    [
        ({"often": ["{often}"]}, "names itself"),
        ({"often": ["{repeat}"], "repeat": ["{often}"]}, "names itself"),
        ({"often": ["{seldom}"]}, "unknown concept"),
    ],
)
def test_a_concept_naming_itself_or_an_unknown_one_is_an_error(
    concepts: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        concept_words(concepts, "often")


@pytest.mark.parametrize("entry", ["in (19|20)?#", "x(a|b)", "(a|b)s"])
def test_a_group_inside_a_word_is_an_error(
    compiler: WordingCompiler, entry: str
) -> None:
    """It would match its own brackets as text, that is never ("in (19|20)?#" did)."""
    with pytest.raises(ValueError, match="a group must be a whole element"):
        compiler.compile(entry)


def test_a_wording_that_spells_a_negation_is_literal(
    compiler: WordingCompiler,
) -> None:
    assert compiler.spells_negation("can't walk")
    assert compiler.spells_negation("(no|lost) strength")
    assert compiler.spells_negation("nothing ~ (helps|is working)")
    assert not compiler.spells_negation("{leg_part} ~ {cold}")
    assert compiler.spells_negation("(didnae|cannae) walk")


def test_a_negation_spelling_inside_a_word_is_not_a_negation(
    compiler: WordingCompiler,
) -> None:
    assert not compiler.spells_negation("(local anaesthetic|numbing cream)")
    assert not compiler.spells_negation("significant (pain|ache)")


def as_text(pattern: list[dict[str, object]]) -> str:
    """A pattern as comparable text."""
    return json.dumps(pattern, sort_keys=True)


def test_a_large_wording_is_cut_into_pieces_whose_product_is_its_patterns(
    red_flag_nlp: Language,
) -> None:
    """Two concepts of many multi-word entries: two pieces, not their product."""
    places = [
        f"{side} of my {part}"
        for side in ("back", "front", "top", "side")
        for part in ("calf", "thigh", "knee", "shin", "heel", "ankle")
    ]
    feelings = [
        f"{degree} {word}"
        for degree in ("very", "so", "really", "quite")
        for word in ("cold", "icy", "numb", "pale", "white", "blue")
    ]
    compiler = WordingCompiler(
        red_flag_nlp,
        concepts={"place": places, "feeling": feelings},
        linking_words=["is", "feels"],
    )
    entry = "{place} ~ (gone|turned)? {feeling}"
    pieces = compiler.compile_pieces(entry)
    assert len(pieces) == 2
    assert sum(len(piece) for piece in pieces) < len(compiler.compile(entry)) / 10
    product = [list(itertools.chain(*combo)) for combo in itertools.product(*pieces)]
    assert sorted(map(as_text, product)) == sorted(
        map(as_text, compiler.compile(entry))
    )


@pytest.mark.parametrize("entry", ["{leg_part} ~ {cold}", "~ (a)?", "calf"])
def test_a_small_wording_or_one_without_a_needed_word_is_one_piece(
    compiler: WordingCompiler, entry: str
) -> None:
    assert compiler.compile_pieces(entry) == [compiler.compile(entry)]
