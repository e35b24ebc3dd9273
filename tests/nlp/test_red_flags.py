"""The red-flag detector's negation and uncertainty scope (the phrasing corpus is in tests/safety)."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.language import Language

from actions.triage import RED_FLAGS
from nlp.red_flags import DEFAULT_PATTERNS_PATH
from nlp.wordings import load_patterns
from tests.helpers.flags import statuses
from tests.helpers.paths import REPO_ROOT
from tests.safety.corpus import EMERGENCY_FLAGS

FLAG_IDS = {flag.id for flag in RED_FLAGS}


@pytest.mark.parametrize(
    ("text", "flag", "status"),
    [
        # negation cues before the mention
        ("no swelling", "swelling", "absent"),
        ("there isn't any swelling", "swelling", "absent"),
        ("it is not swollen", "swelling", "absent"),
        ("without any bruising", "bruising", "absent"),
        ("never had numbness", "numbness_tingling", "absent"),
        ("he denies numbness", "numbness_tingling", "absent"),
        ("no longer numb", "numbness_tingling", "absent"),
        ("not even a little bit swollen", "swelling", "absent"),
        ("isnt swollen", "swelling", "absent"),
        ("dont have diabetes", "risk_condition", "absent"),
        # trailing cues
        ("swelling? no", "swelling", "absent"),
        ("bruising - none", "bruising", "absent"),
        ("the tingling has stopped", "numbness_tingling", "absent"),
        # positive-ability statements
        ("i can walk fine", "cannot_bear_weight", "absent"),
        ("walking fine", "cannot_bear_weight", "absent"),
        ("i can still walk", "cannot_bear_weight", "absent"),
        # negations that are part of the red flag itself
        ("i can't walk", "cannot_bear_weight", "present"),
        ("cant put weight on it", "cannot_bear_weight", "present"),
        ("the pain won't go away", "severe_persistent_pain", "present"),
        ("it hasn't eased", "severe_persistent_pain", "present"),
        ("no strength in my leg", "weakness", "present"),
        # ... and do not deny what follows them
        (
            "can't feel my toes, and the foot is icy and white",
            "cold_pale_leg",
            "present",
        ),
        ("can't walk on it and the calf is bruised", "bruising", "present"),
        (
            "i cant take a deep breath since the cramp",
            "chest_pain_or_breathless",
            "present",
        ),
        # hedges
        ("a bit swollen", "swelling", "present"),
        ("kind of numb", "numbness_tingling", "present"),
        ("maybe a pop", "pop_or_injury", "unsure"),
        ("swollen i think", "swelling", "unsure"),
        ("not sure if it's bruised", "bruising", "unsure"),
        ("slightly weak", "weakness", "present"),
        ("i don't think i can walk", "cannot_bear_weight", "unsure"),
        ("no bruising i think", "bruising", "unsure"),
        # scope ends at clause boundaries
        ("no pain but it's swollen", "swelling", "present"),
        ("not sore, though it is bruised", "bruising", "present"),
        ("no idea why; it's numb", "numbness_tingling", "present"),
        ("no numbness and my calf is swollen", "swelling", "present"),
        ("i didn't stretch so now it's swollen", "swelling", "present"),
        ("no, it's swollen", "swelling", "present"),
        ("no my leg is numb", "numbness_tingling", "present"),
        ("not numb, just weak", "weakness", "present"),
        ("a bit tight however it is bruised", "bruising", "present"),
        # a leading cue covers a list
        ("no swelling, bruising or numbness", "numbness_tingling", "absent"),
        ("no swelling or bruising", "bruising", "absent"),
        ("no swelling, bruising though", "bruising", "present"),
        # ... and "or" keeps an item in the denial, "though" or not
        ("shin's not warm or puffy tho", "swelling", "absent"),
        ("a little puffy, though not red or warm though", "swelling", "present"),
    ],
)
def test_negation_scope(
    red_flag_nlp: Language, text: str, flag: str, status: str
) -> None:
    """Each cue reaches the mention it governs and stops at clause boundaries."""
    assert statuses(red_flag_nlp, text).get(flag) == status


@pytest.mark.parametrize(
    ("text", "flag", "reported"),
    [
        # Someone else reports it, but the symptom is the writer's own.
        (
            "my husband says i cant stand on it since my hamstring cramped",
            "cannot_bear_weight",
            True,
        ),
        (
            "my physio thinks my thigh is bruised, my hamstring cramped on sunday",
            "bruising",
            True,
        ),
        (
            "went running with my mates and cant walk now my hamstring cramped",
            "cannot_bear_weight",
            True,
        ),
        # Another person's symptom beside the writer's cramp.
        (
            "my wifes calf went blue in the cold, but my hamstring cramped today",
            "cold_pale_leg",
            False,
        ),
        (
            "my uncle over in Dublin cant walk without a stick, i just have a hamstring cramp",
            "cannot_bear_weight",
            False,
        ),
        (
            "my grans ankles swell, i only have a cramp in my hamstring",
            "swelling",
            False,
        ),
        # The writer sets their own case apart from someone else's.
        (
            "my sister's feet puff up every summer, mine never do",
            "swelling",
            False,
        ),
        (
            "my dad takes water tablets and gets cramps loads, i'm not on any",
            "risk_medication",
            False,
        ),
        (
            "nan had kidney disease and I'm scared it runs in the family",
            "risk_condition",
            False,
        ),
    ],
)
def test_whose_symptom(
    red_flag_nlp: Language, text: str, flag: str, reported: bool
) -> None:
    """A first-person word after the other person makes the mention the writer's again."""
    assert (statuses(red_flag_nlp, text).get(flag) == "present") is reported


