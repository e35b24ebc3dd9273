"""The cached SQL tracker store gives Rasa the tracker Rasa's own SQL store gives.

Against PostgreSQL and SQLite (``db_url``): after every turn of a long conversation the
tracker is the one ``SQLTrackerStore`` reads from the same database; two stores on one
database (two Rasa instances) each see the other's turns; a conversation deleted by
``privacy`` (retention, erasure) is gone from the store that held it in memory.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from privacy import delete_conversation, purge_expired_conversations
from stores import cached_sql_tracker_store
from stores.cached_sql_tracker_store import CachedSQLTrackerStore

REPO = Path(__file__).resolve().parents[2]
DAY = 86_400.0
QUESTIONS = [
    "screen_chest_pain_or_breathless",
    "screen_cold_pale_leg",
    "screen_swelling",
]


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The assistant's domain (its slots and form)."""
    return Domain.load(str(REPO / "domain"))


def run(coroutine: Any) -> Any:
    """Run a coroutine to completion."""
    return asyncio.run(coroutine)


def store_settings(db_url: str) -> dict[str, Any]:
    """``SQLTrackerStore`` settings for the database at ``db_url``."""
    url = sa.engine.make_url(db_url)
    if url.drivername.startswith("sqlite"):
        return {"dialect": "sqlite", "db": url.database}
    return {
        "dialect": "postgresql",
        "host": url.host,
        "port": url.port,
        "db": url.database,
        "username": url.username,
        "password": url.password,
    }


def cached(db_url: str, domain: Domain, **options: Any) -> CachedSQLTrackerStore:
    """The cached store on ``db_url`` (one Rasa instance)."""
    return CachedSQLTrackerStore(domain, **store_settings(db_url), **options)


def plain(db_url: str, domain: Domain) -> SQLTrackerStore:
    """Rasa's own SQL store on ``db_url``."""
    return SQLTrackerStore(domain, **store_settings(db_url))


def turn(number: int, at: float) -> list[Event]:
    """One screening turn: an answer, the form's slot events, the next question."""
    question = QUESTIONS[number % len(QUESTIONS)]
    events: list[Event] = [
        UserUttered(
            f"answer {number}",
            intent={"name": "deny", "confidence": 0.9},
            parse_data={
                "intent": {"name": "deny", "confidence": 0.9},
                "entities": [],
                "text": f"answer {number}",
            },
            timestamp=at,
        ),
        ActionExecuted("screening_form", timestamp=at + 0.01),
        SlotSet(question, "absent", timestamp=at + 0.02),
        SlotSet("requested_slot", question, timestamp=at + 0.03),
        BotUttered(f"question {number}", {"utter_action": "utter_ask"}, timestamp=at),
        ActionExecuted("action_listen", timestamp=at + 0.04),
    ]
    if number % 7 == 3:
        events.insert(1, ActiveLoop("screening_form", timestamp=at + 0.005))
    if number % 11 == 5:
        events += [UserUtteranceReverted(timestamp=at + 0.05)]
    return events


def session_start(at: float) -> list[Event]:
    """The events Rasa stores when a session starts."""
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


def take_turn(
    store: TrackerStore, sender_id: str, events: list[Event], domain: Domain
) -> None:
    """What Rasa does with one message: retrieve (or create), add events, save."""
    tracker = run(store.retrieve(sender_id)) or DialogueStateTracker(
        sender_id, domain.slots
    )
    for event in events:
        tracker.update(event)
    run(store.save(tracker))


def state(tracker: DialogueStateTracker | None) -> dict[str, Any] | None:
    """Everything Rasa reads of a tracker: events, slots, loop, latest message."""
    return None if tracker is None else tracker.current_state(EventVerbosity.ALL)


def test_endpoints_yml_names_this_store(domain: Domain, tmp_path: Path) -> None:
    # Rasa falls back to its in-memory store, with a warning only, when a custom
    # store cannot be loaded: the configured one must load as itself.
    for endpoints in ("endpoints.yml", "deploy/endpoints.prod.yml"):
        config = yaml.safe_load((REPO / endpoints).read_text())["tracker_store"]
        assert config["type"] == "stores.cached_sql_tracker_store.CachedSQLTrackerStore"
    config = yaml.safe_load((REPO / "endpoints.yml").read_text())["tracker_store"]
    config["db"] = str(tmp_path / "rasa.db")
    store = TrackerStore.create(EndpointConfig.from_dict(config), domain)
    assert type(store) is CachedSQLTrackerStore


def test_same_tracker_as_rasas_store_after_every_turn(
    db_url: str, domain: Domain
) -> None:
    store, reference = cached(db_url, domain), plain(db_url, domain)
    started = time.time() - 3600
    take_turn(store, "long", session_start(started), domain)
    for number in range(1, 121):
        events = turn(number, started + number)
        if number == 80:  # the session expired: a new one starts mid-conversation
            events = session_start(started + number - 0.5) + events
        take_turn(store, "long", events, domain)
        assert state(run(store.retrieve("long"))) == state(
            run(reference.retrieve("long"))
        ), f"turn {number}"
    tracker = run(store.retrieve("long"))
    assert tracker.get_slot(QUESTIONS[0]) == "absent"
    # The latest session only, as Rasa's store reads it.
    assert [type(event) for event in tracker.events].count(SessionStarted) == 1


