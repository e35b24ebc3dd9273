"""The cached check of the action server's replies refuses what Rasa's own check refuses."""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from stores import action_replies
from stores.in_memory_lock_store import InMemoryLockStore

RASA_CHECK = RemoteAction._validate_action_result

VALID_REPLIES: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "red_flags", "value": ["numbness"]},
            {"event": "slot", "name": "triage_level", "value": None},
            {"event": "active_loop", "name": None},
        ],
        "responses": [{"response": "utter_greet"}, {"text": "hello"}],
    },
    {},
]

INVALID_REPLIES: list[dict[str, Any]] = [
    {"events": {"event": "slot"}},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "value": 1}]},
    {"events": [{"name": "triage_level"}]},
    {"events": ["slot"]},
    {"responses": "utter_greet"},
    {"responses": ["utter_greet"]},
]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached check in place for one test (Rasa's own restored afterwards)."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_CHECK)
    action_replies.install()


def action() -> RemoteAction:
    return RemoteAction("action_record_red_flags", EndpointConfig("http://127.0.0.1:1"))


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize("reply", VALID_REPLIES)
def test_valid_replies_are_accepted(reply: dict[str, Any]) -> None:
    assert RASA_CHECK(action(), reply) is True
    assert action()._validate_action_result(reply) is True


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize("reply", INVALID_REPLIES)
def test_invalid_replies_are_refused_with_rasas_error(reply: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as rasas:
        RASA_CHECK(action(), reply)
    with pytest.raises(jsonschema.ValidationError) as cached:
        action()._validate_action_result(reply)
    assert cached.value.message == rasas.value.message
    assert list(cached.value.path) == list(rasas.value.path)
    assert "Failed to validate Action server response" in cached.value.message


def test_the_validator_is_built_once() -> None:
    first = action_replies.reply_validator(RemoteAction)
    assert action_replies.reply_validator(RemoteAction) is first


def test_install_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_CHECK)
    action_replies.install()
    action_replies.install()
    assert RemoteAction._validate_action_result is action_replies.validate_action_result


def test_the_lock_store_from_endpoints_installs_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_CHECK)
    store = LockStore.create(
        EndpointConfig(type="stores.in_memory_lock_store.InMemoryLockStore")
    )
    assert isinstance(store, InMemoryLockStore)
    assert RemoteAction._validate_action_result is action_replies.validate_action_result
    lock = store.create_lock("someone")
    store.save_lock(lock)
    assert store.get_lock("someone") is not None


@pytest.mark.usefixtures("installed")
def test_a_custom_action_with_an_invalid_reply_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    remote = action()

    async def reply(**_: Any) -> dict[str, Any]:
        return {"events": [{"event": "no_such_event"}], "responses": []}

    assert remote.action_endpoint is not None
    monkeypatch.setattr(remote.action_endpoint, "request", reply)
    run = remote.run(
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator({}),
        DialogueStateTracker("someone", []),
        Domain.empty(),
    )
    with pytest.raises(jsonschema.ValidationError):
        asyncio.run(run)


def test_the_deployments_redis_lock_store_installs_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stores.redis_lock_store import AtomicRedisLockStore

    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_CHECK)
    # Creating the client does not connect: no Redis is needed here.
    AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=1, db=1))
    assert RemoteAction._validate_action_result is action_replies.validate_action_result