@pytest.mark.parametrize(
    ("text", "present", "not_present"),
    [
        ("my calf is hot and swollen", "warm_red_swollen_leg", "swelling"),
        ("the back of my thigh is swollen", "swelling", "warm_red_swollen_leg"),
        ("my leg fell asleep", "numbness_tingling", "pop_or_injury"),
        ("i fell over", "pop_or_injury", "numbness_tingling"),
        ("my foot is black and blue", "bruising", "cold_pale_leg"),
        ("my foot is cold and blue", "cold_pale_leg", "bruising"),
    ],
)
def test_context(
    red_flag_nlp: Language, text: str, present: str, not_present: str
) -> None:
    """Context decides between neighbouring flags."""
    got = statuses(red_flag_nlp, text)
    assert got.get(present) == "present"
    assert not_present not in got


@pytest.mark.parametrize(
    ("text", "flag", "status"),
    [
        # A single night's waking is not "again and again"; a habit is.
        ("this cramp woke me at 4am", "frequent_cramps", None),
        ("the cramp woke her at 2 am, back of the thigh", "frequent_cramps", None),
        ("it woke me at 4am again, third night running", "frequent_cramps", "present"),
        ("third night on the trot it's had me up", "frequent_cramps", "present"),
        ("they keep waking me in the small hours", "frequent_cramps", "present"),
        ("cramping off and on all week", "frequent_cramps", "present"),
        ("i'm up 3 times a night to wee, the cramp is new", "frequent_cramps", None),
        # Another part of the body, another sense of the word.
        ("bruised my elbow on the door, the cramp is in my thigh", "bruising", None),
        ("swell thanks, much better", "swelling", None),
        ("i'm weak for a custard slice", "weakness", None),
        ("my hip clicks and pops when i stand", "pop_or_injury", None),
        ("i work as a renal nurse, first cramp in ages", "risk_condition", None),
        ("sorry my english is weak, the cramp is in back of leg", "weakness", None),
        ("crisps are my weakness tbh", "weakness", None),
        (
            "the beck was proper swollen after the storm so I ran the road",
            "swelling",
            None,
        ),
        ("had a swell weekend away, cramped on the drive back", "swelling", None),
        ("i swim every morning, cramped in the pool today", "frequent_cramps", None),
        ("my dog wakes me at 5, the cramp came on at lunch", "frequent_cramps", None),
        (
            "my wife gets cramps all the time, this is the first one i've had",
            "frequent_cramps",
            "absent",
        ),
        # Words the lexicon had not met.
        ("I've got raynauds", "risk_condition", "present"),
        (
            "feels like the back of my leg is full of popping candy",
            "numbness_tingling",
            "present",
        ),
        ("pain's not going off at all", "severe_persistent_pain", "present"),
        # Eighteenth round: other senses of pop, snap, fall, bruise, swell and weak,
        # and tingling or swelling of another part of the body.
        (
            "popped a blister on my toe at parkrun, then the cramp",
            "pop_or_injury",
            None,
        ),
        ("had pop punk on when the hamstring locked up", "pop_or_injury", None),
        ("i snapped at my husband, this cramp has me so grumpy", "pop_or_injury", None),
        ("felt something snap at the back of my knee", "pop_or_injury", "present"),
        ("sugar snap peas with tea for the magnesium", "pop_or_injury", None),
        ("training for a fall 10k, cramped on the long run", "pop_or_injury", None),
        ("our team fell to third from bottom and I cramped", "pop_or_injury", None),
        ("the strap on my bag snapped as I ran for the bus", "pop_or_injury", None),
        ("bruised the mint for a mojito then the cramp hit", "bruising", None),
        ("my mouth is all tingly from the sherbet", "numbness_tingling", None),
        (
            "my fingertips are tingling from the cold, leg's fine",
            "numbness_tingling",
            None,
        ),
        (
            "swelling around my eye from hay fever, cramp's in my thigh",
            "swelling",
            None,
        ),
        ("the oats swelled up overnight, had them before my run", "swelling", None),
        (
            "the right has always been my weaker side, cramp's on the left",
            "weakness",
            None,
        ),
        ("my brother says I'm weak in the head for racing", "weakness", None),
        # ... and their near twins, which stay flags.
        (
            "had a fall half way down the stairs, hamstring seized",
            "pop_or_injury",
            "present",
        ),
        (
            "rolled onto my side, fell off the bed and cramped",
            "pop_or_injury",
            "present",
        ),
        ("my mouth and leg are numb", "numbness_tingling", "present"),
    ],
)
def test_senses_and_habits(
    red_flag_nlp: Language, text: str, flag: str, status: str | None
) -> None:
    """Other senses, other body parts and one-off events are not flags."""
    assert statuses(red_flag_nlp, text).get(flag) == status


