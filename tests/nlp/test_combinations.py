"""Combinations of the patterns file: a sign that changes how another flag reads (nlp/mentions.py)."""

import pytest

from nlp.mentions import ABSENT, PRESENT, UNSURE, Combination, Mention
from nlp.red_flags import DEFAULT_PATTERNS_PATH
from nlp.wordings import load_patterns

CONCEPTS = {
    "colour_word": ["colour", "color", "{hue_word}"],
    "hue_word": ["hue"],
    "pale_colour": ["pale", "washed out"],
}
FLAGS = {"_clot_sign", "swelling", "clot", "_lasting", "pain", "_normal_colour", "cold"}
CLOT = Combination.from_entry(
    {"sign": "_clot_sign", "effect": "becomes", "flag": "swelling", "into": "clot"},
    CONCEPTS,
    FLAGS,
)
LASTING = Combination.from_entry(
    {"sign": "_lasting", "effect": "confirms", "flag": "pain"}, CONCEPTS, FLAGS
)
COLOUR = Combination.from_entry(
    {
        "sign": "_normal_colour",
        "effect": "clears",
        "flag": "cold",
        "unless_words_of": ["colour_word", "pale_colour"],
    },
    CONCEPTS,
    FLAGS,
)


def mention(flag: str, start: int = 0) -> Mention:
    """A one-token mention of ``flag`` at ``start``."""
    return Mention(flag, PRESENT, start, start + 1, False)


def read(
    combination: Combination,
    statuses: dict[str, str],
    *,
    by_cue: frozenset[str] = frozenset(),
    words: dict[str, set[str]] | None = None,
) -> dict[str, str]:
    """The statuses after ``combination``; one mention per flag, with its words."""
    mentions = {flag: mention(flag, k) for k, flag in enumerate(statuses)}
    best = {flag: (mentions[flag], status) for flag, status in statuses.items()}
    results = [(mentions[f], s, f in by_cue) for f, s in statuses.items()]
    combination.apply(best, results, lambda m: (words or {}).get(m.flag, set()))
    return {flag: status for flag, (_, status) in best.items()}


def test_the_sign_is_never_reported_itself() -> None:
    assert read(CLOT, {"_clot_sign": PRESENT}) == {}
    assert read(LASTING, {"_lasting": PRESENT, "cold": PRESENT}) == {"cold": PRESENT}


@pytest.mark.parametrize("status", [PRESENT, UNSURE])
def test_becomes_reports_the_flag_as_another(status: str) -> None:
    got = read(CLOT, {"_clot_sign": PRESENT, "swelling": status})
    assert got == {"clot": status}


def test_becomes_keeps_the_stronger_reading_of_the_other_flag() -> None:
    got = read(CLOT, {"_clot_sign": PRESENT, "swelling": UNSURE, "clot": PRESENT})
    assert got == {"clot": PRESENT}


@pytest.mark.parametrize(
    "statuses",
    [
        {"_clot_sign": PRESENT, "swelling": ABSENT},
        {"_clot_sign": UNSURE, "swelling": PRESENT},
        {"_clot_sign": ABSENT, "swelling": PRESENT},
    ],
)
def test_becomes_needs_a_present_sign_and_a_flag_not_denied(
    statuses: dict[str, str],
) -> None:
    assert read(CLOT, statuses) == {"swelling": statuses["swelling"]}


def test_a_denied_sign_or_flag_answers_the_other_flag() -> None:
    assert CLOT.spoken_to({"_clot_sign"}) == "clot"
    assert CLOT.spoken_to({"swelling"}) == "clot"
    assert CLOT.spoken_to({"bruising"}) is None
    assert LASTING.spoken_to({"_lasting", "pain"}) is None


def test_confirms_makes_a_flag_unsure_by_its_wording_present() -> None:
    assert read(LASTING, {"_lasting": PRESENT, "pain": UNSURE}) == {"pain": PRESENT}


@pytest.mark.parametrize(
    ("statuses", "by_cue"),
    [
        ({"_lasting": PRESENT, "pain": UNSURE}, frozenset({"pain"})),  # doubted
        ({"_lasting": UNSURE, "pain": UNSURE}, frozenset()),
        ({"_lasting": PRESENT, "pain": ABSENT}, frozenset()),
    ],
)
def test_confirms_not_where_the_flag_is_doubted_or_denied(
    statuses: dict[str, str], by_cue: frozenset[str]
) -> None:
    assert read(LASTING, statuses, by_cue=by_cue) == {"pain": statuses["pain"]}


def test_clears_a_flag_whose_mentions_name_none_of_the_words() -> None:
    got = read(COLOUR, {"_normal_colour": PRESENT, "cold": PRESENT})
    assert got == {"cold": ABSENT}


def test_clears_not_where_a_mention_names_one_of_the_words() -> None:
    words = {"cold": {"cold", "and", "pale"}}
    got = read(COLOUR, {"_normal_colour": PRESENT, "cold": PRESENT}, words=words)
    assert got == {"cold": PRESENT}


def test_clears_only_a_present_flag() -> None:
    got = read(COLOUR, {"_normal_colour": PRESENT, "cold": UNSURE})
    assert got == {"cold": UNSURE}


def test_only_single_words_of_the_concepts_are_kept_with_those_they_name() -> None:
    assert COLOUR.unless_words == {"colour", "color", "hue", "pale"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"sign": "_x", "effect": "upgrades", "flag": "a"}, "unknown effect"),
        ({"sign": "_x", "effect": "becomes", "flag": "a"}, "'into'"),
        ({"sign": "_x", "effect": "confirms", "flag": "a", "into": "b"}, "'into'"),
        (
            {
                "sign": "_normal_colour",
                "effect": "clears",
                "flag": "cold",
                "unless_words_of": ["tint"],
            },
            "unknown concepts",
        ),
        ({"sign": "_x", "effect": "confirms", "flag": "pain"}, "unknown flags"),
        (
            {"sign": "_clot_sign", "effect": "becomes", "flag": "pain", "into": "y"},
            "unknown flags",
        ),
    ],
)
def test_a_wrong_entry_is_refused_with_its_sign(
    entry: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Combination.from_entry(entry, CONCEPTS, FLAGS)


def test_the_patterns_files_combinations_name_signs_and_flags_it_defines() -> None:
    patterns = load_patterns(DEFAULT_PATTERNS_PATH)
    combinations = [
        Combination.from_entry(entry, patterns["concepts"], patterns["flags"])
        for entry in patterns["combinations"]
    ]
    assert {c.effect for c in combinations} == set(Combination.EFFECTS)
    for combination in combinations:
        assert combination.sign.startswith("_")
        assert combination.sign in patterns["flags"]
        assert combination.flag in patterns["flags"]
        assert not combination.into or combination.into in patterns["flags"]
