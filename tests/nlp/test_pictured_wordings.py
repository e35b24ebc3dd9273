"""Flags told in pictures and sport slang, and other people's signs beside the writer's.

The sixteenth round's wordings. Sentences written for these tests, not taken from the
phrasing corpus. A detector reading is pinned with long messages where the classifier
does not read them (it reads short messages only when the wordings find nothing).
"""

import pytest
from spacy.language import Language

from tests.helpers.flags import statuses

# A second sentence with no flag makes the detector's reading the one that counts.
TAIL = " Otherwise I'm ok and home now, just want advice."


@pytest.mark.parametrize(
    ("text", "flag", "status"),
    [
        # Pictures of a symptom.
        (
            "it's like drowning on dry land when I try to breathe.",
            "chest_pain_or_breathless",
            "present",
        ),
        (
            "my chest feels wrung out like a wet towel since the cramp.",
            "chest_pain_or_breathless",
            "present",
        ),
        (
            "calf swollen and thumping away since lunch.",
            "warm_red_swollen_leg",
            "present",
        ),
        ("it went like a whip crack behind my knee.", "pop_or_injury", "present"),
        (
            "like somebody snipped a cord in the back of my thigh.",
            "pop_or_injury",
            "present",
        ),
        # Sport and everyday slang for a fall.
        ("peeled off the wall at the climbing gym.", "pop_or_injury", "present"),
        (
            "decked onto the mat from the top of the boulder.",
            "pop_or_injury",
            "present",
        ),
        ("came off my mountain bike on the descent.", "pop_or_injury", "present"),
        ("Grandad toppled over in the garden.", "pop_or_injury", "present"),
        # Weight, walking and strength.
        ("I can't put my full weight on it.", "cannot_bear_weight", "present"),
        ("walking's off the menu for now.", "cannot_bear_weight", "present"),
        ("I can walk only with the help of a stick.", "cannot_bear_weight", "present"),
        (
            "I'm shuffling about on my bum to get anywhere.",
            "cannot_bear_weight",
            "present",
        ),
        ("the leg wouldn't hold me when I got up.", "weakness", "present"),
        # Time words.
        (
            "groaning in pain for forty minutes with this cramp.",
            "severe_persistent_pain",
            "present",
        ),
        (
            "a constant throbbing ache in the hamstring, nothing else.",
            "severe_persistent_pain",
            "present",
        ),
        ("cramping at night for weeks now.", "frequent_cramps", "present"),
        # Candour is not doubt.
        ("if I'm honest I cramp most nights.", "frequent_cramps", "present"),
        # Spellings and feelings met in doubt.
        ("prediabetic, the nurse told me.", "risk_condition", "present"),
        ("prediabetic maybe, not sure.", "risk_condition", "unsure"),
        ("I feel almost nothing when I poke my shin.", "numbness_tingling", "present"),
        (
            "my calf looks darker than the other one I think.",
            "warm_red_swollen_leg",
            "unsure",
        ),
        # Other senses.
        ("drowning in paperwork at work this week.", "chest_pain_or_breathless", None),
        ("decked out in new lycra for the sportive.", "pop_or_injury", None),
    ],
)
def test_pictured_and_slang_wordings(
    red_flag_nlp: Language, text: str, flag: str, status: str | None
) -> None:
    """Each reads as the contract says, through the wordings."""
    assert statuses(red_flag_nlp, text + TAIL).get(flag) == status


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        (
            "my coworker was coughing up blood today. I'm here about my own hamstring cramp.",
            "chest_pain_or_breathless",
        ),
        (
            "the budgie's got a swollen foot. I'm here because my thigh cramped.",
            "swelling",
        ),
        (
            "my son's got a knee problem and can barely walk. not about him, my calf cramped.",
            "cannot_bear_weight",
        ),
    ],
)
def test_someone_elses_sign_is_not_the_writers(
    red_flag_nlp: Language, text: str, flag: str
) -> None:
    """Another person's (or a pet's) sign, with the writer asking about themselves."""
    assert flag not in statuses(red_flag_nlp, text)


def test_a_relatives_sign_told_for_them_still_counts(red_flag_nlp: Language) -> None:
    """Without the writer turning to themselves, the relative's sign is the report."""
    text = "my coworker is coughing up blood after a leg cramp, what should she do?"
    assert statuses(red_flag_nlp, text).get("chest_pain_or_breathless") == "present"