def test_a_denied_clot_sign_keeps_the_second_net_off(red_flag_nlp: Language) -> None:
    """A denial of heat, redness or swelling speaks to the clot flag without naming it."""
    for text in ("calf isn't red, warm or swollen", "leg looks normal, not hot at all"):
        doc = red_flag_nlp(text)
        assert "warm_red_swollen_leg" in doc._.red_flags_seen
        read = {f["flag"]: f["status"] for f in doc._.red_flags}
        assert read.get("warm_red_swollen_leg") in (None, "absent")


def test_a_sign_taken_back_keeps_the_second_net_off(red_flag_nlp: Language) -> None:
    """A sign believed in and taken back is set aside, as someone else's would be."""
    doc = red_flag_nlp("I thought my foot looked blue, but it was just the light")
    assert "cold_pale_leg" in doc._.red_flags_seen
    assert "cold_pale_leg" not in {f["flag"] for f in doc._.red_flags}


def test_a_feared_sign_is_unsure_and_doubted(red_flag_nlp: Language) -> None:
    """A fear of what may come is asked about; the second net may not confirm it."""
    doc = red_flag_nlp("what will happen, will I start getting them every night now")
    (flag,) = [f for f in doc._.red_flags if f["flag"] == "frequent_cramps"]
    assert (flag["status"], flag["doubted"]) == ("unsure", True)


@pytest.mark.parametrize(
    "text",
    [
        "will I start coughing up blood again",
        "scared it'll go white again, it's cold and pale now",
    ],
)
def test_a_fear_never_weakens_an_emergency_sign(
    red_flag_nlp: Language, text: str
) -> None:
    """The emergency signs a worried person reports stay present."""
    read = {f["flag"]: f["status"] for f in red_flag_nlp(text)._.red_flags}
    assert "present" in {
        read.get("chest_pain_or_breathless"),
        read.get("cold_pale_leg"),
    }


