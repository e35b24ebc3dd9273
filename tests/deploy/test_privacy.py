"""Retention and deletion against real tracker stores (PostgreSQL and SQLite).

Conversations are written by Rasa's own ``SQLTrackerStore``, and read back with it, so the
tests pin what Rasa will see after a purge or a deletion.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from deploy import cluster
from privacy import (
    delete_conversation,
    delete_conversation_after_turn,
    purge_expired_conversations,
    schedule_conversation_deletion,
)
from privacy.retention import PENDING_REQUEST_GRACE_S
from privacy.store import StoreNotConfigured, engine_for

DAY = 86_400.0
DELETION_ACTION = "action_delete_conversation"


def run(coroutine: Any) -> Any:
    """Run a coroutine to completion."""
    return asyncio.run(coroutine)


def rasa_store(db_url: str) -> SQLTrackerStore:
    """Rasa's SQL tracker store on the database at ``db_url``."""
    url = sa.engine.make_url(db_url)
    if url.drivername.startswith("sqlite"):
        return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.database)
    return SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
        password=url.password,
    )


def turn(text: str, at: float) -> list[Event]:
    """One exchange: the person says ``text``, the bot answers, the bot listens."""
    return [
        UserUttered(text, intent={"name": "greet", "confidence": 1.0}, timestamp=at),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        BotUttered("Hello!", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


def conversation(
    sender_id: str, started: float, *turn_times: float
) -> DialogueStateTracker:
    """A stored-shaped conversation that started at ``started`` with turns at the given times."""
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=started),
        SessionStarted(timestamp=started),
        ActionExecuted("action_listen", timestamp=started),
    ]
    for index, at in enumerate(turn_times):
        events += turn(f"message {index}", at)
    return DialogueStateTracker.from_events(sender_id, events)


