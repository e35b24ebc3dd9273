"""action_delete_conversation against a real SQLite tracker store written by Rasa."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import ActionDeleteConversation
from tests.actions.helpers import make_tracker, responses

SENDER = "test"


def stored_events(store: SQLTrackerStore, sender_id: str) -> int:
    tracker = asyncio.run(store.retrieve_full_tracker(sender_id))
    return 0 if tracker is None else len(tracker.events)


def test_without_a_store_it_says_so(
    monkeypatch: pytest.MonkeyPatch, dispatcher: CollectingDispatcher, domain: dict
) -> None:
    for name in ("TRACKER_DB_URL", "TRACKER_DB_HOST"):
        monkeypatch.delenv(name, raising=False)
    action = ActionDeleteConversation()
    events = asyncio.run(action.run(dispatcher, make_tracker(), domain))
    assert events == []
    assert responses(dispatcher) == ["utter_conversation_not_deleted"]


def test_conversation_is_deleted_once_the_turn_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, domain: dict
) -> None:
    db = tmp_path / "conversations.db"
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{db}")
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    other = DialogueStateTracker.from_events(
        "someone-else", [UserUttered("hi"), BotUttered("hello")]
    )
    asyncio.run(store.save(other))
    tracker = DialogueStateTracker.from_events(
        SENDER, [UserUttered("my hamstring cramped"), BotUttered("sorry to hear")]
    )
    asyncio.run(store.save(tracker))

    async def turn() -> list[str]:
        dispatcher = CollectingDispatcher()
        await ActionDeleteConversation().run(dispatcher, make_tracker(), domain)
        # Rasa stores the turn, with the action, after the action has answered.
        tracker.update(UserUttered("delete my conversation"))
        tracker.update(ActionExecuted("action_delete_conversation"))
        await store.save(tracker)
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.wait_for(asyncio.gather(*pending), timeout=30)
        return responses(dispatcher)

    assert asyncio.run(turn()) == ["utter_conversation_deleted"]
    assert stored_events(store, SENDER) == 0
    assert stored_events(store, "someone-else") == 2