def test_a_fear_reaches_only_the_words_it_opens(red_flag_nlp: Language) -> None:
    """A fear far from the sign, with a reason between, weakens nothing."""
    text = "I'm scared I will have to stop playing because my leg keeps giving way"
    read = {f["flag"]: f["status"] for f in red_flag_nlp(text)._.red_flags}
    assert read.get("weakness") == "present"


def test_the_emergency_flags_are_never_feared() -> None:
    """The exemption is the contract's emergency flags, as the patterns file lists it."""
    scope = load_patterns(DEFAULT_PATTERNS_PATH)["scope"]
    assert set(scope["feared"]["not_for"]) == set(EMERGENCY_FLAGS)


def test_the_reading_does_not_depend_on_the_order_of_matches(
    red_flag_nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The anchored matcher's order is not a ``Matcher``'s; the reader imposes its own."""
    texts = [
        # Two wordings read "breathing might be a bit off", the unsure one spelling
        # its own doubt: which comes first decided whether the doubt was marked.
        (
            "My mum says her breathing might be a bit off but she isn't sure, her"
            " hamstring cramped after her walk"
        ),
        "no swelling earlier, maybe a bit swollen now. actually it is swollen",
        "my calf is hot, red and swollen and I can't put weight on it",
        "not numb, not tingling, but the foot is cold and pale and it kills",
        "I don't think it's bruised but it might be a little swollen",
    ]
    before = [red_flag_nlp(text)._.red_flags for text in texts]
    detector = red_flag_nlp.get_pipe("hamstring_red_flags")
    flags = detector._flags
    reversed_matches = dataclasses.replace(
        flags, matcher=lambda doc: flags.matcher(doc)[::-1]
    )
    monkeypatch.setattr(detector, "_flags", reversed_matches)
    assert [red_flag_nlp(text)._.red_flags for text in texts] == before


def test_history_wordings_are_matched_once_per_message(
    red_flag_nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several history items ask whether they went; the matchers run once each."""
    detector = red_flag_nlp.get_pipe("hamstring_red_flags")
    text = (
        "I had diabetes and was on water tablets and statins back then,"
        " but it went away and I stopped them"
    )
    expected = red_flag_nlp(text)._.red_flags
    reports = detector._reports_of
    calls: list[str] = []
    for name in ("gone", "denials_later"):
        matcher = getattr(reports, name)

        def counted(doc: object, name: str = name, matcher: object = matcher) -> object:
            calls.append(name)
            return matcher(doc)  # type: ignore[operator]

        monkeypatch.setattr(reports, name, counted)
    assert red_flag_nlp(text)._.red_flags == expected
    assert calls.count("gone") == 1
    assert calls.count("denials_later") <= 1


def test_one_entry_per_flag_present_beats_unsure_beats_absent(
    red_flag_nlp: Language,
) -> None:
    """Several mentions of one flag collapse to the strongest status."""
    doc = red_flag_nlp(
        "no swelling earlier, maybe a bit swollen now. actually it is swollen"
    )
    flags = [f for f in doc._.red_flags if f["flag"] == "swelling"]
    assert len(flags) == 1
    assert flags[0]["status"] == "present"
    assert doc.text[flags[0]["start"] : flags[0]["end"]] == flags[0]["text"]


def test_offsets_and_case(red_flag_nlp: Language) -> None:
    """Character offsets point into the original text, whatever its capitalisation."""
    text = "Felt a POP, now it's Bruised"
    flags = red_flag_nlp(text)._.red_flags
    assert {f["flag"]: f["text"] for f in flags} == {
        "pop_or_injury": "Felt a POP",
        "bruising": "Bruised",
    }
    for flag in flags:
        assert text[flag["start"] : flag["end"]] == flag["text"]


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n", "?!", "ok " * 3400, "no swelling, " * 800],
    ids=["empty", "blank", "newlines", "punctuation", "10k-chars", "10k-denials"],
)
def test_edge_texts(red_flag_nlp: Language, text: str) -> None:
    """Empty, blank and 10,000-character texts are handled."""
    flags = red_flag_nlp(text)._.red_flags
    assert isinstance(flags, list)
    assert all(f["status"] != "present" for f in flags)


