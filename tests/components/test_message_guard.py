"""MessageGuard: messages without understandable words go to the fallback."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.markup_stripper import MarkupStripper, strip_markup
from components.message_guard import MessageGuard


@pytest.fixture
def guard(tmp_path) -> MessageGuard:
    """A guard trained on a few examples, saved and loaded again."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("guard")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    config = MessageGuard.get_default_config()
    trained = MessageGuard.create(config, storage, resource, context)
    examples = [
        Message(data={"text": "what causes hamstring cramps", "intent": "ask_causes"}),
        Message(data={"text": "it is on my thigh", "intent": "report_symptom"}),
    ]
    trained.train(TrainingData(training_examples=examples))
    return MessageGuard.load(config, storage, resource, context)


def parsed(guard: MessageGuard, text: str, intent: str = "affirm") -> str:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.9})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.9}])
    guard.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["", "   ", "😭", "🤷", "🙂👍🦵", "?!", "<>/"])
def test_no_letters_goes_to_fallback(guard: MessageGuard, text: str) -> None:
    assert parsed(guard, text) == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        "blorp snarf wug",
        "asdkjh qwelkj zxcmn",
        "me duele mucho la pierna",
        "Ich habe einen Krampf im Oberschenkel",
    ],
)
def test_mostly_unknown_words_go_to_fallback(guard: MessageGuard, text: str) -> None:
    assert parsed(guard, text, "out_of_scope") == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "no",
        "ok 👍",
        "what causes hamstring cramps?",
        "hamstirng cramp",
        "cant put weight on it",
        "it hurts on the back of my thigh",
        "x" * 10_000,
    ],
)
def test_understandable_messages_keep_their_intent(
    guard: MessageGuard, text: str
) -> None:
    assert parsed(guard, text) == "affirm"


def test_fallback_leads_the_ranking(guard: MessageGuard) -> None:
    message = Message(data={"text": "😭"})
    message.set("intent", {"name": "affirm", "confidence": 0.99})
    message.set("intent_ranking", [{"name": "affirm", "confidence": 0.99}])
    guard.process([message])
    assert [i["name"] for i in message.get("intent_ranking")] == [
        "nlu_fallback",
        "affirm",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert('x')</script><b>I have a cramp</b>", "I have a cramp"),
        ("<i>no</i>", "no"),
        ("<img src=x onerror=alert(1)>", ""),
        ("<STYLE>p {color: red}</STYLE>yes", "yes"),
        ("pain is <5/10 and >2", "pain is <5/10 and >2"),
        ("a < b", "a < b"),
    ],
)
def test_markup_is_removed_and_plain_text_kept(text: str, expected: str) -> None:
    assert strip_markup(text) == expected


def test_stripper_rewrites_the_message_text() -> None:
    message = Message(data={"text": "<b>my hamstring cramped</b>"})
    MarkupStripper().process([message])
    assert message.get("text") == "my hamstring cramped"