def save(store: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Store a tracker the way Rasa does at the end of a turn."""
    run(store.save(tracker))


def stored_event_count(store: SQLTrackerStore, sender_id: str) -> int:
    """Number of events Rasa would load for ``sender_id`` (0 if the conversation is gone)."""
    tracker = run(store.retrieve_full_tracker(sender_id))
    return 0 if tracker is None else len(tracker.events)


def stored_recent_conversation(
    db_url: str,
) -> tuple[SQLTrackerStore, DialogueStateTracker]:
    """Rasa's store on ``db_url`` holding alice's conversation of one turn, a minute old.

    Returns the store and the tracker, to continue the conversation.
    """
    now = time.time()
    store = rasa_store(db_url)
    tracker = conversation("alice", now - 60, now - 50)
    save(store, tracker)
    return store, tracker


def run_deletion_action(tracker: DialogueStateTracker) -> None:
    """The action that asks for deletion runs in the tracker (Rasa stores it later)."""
    tracker.update(ActionExecuted(DELETION_ACTION, timestamp=time.time()))


def test_retention_deletes_only_conversations_idle_longer_than_the_period(
    db_url: str,
) -> None:
    now = time.time()
    store = rasa_store(db_url)
    save(
        store, conversation("old", now - 40 * DAY, now - 40 * DAY + 10, now - 39 * DAY)
    )
    save(store, conversation("recent", now - 2 * DAY, now - 2 * DAY + 10))
    # Started long ago but active yesterday: kept whole, never cut in half.
    save(
        store,
        conversation("resumed", now - 90 * DAY, now - 90 * DAY + 5, now - 1 * DAY),
    )
    kept_before = {sid: stored_event_count(store, sid) for sid in ("recent", "resumed")}

    report = purge_expired_conversations(retention_days=30, db_url=db_url, now=now)

    assert (report.conversations, report.events) == (1, 11)
    assert stored_event_count(store, "old") == 0
    assert {
        sid: stored_event_count(store, sid) for sid in ("recent", "resumed")
    } == kept_before


def test_retention_dry_run_counts_without_deleting(db_url: str) -> None:
    now = time.time()
    store = rasa_store(db_url)
    save(store, conversation("old", now - 40 * DAY, now - 40 * DAY + 1))

    report = purge_expired_conversations(
        retention_days=30, db_url=db_url, now=now, dry_run=True
    )

    assert (report.conversations, report.events, report.dry_run) == (1, 7, True)
    assert stored_event_count(store, "old") == 7


def test_retention_works_in_batches(db_url: str) -> None:
    now = time.time()
    store = rasa_store(db_url)
    for index in range(7):
        save(store, conversation(f"old-{index}", now - 50 * DAY, now - 50 * DAY + 1))
    save(store, conversation("recent", now - DAY, now - DAY + 1))

    report = purge_expired_conversations(
        retention_days=30, db_url=db_url, now=now, batch_size=3
    )

    assert report.conversations == 7
    assert stored_event_count(store, "recent") == 7


def test_retention_command_line_reads_retention_days(db_url: str) -> None:
    now = time.time()
    store = rasa_store(db_url)
    save(store, conversation("old", now - 10 * DAY, now - 10 * DAY + 1))
    save(store, conversation("recent", now - 3 * DAY, now - 3 * DAY + 1))

    completed = subprocess.run(
        [sys.executable, "-m", "privacy.retention", "--db-url", db_url],
        env={"RETENTION_DAYS": "7", "PATH": "/usr/bin:/bin"},
        cwd=cluster.REPO,
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(completed.stdout.strip().splitlines()[-1])["conversations"] == 1
    assert stored_event_count(store, "old") == 0
    assert stored_event_count(store, "recent") == 7


def test_retention_on_a_store_rasa_never_wrote_is_a_no_op(db_url: str) -> None:
    report = purge_expired_conversations(retention_days=30, db_url=db_url)
    assert (report.conversations, report.events) == (0, 0)


def test_retention_rejects_a_non_positive_period(db_url: str) -> None:
    with pytest.raises(ValueError):
        purge_expired_conversations(retention_days=0, db_url=db_url)


def test_delete_conversation_removes_one_conversation_and_nothing_else(
    db_url: str,
) -> None:
    now = time.time()
    store = rasa_store(db_url)
    save(store, conversation("alice", now - 60, now - 50, now - 40))
    save(store, conversation("bob", now - 60, now - 50))

    deleted = delete_conversation("alice", db_url=db_url)

    assert deleted == 11
    assert run(store.retrieve("alice")) is None
    assert stored_event_count(store, "bob") == 7
    assert delete_conversation("alice", db_url=db_url) == 0


def test_a_deleted_conversation_starts_afresh(db_url: str) -> None:
    now = time.time()
    store = rasa_store(db_url)
    save(store, conversation("alice", now - 60, now - 50))
    delete_conversation("alice", db_url=db_url)

    save(store, conversation("alice", now, now + 1))

    assert stored_event_count(store, "alice") == 7


def test_deletion_requested_inside_a_turn_waits_for_the_turn_to_be_stored(
    db_url: str,
) -> None:
    """The action asking for deletion runs before Rasa stores the turn: delete after it."""
    store, tracker = stored_recent_conversation(db_url)

    async def turn_with_deletion() -> int:
        task = asyncio.create_task(
            delete_conversation_after_turn(
                "alice",
                marker_action=DELETION_ACTION,
                db_url=db_url,
                poll_interval_s=0.05,
            )
        )
        await asyncio.sleep(0.5)
        assert not task.done(), "deleted before the turn was stored"
        # Rasa stores the turn (the user's request and the action) after the action ran.
        tracker.update(UserUttered("delete my conversation", timestamp=time.time()))
        run_deletion_action(tracker)
        await store.save(tracker)
        return await asyncio.wait_for(task, timeout=10)

    deleted = run(turn_with_deletion())

    assert deleted == 9
    assert run(store.retrieve("alice")) is None


def test_retention_job_finishes_a_deletion_the_action_server_could_not(
    db_url: str,
) -> None:
    store, tracker = stored_recent_conversation(db_url)
    run(
        delete_conversation_after_turn(
            "alice",
            marker_action=DELETION_ACTION,
            db_url=db_url,
            timeout_s=0.2,
        )
    )
    # The turn is stored late, after the action server gave up waiting.
    run_deletion_action(tracker)
    save(store, tracker)
    assert stored_event_count(store, "alice") > 0

    report = purge_expired_conversations(
        retention_days=30, db_url=db_url, now=time.time() + PENDING_REQUEST_GRACE_S + 1
    )

    assert report.pending_requests_completed == 1
    assert run(store.retrieve("alice")) is None


def test_store_url_comes_from_the_same_variables_as_endpoints_prod() -> None:
    from privacy.store import tracker_db_url

    url = tracker_db_url(
        {
            "TRACKER_DB_HOST": "db",
            "TRACKER_DB_PORT": "5433",
            "TRACKER_DB_NAME": "rasa",
            "TRACKER_DB_USER": "rasa",
            "TRACKER_DB_PASSWORD": "p@ss/word",
        }
    )

    assert engine_for(url).url.password == "p@ss/word"
    assert url.startswith("postgresql://rasa:") and url.endswith("@db:5433/rasa")


def test_a_scheduled_deletion_runs_in_the_background_after_the_turn(
    db_url: str,
) -> None:
    store, tracker = stored_recent_conversation(db_url)

    async def action_then_save() -> int:
        task = schedule_conversation_deletion(
            "alice", marker_action=DELETION_ACTION, db_url=db_url
        )
        run_deletion_action(tracker)
        await store.save(tracker)
        return await asyncio.wait_for(task, timeout=10)

    assert run(action_then_save()) == 8
    assert run(store.retrieve("alice")) is None


def test_scheduling_a_deletion_without_a_store_fails_in_the_action(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TRACKER_DB_URL", "TRACKER_DB_HOST"):
        monkeypatch.delenv(name, raising=False)

    async def action() -> None:
        schedule_conversation_deletion("alice", marker_action=DELETION_ACTION)

    with pytest.raises(StoreNotConfigured):
        run(action())
