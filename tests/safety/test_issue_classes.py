"""The eight classes of held-out misses (issue 10), each pinned with new sentences.

These sentences were written for these tests; none is in the phrasing corpus.
"""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from spacy.language import Language

from actions import triage
from actions.replies import Reply, interpret_reply
from tests.helpers.paths import REPO_ROOT

DOMAIN = Domain.load(str(REPO_ROOT / "domain")).as_dict()


def statuses(nlp: Language, text: str) -> dict[str, str]:
    """Flag id -> status that the pipeline (wordings and classifier) gives ``text``."""
    return {flag["flag"]: flag["status"] for flag in nlp(text)._.red_flags}


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("I'm slightly short of breath since the cramp", "chest_pain_or_breathless"),
        ("my big toe is sort of bluish and cold and it really hurts", "cold_pale_leg"),
        (
            "there was a little blood when I coughed just now",
            "chest_pain_or_breathless",
        ),
        ("the back of my knee is a tad swollen", "swelling"),
        ("my shin feels kinda numb", "numbness_tingling"),
    ],
)
def test_class_1_degree_words_are_not_doubt(
    red_flag_nlp: Language, text: str, flag: str
) -> None:
    assert statuses(red_flag_nlp, text).get(flag) == triage.PRESENT


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("honestly I can barely breathe right now", "chest_pain_or_breathless"),
        ("my foot has gone all mottled and freezing", "cold_pale_leg"),
        ("the calf has ballooned to twice the size", "swelling"),
        ("my wee came out the colour of coffee after the race", "dark_urine"),
        ("I can't feel my toes at all", "numbness_tingling"),
        ("the leg keeps buckling under me since it cramped", "weakness"),
        ("they wake me up most nights now", "frequent_cramps"),
    ],
)
def test_class_2_everyday_words(red_flag_nlp: Language, text: str, flag: str) -> None:
    assert statuses(red_flag_nlp, text).get(flag) == triage.PRESENT


def test_class_3_a_yes_with_description_is_a_yes() -> None:
    reply = Reply("yeah it's icy and a weird white colour", "affirm", 0.8, {})
    assert interpret_reply("cold_pale_leg", reply) == triage.PRESENT


@pytest.mark.parametrize(
    "text",
    [
        "my left calf is puffy and warm to the touch",
        "the lower leg is swollen, red and throbbing",
    ],
)
def test_class_4_swelling_with_heat_or_redness_is_a_possible_clot(
    red_flag_nlp: Language, text: str
) -> None:
    got = statuses(red_flag_nlp, text)
    assert got.get("warm_red_swollen_leg") == triage.PRESENT
    assert "swelling" not in got


def test_class_5_negation_does_not_cross_clauses(red_flag_nlp: Language) -> None:
    got = statuses(
        red_flag_nlp, "I didn't fall, but my calf is hot and red and swollen"
    )
    assert got.get("pop_or_injury") == triage.ABSENT
    assert got.get("warm_red_swollen_leg") == triage.PRESENT


@pytest.mark.parametrize(
    "text",
    [
        "I'm getting cold feet about the triathlon since the cramp",
        "I popped out to the chemist for magnesium after the cramp",
        "honestly I can't stand stretching, it's boring, but my hamstring cramped",
        "the swollen river meant I ran on the road and got a cramp",
        "my old cat can't walk far any more, anyway my hamstring cramped",
        "I cant tell",
    ],
)
def test_class_6_words_in_another_sense(red_flag_nlp: Language, text: str) -> None:
    assert not [s for s in statuses(red_flag_nlp, text).values() if s == "present"]


def test_class_6_a_no_with_words_after_it_is_a_no() -> None:
    reply = Reply("nah, luckily all fine there", "deny", 0.9, {})
    assert interpret_reply("swelling", reply) == triage.ABSENT


def test_class_7_a_screening_always_concludes() -> None:
    """Not understood is unsure (asked once more); no reply loops (tests/actions)."""
    reply = Reply("qwerty zxcv", "nlu_fallback", 1.0, {})
    assert interpret_reply("weakness", reply) == triage.UNSURE


@pytest.mark.parametrize(
    "response", ["utter_ask_rephrase", "utter_confirm_not_understood"]
)
def test_class_8_another_language_first_gets_the_numbers(response: str) -> None:
    """The first reply to a message the assistant cannot read names both numbers."""
    text = DOMAIN["responses"][response][0]["text"]
    assert "{emergency_number}" in text
    assert "{clinic_phone}" in text
