"""Reading a reply to a screening question as yes, no or unsure (contract rules 3 and 8).

Plain Python with no Rasa import, so the rules can be read and tested on their own.

A reply to "Is the leg or foot cold, pale, grey or blue?" is read in this order:

1. What the person says about the asked flag in their own words, as the red-flag
   detector found it ("it's cold and white" is a yes, "my foot is warm" a no). A leading
   "yes" that the words then deny ("yes I can walk fine" to "are you unable to walk?")
   is a contradiction, read as unsure so the question is asked once more.
2. A clear yes ("yes", "yeah, and ...", the Yes button) is ``present``.
3. A clear no with anything after it ("no, thankfully", "nope all good") is ``absent``,
   unless the rest is in another language ("no puedo caminar" is "I can't walk"):
   then it is ``unsure``. A yes in another language ("sí, está fría") is a yes.
4. Doubt ("not sure", "dunno", "maybe") is ``unsure``.
5. A message that is plainly something else (a question about cramps, a greeting,
   "stop"), or that reports another flag and says nothing of this one, is not an
   answer: the dialogue answers it and asks the question again.
6. Anything else (not understood, another language, an unrelated symptom) is
   ``unsure``: a reply to a safety question is never dropped as "not understood".

Degree words ("a bit", "slightly", "kind of") say how much, not whether: "a bit" in
reply to "any numbness?" is a yes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from actions import triage

# Intents that answer a screening question by themselves (the buttons send these).
ANSWER_INTENTS: dict[str, str] = {
    "affirm": triage.PRESENT,
    "deny": triage.ABSENT,
    "express_unsure": triage.UNSURE,
}

# Intents that are plainly not an answer: the dialogue handles them and re-asks.
NOT_AN_ANSWER_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "ask_relief",
        "ask_causes",
        "ask_symptoms",
        "ask_cramp_vs_strain",
        "ask_when_to_see_doctor",
        "ask_treatment",
        "ask_recovery",
        "ask_prevention",
        "ask_medication_cramps",
        "ask_hydration",
        "ask_capabilities",
        "bot_challenge",
        "request_human",
        "stop",
        "restart",
        "delete_conversation",
        "out_of_scope",
    }
)

# How sure the classifier must be of an intent for it to decide alone.
MIN_INTENT_CONFIDENCE = 0.5

# Leading words, matched on the reply's first words after fillers are removed.
FILLERS = frozenset(
    {
        "well",
        "um",
        "umm",
        "erm",
        "er",
        "uh",
        "hmm",
        "hmmm",
        "oh",
        "och",
        "ah",
        "so",
        "ok",
        "okay",
        "honestly",
        "tbh",
        "thankfully",
        "luckily",
        "fortunately",
        "unfortunately",
        "sadly",
        "actually",
        "haha",
        "lol",
        "hi",
        "hey",
    }
)
UNSURE_STARTS: tuple[str, ...] = (
    "not sure",
    "not really sure",
    "im not sure",
    "i'm not sure",
    "i am not sure",
    "unsure",
    "maybe",
    "mayb",
    "perhaps",
    "possibly",
    "probably",
    "might",
    "could be",
    "dunno",
    "idk",
    "i dont know",
    "i don't know",
    "don't know",
    "dont know",
    "i don't really know",
    "i dont really know",
    "don't really know",
    "dont really know",
    "no idea",
    "not a clue",
    "no clue",
    "hard to say",
    "hard to tell",
    "can't tell",
    "cant tell",
    "can't say",
    "cant say",
    # Scots: "I dinnae ken" (I don't know), "cannae say".
    "dinnae ken",
    "dinna ken",
    "i dinnae ken",
    "i dinna ken",
    "cannae say",
    "canna say",
    "cannae tell",
    "canna tell",
    "couldn't say",
    "couldnt say",
    "i think so",
    "think so",
    "i guess",
    "i suppose",
    "don't think so",
    "dont think so",
    "i don't think so",
    "i dont think so",
    "not certain",
    "who knows",
    "kind of hard",
    "not that i know",
    "not that i'm aware",
    "not that im aware",
    "not as far as i know",
    "not to my knowledge",
    # Don't know, in other languages ("não sei" opens with "não", a no).
    "não sei",
    "nao sei",
    "no sé",
    "no se",
    "no lo sé",
    "no lo se",
    "nie wiem",
    "je sais pas",
    "je ne sais pas",
    "weiß nicht",
    "keine ahnung",
    "non lo so",
    "不知道",
    "わからない",
    "잘 모르겠어요",
    "모르겠어요",
)
# Australian and New Zealand English: "yeah nah" is a no, "nah yeah" a yes. The
# slang yes is read before the no it opens with.
SLANG_YES_STARTS: tuple[str, ...] = ("nah yeah", "nah yea", "nah yep", "naw yeah")
# A yes limited to a time, a situation or a part ("only when I go up stairs", "just
# in the mornings", "only the big toe"): the sign is there, if not always. "Only once"
# or "only the cramp" are not here: they limit the answer to less than the sign.
QUALIFIED_YES_STARTS: tuple[str, ...] = tuple(
    f"{limit} {what}"
    for limit in ("only", "just", "mostly", "mainly", "usually")
    for what in (
        "when",
        "whenever",
        "while",
        "if i",
        "after i",
        "during",
        "in the",
        "on the stairs",
        "at night",
        "going",
        "walking",
        "climbing",
        "standing",
        "first thing",
        "the left",
        "the right",
        "my left",
        "my right",
        "the big toe",
        "my big toe",
        "the toes",
        "my toes",
    )
)
NO_STARTS: tuple[str, ...] = (
    "yeah nah",
    "yea nah",
    "yeh nah",
    "yep nah",
    "no",
    "nope",
    "nah",
    "naw",
    "nay",
    "nop",
    "noo",
    "nooo",
    # No in other languages: a no only while the rest reads as English
    # (``is_unreadable``): "nie mogę stanąć" is "I can't stand".
    "nahi",
    "nahin",
    "nein",
    "nie",
    "nej",
    "нет",
    "いいえ",
    "아니요",
    "아뇨",
    "不",
    "不是",
    "没有",
    "không",
    "tidak",
    "όχι",
    "hayır",
    "hapana",
    "não",
    "nao",
    "neither",
    "negative",
    "not at all",
    "not really",
    "not a chance",
    "not on your life",
    "definitely not",
    "absolutely not",
    "certainly not",
    "thankfully not",
    "luckily not",
    "all good",
    "all fine",
    "none of that",
    "none of those",
    "nothing like that",
    "nothing else",
    "that's all",
    "thats all",
    "nothing really",
    "i'm fine",
    "im fine",
    "i am fine",
    "i'm good",
    "im good",
    "i'm ok",
    "im ok",
    "i'm okay",
    "im okay",
    "all ok",
    "all okay",
)
YES_STARTS: tuple[str, ...] = (
    "yes",
    "yess",
    "yeah",
    "yea",
    "yeh",
    "yep",
    "yup",
    "ya",
    "yah",
    "aye",
    "ja",
    "oui",
    "sí",
    "definitely",
    "absolutely",
    "certainly",
    "correct",
    "indeed",
    "affirmative",
    "uh huh",
    # Yes said as an idiom ("you bet I did", "sure does, like wet rope", Cajun "mais
    # yeah"); "sure" alone is only a whole reply (below).
    "you bet",
    "you betcha",
    "sure is",
    "sure does",
    "sure did",
    "sure am",
    "sure was",
    "sure has",
    "sure thing",
    "mais yeah",
    "mais oui",
    "too right",
    "hell yeah",
    "hell yes",
    "heck yeah",
    "damn right",
    "haan",
    "haanji",
    "sim",
    "ndiyo",
    "evet",
    # Yes in other languages (a reply in another language answers too; a wrong
    # reading here can only raise the level).
    "si",
    "sì",
    "ouais",
    "tak",
    "да",
    "はい",
    "ええ",
    "네",
    "예",
    "응",
    "对",
    "對",
    "是",
    "是的",
    "có",
    "vâng",
    "iya",
    "opo",
    "oo",
    "naam",
    "نعم",
    "igen",
    "kyllä",
    "ναι",
)
# Short replies that answer only when they are the whole reply ("i do", "a bit"):
# at the start of a longer message they can mean anything ("it is fine now").
WHOLE_REPLY_NO: tuple[str, ...] = (
    "n",
    "not",
    "never",
    "none",
    "nothing",
    "i don't",
    "i dont",
    "i do not",
    "i haven't",
    "i havent",
    "i have not",
    "i didn't",
    "i didnt",
    "i did not",
    "it isn't",
    "it isnt",
    "it's not",
    "its not",
    "it doesn't",
    "it doesnt",
    "it wasn't",
    "it wasnt",
    "i'm not",
    "im not",
    "that's it",
    "thats it",
    "never had it",
    "never have",
)
WHOLE_REPLY_YES: tuple[str, ...] = (
    "y",
    "sure",
    "true",
    "right",
    "i do",
    "i have",
    "i did",
    "i am",
    "it is",
    "it does",
    "it was",
    "they are",
    "there is",
    "a bit",
    "a little",
    "a little bit",
    "a tiny bit",
    "slightly",
    "kind of",
    "kinda",
    "sort of",
    "sorta",
    "somewhat",
    "a touch",
    "mildly",
    "a lot",
    "very",
    "very much",
    "loads",
    "it is yes",
)
# After a yes word, these turn it round ("definitely not", "sure not").
NEGATORS = frozenset({"not", "no", "never", "nope"})

# Words in any script ("sí", "はい"), apostrophes kept ("don't").
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]*)*")

# What components/message_guard.py makes of a message with too few readable English
# words (another language, keyboard mashing): this intent, certain.
UNREADABLE_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Reply:
    """What the NLU made of one user message."""

    text: str
    intent: str | None
    confidence: float
    # Red flags the detector found in the message: flag id -> present/absent/unsure.
    mentions: Mapping[str, str]


def _words(text: str) -> list[str]:
    """Lower-case words of ``text`` with curly apostrophes straightened."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _starts_with(words: list[str], phrases: tuple[str, ...]) -> bool:
    """Whether ``words`` begin with one of ``phrases`` (whole words only)."""
    for phrase in phrases:
        parts = phrase.split()
        if words[: len(parts)] == parts:
            return True
    return False


