"""When Rasa calls ``action_record_red_flags``: its slot mappings in the real domain.

Rasa's own ``action_extract_slots`` runs on the real domain and trackers built from
events, with the call to the action server recorded instead of made. Messages that
report a red flag are labelled by the real ``RedFlagEntityExtractor`` and
``FallbackClassifier`` with the settings of ``config.yml``, whatever intent the
classifier guessed and however sure it was.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import spacy
import yaml
from rasa.core.actions.action import ActionExtractSlots
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

import nlp.red_flags  # noqa: F401  (registers the doc._.red_flags extension)
from actions import triage
from components.red_flag_extractor import RedFlagEntityExtractor
from tests.actions.helpers import DOMAIN_PATH
from tests.helpers.paths import REPO_ROOT

ACTION = "action_record_red_flags"
FORM = "screening_form"
CONFIG_PATH = REPO_ROOT / "config.yml"
# Intents with which a denial alone outside the screening is not recorded (no call to
# the action server): greetings, thanks, questions and requests. Its question is then
# asked in the screening's turn.
DENIAL_LEFT_TO_THE_SCREENING = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
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
        "out_of_scope",
        "request_human",
        "delete_conversation",
        # Rasa's own commands ("/back", "/session_start"), never the classifier's.
        "back",
        "session_start",
    }
)
# Classifier guesses: sure, ambiguous (FallbackClassifier's ambiguity), unsure.
GUESSES = [(0.9, 0.05), (0.55, 0.5), (0.4, 0.3)]


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The real domain, as the trained model carries it."""
    return Domain.load(str(DOMAIN_PATH))


def intents(domain: Domain) -> list[str]:
    """Every intent a message can end with, ``nlu_fallback`` included."""
    return sorted(set(domain.intents) | {"nlu_fallback"})


def calls(domain: Domain, events: list[Event]) -> list[str]:
    """The custom actions ``action_extract_slots`` calls after the latest message."""
    called: list[str] = []

    async def record(self: Any, name: str, *args: Any) -> list[Event]:
        called.append(name)
        return []

    tracker = DialogueStateTracker.from_events("t", events, slots=domain.slots)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ActionExtractSlots, "_run_custom_action", record)
        asyncio.run(ActionExtractSlots(None).run(None, None, tracker, domain))  # type: ignore[arg-type]
    return called


def user(intent: str, entities: list[dict[str, Any]] | None = None) -> UserUttered:
    """A user message as the NLU labelled it."""
    return UserUttered(
        "...", intent={"name": intent, "confidence": 1.0}, entities=entities or []
    )


def in_the_screening(asked: str, *, rejected: bool = False) -> list[Event]:
    """Events of a conversation whose screening form asked about ``asked``."""
    events: list[Event] = [
        ActionExecuted("action_listen"),
        user("report_cramp"),
        ActionExecuted(FORM),
        ActiveLoop(FORM),
        SlotSet("requested_slot", asked),
    ]
    if rejected:
        events.append(ActionExecutionRejected(FORM))
    return [*events, ActionExecuted("action_listen")]


def component_config(name: str) -> dict[str, Any]:
    """The settings ``config.yml`` gives the pipeline component ``name``."""
    pipeline = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))["pipeline"]
    [entry] = [item for item in pipeline if item["name"].endswith(name)]
    return {key: value for key, value in entry.items() if key != "name"}


def labelled(
    guess: str, top: float, runner_up: float, flags: dict[str, str]
) -> Message:
    """A message with ``flags`` (id: status) as the NLU pipeline of ``config.yml`` labels it."""
    context = ExecutionContext(GraphSchema({}), "test")
    extractor = RedFlagEntityExtractor.create(
        {
            **RedFlagEntityExtractor.get_default_config(),
            **component_config("RedFlagEntityExtractor"),
        },
        None,  # type: ignore[arg-type]  (unused by this component)
        Resource("red_flags"),
        context,
    )
    fallback = FallbackClassifier.create(
        {
            **FallbackClassifier.get_default_config(),
            **component_config("FallbackClassifier"),
        },
        None,  # type: ignore[arg-type]  (unused by this component)
        Resource("fallback"),
        context,
    )
    text = "my foot is cold"
    doc = spacy.blank("en")(text)
    doc._.red_flags = [
        {"flag": flag_id, "status": status, "start": 0, "end": len(text)}
        for flag_id, status in flags.items()
    ]
    other = "greet" if guess != "greet" else "thank"
    message = Message(data={TEXT: text})
    message.set(SPACY_DOCS[TEXT], doc)
    message.set(INTENT, {"name": guess, "confidence": top})
    message.set(
        INTENT_RANKING_KEY,
        [{"name": guess, "confidence": top}, {"name": other, "confidence": runner_up}],
    )
    [message] = fallback.process(extractor.process([message]))
    return message