def test_a_turn_decodes_only_the_rows_it_added(
    db_url: str, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = cached(db_url, domain)
    started = time.time() - 3600
    take_turn(store, "long", session_start(started), domain)
    for number in range(1, 60):
        take_turn(store, "long", turn(number, started + number), domain)
    run(store.retrieve("long"))
    decoded: list[int] = []
    real = cached_sql_tracker_store.deserialise_events

    def counting(events: list[dict[str, Any]]) -> list[Event]:
        decoded.append(len(events))
        return real(events)

    monkeypatch.setattr(cached_sql_tracker_store, "deserialise_events", counting)
    take_turn(store, "long", turn(60, started + 60), domain)
    run(store.retrieve("long"))
    assert decoded == [len(turn(60, 0))]  # nothing new before the turn's save


def test_each_instance_sees_the_others_turns(db_url: str, domain: Domain) -> None:
    first, second = cached(db_url, domain), cached(db_url, domain)
    reference = plain(db_url, domain)
    started = time.time() - 3600
    take_turn(first, "shared", session_start(started), domain)
    for number in range(1, 31):
        # Turns alternate between the instances, as behind nginx.
        take_turn(
            first if number % 2 else second,
            "shared",
            turn(number, started + number),
            domain,
        )
        for store in (first, second):
            assert state(run(store.retrieve("shared"))) == state(
                run(reference.retrieve("shared"))
            ), f"turn {number}"


def test_a_deleted_conversation_is_not_served_from_memory(
    db_url: str, domain: Domain
) -> None:
    store, other = cached(db_url, domain), cached(db_url, domain)
    started = time.time() - 3600
    for sender_id in ("alice", "bob"):
        take_turn(store, sender_id, session_start(started), domain)
        take_turn(store, sender_id, turn(1, started + 1), domain)
        assert run(store.retrieve(sender_id)) is not None
    assert delete_conversation("alice", db_url=db_url) == 3 + len(turn(1, 0))
    assert run(store.retrieve("alice")) is None
    assert "alice" not in store.kept_conversations()
    # Another instance starts the conversation again under the same id: only the
    # new events are served, none of the deleted ones.
    take_turn(other, "alice", session_start(time.time()), domain)
    assert [e.as_dict()["event"] for e in run(store.retrieve("alice")).events] == [
        "action",
        "session_started",
        "action",
    ]
    assert run(store.retrieve("bob")) is not None


def test_conversations_removed_by_retention_are_gone(
    db_url: str, domain: Domain
) -> None:
    store = cached(db_url, domain)
    now = time.time()
    take_turn(store, "old", session_start(now - 40 * DAY), domain)
    take_turn(store, "old", turn(1, now - 40 * DAY + 1), domain)
    take_turn(store, "recent", session_start(now - DAY), domain)
    assert run(store.retrieve("old")) is not None
    assert run(store.retrieve("recent")) is not None
    report = purge_expired_conversations(retention_days=30, db_url=db_url, now=now)
    assert report.conversations == 1
    assert run(store.retrieve("old")) is None
    assert store.kept_conversations() == ["recent"]


def test_memory_is_bounded_by_count_and_idle_time(
    db_url: str, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = cached(db_url, domain, max_conversations=3, max_idle_seconds=60)
    started = time.time() - 3600
    for sender_id in ("a", "b", "c", "d"):
        take_turn(store, sender_id, session_start(started), domain)
        run(store.retrieve(sender_id))
    assert store.kept_conversations() == ["b", "c", "d"]
    later = time.monotonic() + 61
    monkeypatch.setattr(cached_sql_tracker_store.time, "monotonic", lambda: later)
    run(store.retrieve("a"))
    assert store.kept_conversations() == ["a"]
    assert state(run(store.retrieve("b"))) == state(
        run(plain(db_url, domain).retrieve("b"))
    )


def test_a_row_stamped_before_the_session_start_is_left_out_as_rasa_does(
    db_url: str, domain: Domain
) -> None:
    # Another instance whose clock is behind writes a row older than the session
    # start: Rasa's query picks the session by timestamp and leaves it out.
    store, other = cached(db_url, domain), cached(db_url, domain)
    started = time.time() - 3600
    take_turn(store, "skewed", session_start(started), domain)
    run(store.retrieve("skewed"))
    take_turn(other, "skewed", turn(1, started - 30), domain)
    tracker = run(store.retrieve("skewed"))
    assert state(tracker) == state(run(plain(db_url, domain).retrieve("skewed")))
    assert len(tracker.events) == 3