def leading_answer(text: str) -> str | None:
    """The answer a reply opens with: present, absent, unsure, or ``None``.

    Fillers ("well", "honestly", "thankfully") are skipped; doubt is checked before
    no and yes, so "not sure" is unsure and "i don't think so" is unsure (rule 3).
    """
    words = _words(text)
    while words and words[0] in FILLERS:
        words = words[1:]
    if not words:
        return None
    if _starts_with(words, UNSURE_STARTS):
        return triage.UNSURE
    if _starts_with(words, SLANG_YES_STARTS + QUALIFIED_YES_STARTS):
        return triage.PRESENT
    if _starts_with(words, NO_STARTS) or " ".join(words) in WHOLE_REPLY_NO:
        return triage.ABSENT
    for phrase in YES_STARTS:
        if _starts_with(words, (phrase,)):
            following = words[len(phrase.split()) :][:1]
            negated = bool(following) and following[0] in NEGATORS
            return triage.ABSENT if negated else triage.PRESENT
    if " ".join(words) in WHOLE_REPLY_YES:
        return triage.PRESENT
    return None


def is_other_request(reply: Reply) -> bool:
    """Whether the message is confidently something else (a question, "stop", ...)."""
    return (
        reply.intent in NOT_AN_ANSWER_INTENTS
        and reply.confidence >= MIN_INTENT_CONFIDENCE
    )


