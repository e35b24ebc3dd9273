"""RedFlagEntityExtractor on messages really processed by SpacyNLP and SpacyTokenizer."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.red_flag_extractor import DEFAULT_KEEP_INTENTS, RedFlagEntityExtractor

Pipeline = Callable[..., Message]


@pytest.fixture(scope="module")
def components(
    pipeline_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SpacyNLP, SpacyTokenizer]:
    """SpacyNLP on the built pipeline and SpacyTokenizer, created as Rasa creates them."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model_storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    spacy_nlp = SpacyNLP.create(
        {**SpacyNLP.get_default_config(), "model": str(pipeline_path)},
        storage,
        Resource("spacy_nlp"),
        context,
    )
    tokenizer = SpacyTokenizer.create(
        SpacyTokenizer.get_default_config(), storage, Resource("tokenizer"), context
    )
    return spacy_nlp, tokenizer


@pytest.fixture()
def run(components: tuple[SpacyNLP, SpacyTokenizer]) -> Pipeline:
    """Process one text through SpacyNLP, SpacyTokenizer, a fake classifier, the extractor."""
    spacy_nlp, tokenizer = components

    def _run(
        text: str,
        intent: str | None = "ask_causes",
        config: dict[str, Any] | None = None,
        confidence: float = 0.8,
    ) -> Message:
        message = Message(data={TEXT: text})
        spacy_nlp.process([message], spacy_nlp.provide())
        tokenizer.process([message])
        if intent is not None:
            # What DIETClassifier would have set.
            top = {"name": intent, "confidence": confidence}
            message.set(INTENT, top, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [
                    top,
                    {"name": "report_symptom", "confidence": (1 - confidence) * 0.75},
                    {"name": "greet", "confidence": (1 - confidence) * 0.25},
                ],
                add_to_output=True,
            )
        extractor = RedFlagEntityExtractor.create(
            {**RedFlagEntityExtractor.get_default_config(), **(config or {})},
            None,  # type: ignore[arg-type]  (unused by this component)
            Resource("red_flags"),
            ExecutionContext(GraphSchema({}), "test"),
        )
        [message] = extractor.process([message])
        return message

    return _run


def red_flags(message: Message) -> dict[str, str]:
    """Flag id -> role of the red_flag entities."""
    return {
        e["value"]: e["role"]
        for e in message.get(ENTITIES, [])
        if e["entity"] == "red_flag"
    }


def test_spacy_nlp_puts_red_flags_on_the_doc(run: Pipeline) -> None:
    """SpacyNLP's doc already carries the flags, and the tokens are there."""
    message = run("I felt a pop and it's bruised")
    assert message.get(SPACY_DOCS[TEXT])._.red_flags
    assert message.get(TOKENS_NAMES[TEXT])


def test_entities_with_roles_and_offsets(run: Pipeline) -> None:
    """One entity per flag, role = status, offsets into the message text."""
    text = (
        "it seized up mid-sprint, I felt a pop and now the back of my thigh is "
        "bruised, no numbness though"
    )
    message = run(text)
    assert red_flags(message) == {
        "pop_or_injury": "present",
        "bruising": "present",
        "numbness_tingling": "absent",
    }
    for entity in message.get(ENTITIES):
        assert entity["extractor"] == "RedFlagEntityExtractor"
        assert entity["confidence_entity"] == 1.0
        assert text[entity["start"] : entity["end"]].lower() in {
            "felt a pop",
            "bruised",
            "numbness",
        }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cant put weight on it", {"cannot_bear_weight": "present"}),
        ("my calf is hot and swollen", {"warm_red_swollen_leg": "present"}),
        ("pee looks like cola after the marathon", {"dark_urine": "present"}),
        ("I can walk fine", {"cannot_bear_weight": "absent"}),
        ("not numb", {"numbness_tingling": "absent"}),
        ("a bit tingly I think", {"numbness_tingling": "unsure"}),
        ("what causes hamstring cramps", {}),
    ],
)
def test_brief_examples(run: Pipeline, text: str, expected: dict[str, str]) -> None:
    """The examples of the issue."""
    assert red_flags(run(text)) == expected


def test_present_flag_overrides_intent(run: Pipeline) -> None:
    """A reported flag turns an FAQ intent into report_symptom, original second."""
    message = run(
        "how long does recovery take? my foot is cold and blue", "ask_recovery"
    )
    assert message.get(INTENT) == {"name": "report_symptom", "confidence": 1.0}
    ranking = [item["name"] for item in message.get(INTENT_RANKING_KEY)]
    assert ranking == ["report_symptom", "ask_recovery", "greet"]
    # Demoted (0.8 * 0.5) so that FallbackClassifier sees no ambiguity.
    assert message.get(INTENT_RANKING_KEY)[1]["confidence"] == pytest.approx(0.4)


def test_unsure_flag_overrides_intent(run: Pipeline) -> None:
    """An unsure flag counts as reported (contract rule 3)."""
    message = run("thanks, maybe a bit swollen", "thank")
    assert message.get(INTENT)["name"] == "report_symptom"


