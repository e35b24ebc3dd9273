"""Reading replies to screening questions (contract rules 3 and 8, issue 10 classes 3, 6, 7).

Sentences here are written for these tests, not taken from the phrasing corpus.
"""

from __future__ import annotations

import pytest

from actions import triage
from actions.replies import Reply, interpret_reply, leading_answer
from actions.triage import ABSENT, PRESENT, UNSURE
from tests.actions.helpers import Conversation


def reply(
    text: str,
    intent: str | None = None,
    confidence: float = 0.9,
    **mentions: str,
) -> Reply:
    """A reply as the NLU would hand it over."""
    return Reply(text=text, intent=intent, confidence=confidence, mentions=mentions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", PRESENT),
        ("Yeah, and it's been like that since lunch", PRESENT),
        ("yep, definitely", PRESENT),
        ("haan ji, since the walk", PRESENT),
        ("sim, it is dark", PRESENT),
        ("sí, it's cold and white", PRESENT),
        ("si, the color is like cafe", PRESENT),
        ("はい、すごく痛い", PRESENT),
        ("tak, very swollen", PRESENT),
        ("nein", ABSENT),
        ("não sei, acho que não", UNSURE),
        ("no sé si cuenta", UNSURE),
        ("nahi, no swelling", ABSENT),
        ("non stop, it won't ease", None),
        ("nee is swollen", None),
        ("a bit", PRESENT),
        ("slightly", PRESENT),
        ("no", ABSENT),
        ("no, thankfully", ABSENT),
        ("Nope, all good on that front", ABSENT),
        ("nah not at all", ABSENT),
        ("yeah nah, none of that", ABSENT),
        ("yea nah I'm walking fine", ABSENT),
        ("nah yeah, it's cold", PRESENT),
        ("you bet I did, sounded like a cork", PRESENT),
        ("sure does, like my leg's made of rope", PRESENT),
        ("mais yeah, dark as coffee", PRESENT),
        ("sure is not", ABSENT),
        ("not a chance, I was sat on the sofa", ABSENT),
        ("only when i go up the stairs, sitting down im fine", PRESENT),
        ("Only in the winter months, when the hall is unheated.", PRESENT),
        ("just the big toe, the rest is ok", PRESENT),
        ("mostly at night", PRESENT),
        ("only once, years ago", None),
        ("only the cramp", None),
        ("definitely not", ABSENT),
        ("well, luckily not", ABSENT),
        ("i dont", ABSENT),
        ("not sure", UNSURE),
        ("dunno tbh", UNSURE),
        ("och, I dinnae ken", UNSURE),
        ("cannae say, it's dark in here", UNSURE),
        ("couldn't say, the light's bad", UNSURE),
        ("maybe?", UNSURE),
        ("I don't think so", UNSURE),
        ("not that I know of", UNSURE),
        ("it is fine now", None),
        ("right leg only", None),
        ("", None),
    ],
)
def test_leading_answer(text: str, expected: str | None) -> None:
    assert leading_answer(text) == expected


def test_yes_with_a_description_is_a_yes() -> None:
    """Class 3: "yes, it's cold and white" answers the cold-leg question."""
    got = interpret_reply(
        "cold_pale_leg", reply("yes its freezing and kind of ashen", "report_symptom")
    )
    assert got == PRESENT


def test_the_description_decides_when_it_names_the_asked_flag() -> None:
    said = reply(
        "my foot has gone a grey colour", "report_symptom", cold_pale_leg=PRESENT
    )
    assert interpret_reply("cold_pale_leg", said) == PRESENT
    denied = reply("it's warm and pink", "report_symptom", cold_pale_leg=ABSENT)
    assert interpret_reply("cold_pale_leg", denied) == ABSENT


def test_a_yes_that_the_words_deny_is_unsure() -> None:
    said = reply("yes I can walk ok", "affirm", cannot_bear_weight=ABSENT)
    assert interpret_reply("cannot_bear_weight", said) == UNSURE


def test_a_no_that_the_words_contradict_counts_the_flag() -> None:
    said = reply("no wait, it is bruised", "deny", bruising=PRESENT)
    assert interpret_reply("bruising", said) == PRESENT


def test_a_no_followed_by_another_language_is_unsure() -> None:
    """A "no" before another language ("no puedo caminar": I can't walk) is not a no."""
    unreadable = reply("no puedo caminar", "nlu_fallback", confidence=1.0)
    assert interpret_reply("cannot_bear_weight", unreadable) == UNSURE
    polish = reply("nie mogę stanąć na tej nodze", "nlu_fallback", confidence=1.0)
    assert interpret_reply("cannot_bear_weight", polish) == UNSURE
    # The fallback of a weak intent (confidence at the threshold) is not the guard's.
    weak = reply("no, all fine there", "nlu_fallback", confidence=0.5)
    assert interpret_reply("cannot_bear_weight", weak) == ABSENT


def test_no_with_anything_after_it_is_a_no() -> None:
    """Class 6/7: "no, thankfully" is a no, not thanks (which used to loop)."""
    assert interpret_reply("weakness", reply("no, thankfully", "thank")) == ABSENT
    assert interpret_reply("weakness", reply("nope cheers", "thank")) == ABSENT


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("asdkj qwe", "nlu_fallback"),
        ("me duele la pierna", "nlu_fallback"),
        ("my calf feels odd", "report_symptom"),
        ("🤷", "nlu_fallback"),
    ],
)
def test_anything_not_understood_is_unsure(text: str, intent: str) -> None:
    """Class 7: never "didn't understand" and never a no while a question is open."""
    assert interpret_reply("swelling", reply(text, intent)) == UNSURE