@pytest.mark.parametrize("role", [triage.PRESENT, triage.UNSURE])
@pytest.mark.parametrize(
    "denied", [{}, {"swelling": triage.ABSENT}], ids=["alone", "with_a_denial"]
)
def test_a_reported_flag_is_recorded_whatever_the_classifier_guessed(
    domain: Domain, role: str, denied: dict[str, str]
) -> None:
    """Contract rule 4: a flag volunteered outside the screening is recorded at once.

    Also beside a denial ("no swelling but my foot is cold"): a message is left out
    only when it denies and reports nothing.
    """
    for guess in intents(domain):
        for top, runner_up in GUESSES:
            message = labelled(guess, top, runner_up, {**denied, "cold_pale_leg": role})
            uttered = user(message.get(INTENT)["name"], message.get(ENTITIES))
            assert calls(domain, [ActionExecuted("action_listen"), uttered]) == [
                ACTION
            ], (guess, top, message.get(INTENT))


@pytest.mark.parametrize("asked", triage.SCREEN_SLOTS)
@pytest.mark.parametrize("rejected", [False, True])
def test_every_reply_in_the_screening_is_read(
    domain: Domain, asked: str, rejected: bool
) -> None:
    """A reply to an open question may answer it, whatever its intent and words."""
    for intent in intents(domain):
        events = in_the_screening(asked, rejected=rejected) + [user(intent)]
        assert calls(domain, events) == [ACTION], intent


@pytest.mark.parametrize(
    "intent", ["greet", "ask_causes", "ask_recovery", "thank", "goodbye"]
)
def test_a_message_without_a_flag_outside_the_screening_skips_the_action_server(
    domain: Domain, intent: str
) -> None:
    """Greetings, thanks and questions cost no round trip to the action server."""
    assert calls(domain, [ActionExecuted("action_listen"), user(intent)]) == []


def test_a_denial_alone_outside_the_screening_is_left_to_the_screening(
    domain: Domain,
) -> None:
    """A denial in an FAQ ("what causes cramps? no swelling") waits for its question.

    Only the intent tells Rasa's mappings what a message says, and a denial alone
    keeps the classifier's intent (or becomes ``nlu_fallback``): outside the screening
    it is recorded only with an intent a report can have. These are the intents with
    which it is not, so its question is asked in turn (see the next test).
    """
    skipped = set()
    for guess in intents(domain):
        for top, runner_up in GUESSES:
            message = labelled(guess, top, runner_up, {"swelling": triage.ABSENT})
            intent = message.get(INTENT)["name"]
            assert intent in (guess, "nlu_fallback"), (guess, top)
            uttered = user(intent, message.get(ENTITIES))
            if not calls(domain, [ActionExecuted("action_listen"), uttered]):
                skipped.add(intent)
    assert skipped == DENIAL_LEFT_TO_THE_SCREENING


@pytest.mark.parametrize("flag", triage.RED_FLAGS, ids=lambda flag: flag.id)
def test_an_unrecorded_denial_only_leaves_its_question_to_be_asked(
    flag: triage.RedFlag,
) -> None:
    """Why a denial may wait: unrecorded, the level is the same and its question stays.

    The level counts only answers of present or unsure; absent only spares a question.
    So with the denial missing, the level is unchanged, every question still needed
    is still needed, and this one is asked whenever its answer could raise the level
    (nothing else is reported, no advice before it). Over-asking, never less care.
    """
    others = [item for item in triage.SCREENING_ITEMS if item != flag]
    backgrounds: list[dict[str, str]] = [
        {},
        {item.slot: triage.ABSENT for item in others},
    ]
    backgrounds += [
        {item.slot: triage.PRESENT} for item in triage.RED_FLAGS if item != flag
    ]
    for answers in backgrounds:
        recorded = triage.assess({**answers, flag.slot: triage.ABSENT})
        unrecorded = triage.assess({**answers, flag.slot: None})
        assert unrecorded.level == recorded.level, answers
        assert set(recorded.remaining) <= set(unrecorded.remaining), answers
        could_raise = triage.level_rank(flag.level) > triage.level_rank(recorded.level)
        assert (flag.slot in unrecorded.remaining) == could_raise, answers
        assert triage.screening_level({**answers, flag.slot: None}) in (
            None,
            triage.screening_level({**answers, flag.slot: triage.ABSENT}),
        ), answers