@pytest.mark.parametrize("intent", DEFAULT_KEEP_INTENTS)
def test_keep_intents_are_not_overridden(run: Pipeline, intent: str) -> None:
    """Answers and commands keep their intent; the entities are still added."""
    message = run("yes it's swollen", intent)
    assert message.get(INTENT)["name"] == intent
    assert red_flags(message) == {"swelling": "present"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "will I start getting these hamstring cramps every night now?",
            {"frequent_cramps": "unsure"},
        ),
        ("start over, there is bruising on my thigh", {"bruising": "present"}),
    ],
)
def test_restart_never_shields_a_reported_flag(
    run: Pipeline, text: str, expected: dict[str, str]
) -> None:
    """A sure "restart" that reports a flag is a report: a restart would forget it."""
    message = run(text, "restart", confidence=0.9)
    assert message.get(INTENT)["name"] == "report_symptom"
    assert red_flags(message) == expected


def test_restart_with_only_denials_stays_a_restart(run: Pipeline) -> None:
    """Denials alone call for no care, so the person's restart is kept."""
    message = run("start over, there's no swelling", "restart", confidence=0.9)
    assert message.get(INTENT)["name"] == "restart"
    assert red_flags(message) == {"swelling": "absent"}


def test_weak_keep_intent_is_overridden(run: Pipeline) -> None:
    """A keep-list intent the classifier is unsure of does not shield a red flag."""
    message = run("it was agony", "express_unsure", confidence=0.3)
    assert message.get(INTENT)["name"] == "report_symptom"
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)][:2] == [
        "report_symptom",
        "express_unsure",
    ]


def test_ambiguous_keep_intent_is_overridden(run: Pipeline) -> None:
    """A keep-list intent barely ahead of its runner-up does not shield a flag."""
    message = run("it popped and cramped", intent=None)
    message.set(INTENT, {"name": "report_cramp", "confidence": 0.52})
    message.set(
        INTENT_RANKING_KEY,
        [
            {"name": "report_cramp", "confidence": 0.52},
            {"name": "report_symptom", "confidence": 0.46},
        ],
    )
    RedFlagEntityExtractor({}).process([message])
    assert message.get(INTENT)["name"] == "report_symptom"


def test_override_survives_fallback_classifier(run: Pipeline) -> None:
    """FallbackClassifier after the extractor keeps report_symptom (no ambiguity)."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    message = run("why is my leg numb", "ask_causes", confidence=0.97)
    fallback = FallbackClassifier(
        {**FallbackClassifier.get_default_config(), "threshold": 0.5}
    )
    [message] = fallback.process([message])
    assert message.get(INTENT)["name"] == "report_symptom"


def test_absent_flags_do_not_override(run: Pipeline) -> None:
    """Denials are recorded but do not change the intent."""
    message = run("no swelling and i can walk fine", "ask_causes")
    assert message.get(INTENT)["name"] == "ask_causes"
    assert red_flags(message) == {"swelling": "absent", "cannot_bear_weight": "absent"}


def test_no_flag_leaves_message_alone(run: Pipeline) -> None:
    """Without a flag nothing changes."""
    message = run("my hamstring cramped during yoga", "report_cramp")
    assert message.get(INTENT)["name"] == "report_cramp"
    assert message.get(ENTITIES, []) == []


def test_missing_intent_is_set(run: Pipeline) -> None:
    """Without a classifier the override still sets the intent."""
    message = run("my pee is brown", intent=None)
    assert message.get(INTENT) == {"name": "report_symptom", "confidence": 1.0}
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == ["report_symptom"]


def test_config(run: Pipeline) -> None:
    """Entity name, override intent and keep-list are configurable."""
    message = run(
        "my leg is numb",
        "ask_causes",
        {"entity": "flag", "override_intent": "urgent", "keep_intents": ["ask_causes"]},
    )
    assert message.get(INTENT)["name"] == "ask_causes"
    assert [e["entity"] for e in message.get(ENTITIES)] == ["flag"]
    message = run("my leg is numb", "greet", {"override_intent": None})
    assert message.get(INTENT)["name"] == "greet"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "no swelling, " * 770, "x" * 10_000],
    ids=["empty", "blank", "10k-denials", "10k-one-word"],
)
def test_empty_and_long_texts(run: Pipeline, text: str) -> None:
    """Empty and 10,000-character messages are handled."""
    message = run(text)
    assert all(e["role"] != "present" for e in message.get(ENTITIES, []))


def test_message_without_spacy_doc() -> None:
    """Without SpacyNLP the component runs the project's pipeline on the text itself."""
    message = Message(data={TEXT: "i take water pills"})
    RedFlagEntityExtractor({}).process([message])
    assert red_flags(message) == {"risk_medication": "present"}
    assert message.get(INTENT)["name"] == "report_symptom"


def test_uncertain_report_symptom_becomes_certain(run: Pipeline) -> None:
    """A weak report_symptom guess is raised to 1.0 so the fallback cannot drop it."""
    message = run("my toes have gone blue", "report_symptom")
    assert message.get(INTENT) == {"name": "report_symptom", "confidence": 1.0}
    ranking = [item["name"] for item in message.get(INTENT_RANKING_KEY)]
    assert ranking == ["report_symptom", "greet"]