def test_another_flag_without_this_one_leaves_the_question_open() -> None:
    """Recorded on its own; this question is asked again, plainly."""
    said = reply("my wee is brown", "report_symptom", dark_urine=PRESENT)
    assert interpret_reply("chest_pain_or_breathless", said) is None


@pytest.mark.parametrize(
    "intent", ["ask_causes", "greet", "stop", "request_human", "thank"]
)
def test_a_plain_other_request_is_not_an_answer(intent: str) -> None:
    assert interpret_reply("bruising", reply("what causes them?", intent)) is None


def test_a_weak_intent_is_not_trusted_alone() -> None:
    assert interpret_reply("bruising", reply("hmm well", "affirm", 0.3)) == UNSURE


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("no, nothing else", "deny", ABSENT),
        ("that's all thanks", "thank", ABSENT),
        ("I'm fine", None, ABSENT),
        ("yes", "affirm", PRESENT),
        ("not sure really", "express_unsure", PRESENT),
        ("I feel a bit dizzy", "report_symptom", PRESENT),
        ("qwpoeiru", "nlu_fallback", PRESENT),
        ("what helps with cramps?", "ask_relief", None),
    ],
)
def test_only_a_clear_no_to_the_residual_question_allows_advice(
    text: str, intent: str | None, expected: str | None
) -> None:
    got = interpret_reply(triage.OTHER_CONCERN.id, reply(text, intent))
    assert got == expected


def test_a_flag_named_in_the_residual_reply_is_a_concern() -> None:
    said = reply("no, just a bit numb", "deny", numbness_tingling=PRESENT)
    assert interpret_reply(triage.OTHER_CONCERN.id, said) == PRESENT


# --- Whole screenings through the real actions (tests/actions/conftest.py) ---


def test_no_thankfully_moves_the_screening_on(conversation: Conversation) -> None:
    conversation.start_screening()
    conversation.reply("no, thankfully", intent="thank")
    assert conversation.slots["screen_chest_pain_or_breathless"] == ABSENT
    assert conversation.requested_slot() == "screen_cold_pale_leg"
    assert conversation.rejected == 0


def test_yes_with_detail_escalates(conversation: Conversation) -> None:
    conversation.start_screening()
    conversation.answer(ABSENT)
    conversation.reply("yes its cold and white", intent="report_symptom")
    assert conversation.slots["triage_level"] == "emergency"
    assert "utter_escalate_emergency" in conversation.said


def test_two_replies_not_understood_count_the_flag(conversation: Conversation) -> None:
    """Class 7: asked once more, then counted; never a third time."""
    conversation.start_screening()
    conversation.reply("blorp", intent="nlu_fallback")
    assert "utter_confirm_not_understood" in conversation.said
    assert conversation.requested_slot() == "screen_chest_pain_or_breathless"
    conversation.reply("zzzz", intent="nlu_fallback")
    assert conversation.slots["triage_level"] == "emergency"
    assert "utter_remedy_stretch" not in conversation.said


def test_a_question_is_never_asked_a_third_time(conversation: Conversation) -> None:
    """Class 7: two replies that leave the question open, then it counts (rule 3)."""
    wee = [{"entity": "red_flag", "value": "dark_urine", "role": PRESENT}]
    conversation.start_screening()
    conversation.reply("my wee is brown", intent="report_symptom", entities=wee)
    assert conversation.slots["triage_level"] == "urgent"
    assert conversation.requested_slot() == "screen_chest_pain_or_breathless"
    conversation.reply("like cola honestly", intent="report_symptom", entities=wee)
    assert conversation.slots["screen_chest_pain_or_breathless"] == UNSURE
    assert conversation.slots["triage_level"] == "emergency"


def test_questions_of_their_own_are_answered_not_counted(
    conversation: Conversation,
) -> None:
    conversation.start_screening()
    conversation.reply("what causes cramps?", intent="ask_causes")
    conversation.reply("and how long do they last?", intent="ask_recovery")
    conversation.reply("and how do I stop them?", intent="ask_prevention")
    assert conversation.rejected == 3
    assert conversation.slots.get("triage_level") is None


def test_all_no_then_a_worry_gives_no_remedy(conversation: Conversation) -> None:
    conversation.start_screening()
    for _ in triage.RED_FLAGS:
        conversation.answer(ABSENT)
    assert conversation.requested_slot() == triage.OTHER_CONCERN.slot
    conversation.reply(
        "my knee feels a bit wobbly and I'm scared", intent="report_symptom"
    )
    assert conversation.slots["triage_level"] == "see_doctor"
    assert "utter_reason_other_concern" in conversation.said
    assert not [name for name in conversation.said if name.startswith("utter_remedy_")]


def test_dont_really_know_with_another_flag_is_unsure() -> None:
    """Doubt that opens a reply answers the question asked (twelfth round).

    So it does when the rest of the reply speaks of another flag.
    """
    said = reply(
        "don't really know tbh, the pain is worse though",
        "report_symptom",
        severe_persistent_pain=UNSURE,
    )
    assert interpret_reply("cold_pale_leg", said) == UNSURE