def is_unreadable(reply: Reply) -> bool:
    """Whether the NLU found too few readable English words in the message."""
    return reply.intent == UNREADABLE_INTENT and reply.confidence >= 1.0


def reports_a_flag(reply: Reply) -> bool:
    """Whether the message reports some red flag (present or unsure)."""
    return any(status != triage.ABSENT for status in reply.mentions.values())


def interpret_reply(asked_flag: str, reply: Reply) -> str | None:
    """The answer ``reply`` gives to the question about ``asked_flag``.

    Returns ``present``, ``absent`` or ``unsure``, or ``None`` when the message is
    plainly not an answer (see the module docstring for the order of the checks).
    """
    if asked_flag == triage.OTHER_CONCERN.id:
        return interpret_residual_reply(reply)
    said = reply.mentions.get(asked_flag)
    opening = leading_answer(reply.text) if reply.text else None
    if opening == triage.ABSENT and is_unreadable(reply):
        # "no puedo caminar" opens with "no" and says "I can't walk": a no followed
        # by words in another language is not trusted (asked once more).
        opening = triage.UNSURE
    intent_answer = (
        ANSWER_INTENTS.get(reply.intent or "")
        if reply.confidence >= MIN_INTENT_CONFIDENCE
        else None
    )
    overall = opening or intent_answer
    if said is not None:
        if said == triage.ABSENT and overall in (triage.PRESENT, triage.UNSURE):
            return triage.UNSURE
        if said == triage.UNSURE and overall == triage.PRESENT:
            return triage.PRESENT
        return said
    if overall is not None:
        return overall
    if reports_a_flag(reply) or is_other_request(reply):
        # Another flag but nothing about this one (recorded on its own), or plainly
        # another request: this question is asked again, plainly, not as "not sure".
        return None
    return triage.UNSURE


def interpret_residual_reply(reply: Reply) -> str | None:
    """The answer to "anything else that worries you?": only a clear no is ``absent``.

    Anything else that answers (a yes, doubt, a description, words not understood)
    is ``present``: the person is not given remedy advice but the clinic's contact.
    """
    # The words alone decide yes/no here; any flag in them is recorded on its own.
    answer = interpret_reply("", replace(reply, mentions={}))
    if answer is None:
        return None
    clear_no = answer == triage.ABSENT and not reports_a_flag(reply)
    return triage.ABSENT if clear_no else triage.PRESENT