def test_pipeline_loads_from_another_directory(
    pipeline_path: Path, tmp_path: Path
) -> None:
    """The saved pipeline carries its patterns: it loads and works outside the repo."""
    code = (
        "import spacy, nlp.red_flags, sys; "
        "doc = spacy.load(sys.argv[1])('my pee is brown'); "
        "print(doc._.red_flags[0]['flag'])"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", code, str(pipeline_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "dark_urine"


def test_meta(red_flag_nlp: Language) -> None:
    """Pipeline name, version and components."""
    assert red_flag_nlp.meta["name"] == "en_hamstring"
    assert red_flag_nlp.meta["version"] == "1.1.0"
    assert red_flag_nlp.pipe_names == [
        "lemmatizer",
        "hamstring_red_flags",
        "hamstring_flag_classifier",
    ]


@pytest.mark.parametrize(
    ("text", "flag", "doubted"),
    [
        ("a bit tingly i think", "numbness_tingling", True),
        ("not sure if there's swelling", "swelling", True),
        ("my hamstring went during the sprint", "pop_or_injury", False),
    ],
)
def test_doubt_the_person_voiced_is_marked(
    red_flag_nlp: Language, text: str, flag: str, doubted: bool
) -> None:
    """An unsure reading says whether the person doubted it or the wording is vague."""
    found = {f["flag"]: f for f in red_flag_nlp(text)._.red_flags}
    assert (found[flag]["status"], found[flag]["doubted"]) == ("unsure", doubted)


# The scope's lists that nlp/scope.py and nlp/reports.py compare token by token
# (``token.lower_ in words``); weak_hedges and trailing_fillers are compared as text.
TOKEN_LISTS = [
    "onset",
    "now_words",
    "first_person",
    "question_subjects",
    "question_words",
    "other_people",
    "other_possessives",
    "other_predicates",
    "observer_verbs",
    "third_person",
    "self_description",
    "articles",
    "boundaries",
    "negated_boundaries",
    "conjunctions",
    "clause_starters",
    "interjections",
    "list_glue",
    "statement_verbs",
    "negative_concord",
    "agreeing_after",
    "cause_words",
    "comparisons",
    "list_end_words",
    "resolved.earlier",
    "resolved.joins",
    "resolved.subjects",
    "resolved.trailing",
]


@pytest.mark.parametrize("name", TOKEN_LISTS)
def test_word_lists_hold_words_the_tokenizer_keeps_whole(
    red_flag_nlp: Language, name: str
) -> None:
    """A list compared token by token can only use entries that are one token.

    "dad's", "in-laws", "im", "it's" and "more like" are split by the tokenizer, so
    as entries they never match ("im" is read through "i", which the list has). A
    clitic ("'m", "'re") is one token after a word it belongs to.
    """
    words = load_patterns(DEFAULT_PATTERNS_PATH)["scope"]
    for key in name.split("."):
        words = words[key]
    assert len(words) == len(set(words)), "a word is listed twice"
    for word in map(str, words):
        hosts = ("i", "it", "you") if word[0] in "'’" else ("my ",)
        assert any(
            word.lower()
            in [t.lower_ for t in red_flag_nlp.make_doc(f"{host}{word} leg")]
            for host in hosts
        ), f"{word!r} is split by the tokenizer"


def test_the_leg_parts_that_tell_other_people_apart_include_named_concepts(
    red_flag_nlp: Language,
) -> None:
    """``leg_part`` names ``{lower_limb}``: "my sisters ankle" is still a leg part."""
    detector = red_flag_nlp.get_pipe("hamstring_red_flags")
    leg_parts = detector._reports_of.leg_parts
    assert {"ankle", "toes", "legs", "ankles", "thigh"} <= leg_parts
    assert not any(word.startswith("{") for word in leg_parts)
