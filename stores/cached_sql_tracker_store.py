"""Rasa's SQL tracker store that reads only the rows a conversation gained since last time.

Rasa's ``SQLTrackerStore.retrieve`` loads every event of the conversation's latest
session on every message, decodes the JSON of each and replays them: at turn 200 of one
conversation that was 78 ms of a 145 ms answer (``make profile``-style sampling, SQLite),
against 3 ms at turn 5. This subclass keeps the decoded events of recently used
conversations in memory and asks the database only for rows with a higher id, so a turn
decodes only its own few new events. It is named in ``endpoints.yml`` (and
``deploy/endpoints.prod.yml``) in place of ``type: SQL``, with the same settings::

    tracker_store:
      type: stores.cached_sql_tracker_store.CachedSQLTrackerStore
      dialect: "sqlite"
      db: "var/conversations.db"

The database stays the only truth, so several Rasa instances can share it (the
deployment's PostgreSQL): every retrieve also counts the conversation's rows up to the
highest id it holds. Rows written by another instance have higher ids and are read; a
count that differs means rows were deleted (``privacy.retention``, ``privacy.erasure``,
the console) or committed out of id order, and the conversation is read again in full
as Rasa would. A deleted conversation is therefore never served from memory, and its
events are dropped from memory at that retrieve; conversations idle for
``max_idle_seconds`` or beyond the ``max_conversations`` most recently used are dropped
too. A new ``session_started`` row also means a full read (Rasa's own query picks the
session by timestamp). Saving is Rasa's, unchanged.

The tracker returned is built from the kept events as Rasa builds it from the decoded
rows (``DialogueStateTracker.from_events``), so it is the same tracker: the events are
shared with the memory, as ``DialogueStateTracker.copy`` shares them between copies.

With ``cache_states: true`` the tracker is a ``StatesCachingTracker``
(``stores/past_states.py``): the policies' past states of each kept conversation are
kept beside its events and extended with each new event instead of being rebuilt from
the whole session on every prediction; dropped with the conversation's events.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

from stores.past_states import PastStatesCache, StatesCachingTracker

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class _Conversation:
    """What is kept of one conversation's latest session."""

    events: list[Event]
    last_id: int  # the highest row id read for the conversation (any session)
    rows: int  # how many rows of the conversation have an id up to last_id
    session_start: float | None  # timestamp of its latest session_started row
    used: float  # time.monotonic() of the last retrieve
    states: PastStatesCache | None = None  # its policies' past states (cache_states)


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose ``retrieve`` reads only rows it has not read yet."""

    def __init__(
        self,
        *args: Any,
        max_conversations: int = 200,
        max_idle_seconds: float = 3600.0,
        cache_states: bool = False,
        max_state_turns: int = 1000,
        **kwargs: Any,
    ) -> None:
        """Create the store; the options bound what is kept in memory.

        Args:
            *args: Rasa's ``SQLTrackerStore`` arguments.
            max_conversations: conversations kept, the most recently used.
            max_idle_seconds: a conversation not retrieved for this long is dropped
                (the domain's session expiry is 60 minutes).
            cache_states: also keep each kept conversation's past states for the
                policies (``stores/past_states.py``).
            max_state_turns: a session with more actions than this gets its states
                from Rasa, not kept (about 3 KB a kept action: 3 MB a conversation
                at most).
            **kwargs: Rasa's ``SQLTrackerStore`` settings (dialect, db, host, ...).
        """
        super().__init__(*args, **kwargs)
        self.max_conversations = max_conversations
        self.max_idle_seconds = max_idle_seconds
        self.cache_states = cache_states
        self.max_state_turns = max_state_turns
        self._kept: collections.OrderedDict[str, _Conversation] = (
            collections.OrderedDict()
        )
        # Rasa runs retrieve in its event loop, but the store may be shared with
        # threads (the API's executor): the memory is changed under this lock only.
        self._lock = threading.Lock()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of the conversation's latest session, as ``SQLTrackerStore``'s."""
        if self.domain is None:
            return await super().retrieve(sender_id)
        with self._lock:
            self._drop_idle()
            kept = self._kept.pop(sender_id, None)
        with self.session_scope() as session:
            if kept is not None:
                kept = self._read_new_rows(session, sender_id, kept)
            if kept is None:
                kept = self._read_session(session, sender_id)
        if kept is None:
            return None
        kept.used = time.monotonic()
        with self._lock:
            self._kept[sender_id] = kept
            while len(self._kept) > self.max_conversations:
                self._kept.popitem(last=False)
        if not kept.events:
            return None
        if not self.cache_states:
            return DialogueStateTracker.from_events(
                sender_id, list(kept.events), self.domain.slots
            )
        if kept.states is None:
            kept.states = PastStatesCache(max_turns=self.max_state_turns)
        tracker = StatesCachingTracker.from_events(
            sender_id, list(kept.events), self.domain.slots
        )
        tracker.states_cache = kept.states
        return tracker

    def forget(self, sender_ids: Iterable[str] | None = None) -> None:
        """Drop these conversations (all of them with ``None``) from memory."""
        with self._lock:
            if sender_ids is None:
                self._kept.clear()
            for sender_id in sender_ids or ():
                self._kept.pop(sender_id, None)

    def kept_conversations(self) -> list[str]:
        """The conversations held in memory, least recently used first."""
        with self._lock:
            return list(self._kept)

    def _drop_idle(self) -> None:
        """Drop conversations not retrieved for ``max_idle_seconds``."""
        cutoff = time.monotonic() - self.max_idle_seconds
        while self._kept:
            sender_id, oldest = next(iter(self._kept.items()))
            if oldest.used >= cutoff:
                return
            del self._kept[sender_id]

    def _count_rows(self, session: Any, sender_id: str, up_to: int) -> int:
        """How many rows of ``sender_id`` have an id up to ``up_to``."""
        table = self.SQLEvent
        return int(
            session.query(sa.func.count(table.id))
            .filter(table.sender_id == sender_id, table.id <= up_to)
            .scalar()
        )

    def _read_new_rows(
        self, session: Any, sender_id: str, kept: _Conversation
    ) -> _Conversation | None:
        """``kept`` with the rows added since, or ``None`` when it must be read again."""
        if self._count_rows(session, sender_id, kept.last_id) != kept.rows:
            logger.debug(
                "conversation %s changed in the database: read again", sender_id
            )
            return None
        table = self.SQLEvent
        rows = (
            session.query(table.id, table.type_name, table.timestamp, table.data)
            .filter(table.sender_id == sender_id, table.id > kept.last_id)
            .order_by(table.id)
            .all()
        )
        if any(row.type_name == SessionStarted.type_name for row in rows):
            return None
        if not rows:
            return kept
        new = [
            json.loads(row.data)
            for row in rows
            if _in_session(row.timestamp, kept.session_start)
        ]
        kept.events.extend(deserialise_events(new))
        kept.last_id = rows[-1].id
        kept.rows += len(rows)
        return kept

    def _read_session(self, session: Any, sender_id: str) -> _Conversation | None:
        """The conversation's latest session read in full, as Rasa's query selects it."""
        table = self.SQLEvent
        last_id, rows = (
            session.query(sa.func.max(table.id), sa.func.count(table.id))
            .filter(table.sender_id == sender_id)
            .one()
        )
        if last_id is None:
            return None
        session_start = (
            session.query(sa.func.max(table.timestamp))
            .filter(
                table.sender_id == sender_id,
                table.type_name == SessionStarted.type_name,
                table.id <= last_id,
            )
            .scalar()
        )
        query = session.query(table.timestamp, table.data).filter(
            table.sender_id == sender_id, table.id <= last_id
        )
        if session_start is not None:
            query = query.filter(table.timestamp >= session_start)
        serialised = [json.loads(row.data) for row in query.order_by(table.id).all()]
        return _Conversation(
            events=deserialise_events(serialised),
            last_id=int(last_id),
            rows=int(rows),
            session_start=session_start,
            used=time.monotonic(),
        )


def _in_session(timestamp: float | None, session_start: float | None) -> bool:
    """Whether Rasa's query would return a row with ``timestamp`` for this session."""
    if session_start is None:
        return True
    return timestamp is not None and timestamp >= session_start
