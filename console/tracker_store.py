"""Read-only access to the conversations in Rasa's SQL tracker store.

Rasa's ``SQLTrackerStore`` keeps one row per event in its ``events`` table (``id``,
``sender_id``, ``type_name``, ``timestamp``, ``intent_name``, ``action_name``, ``data``
as JSON), declared once for the project in ``privacy/store.py``. The console never
writes there, and the connection itself refuses writes: SQLite is opened with
``mode=ro``, PostgreSQL sessions start read-only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.conversations import Summary, summarise
from console.settings import engine_url
from privacy.store import EVENTS


def read_only_engine(url: str) -> Engine:
    """Return an engine on the tracker store that cannot write.

    Args:
        url: SQLAlchemy URL of the tracker store (``sqlite:///var/conversations.db``
            or a ``postgresql://`` URL).
    """
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        return sa.create_engine(
            f"sqlite+pysqlite:///file:{path}?mode=ro&uri=true",
            connect_args={"check_same_thread": False},
        )
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(
            parsed,
            connect_args={"options": "-c default_transaction_read_only=on"},
        )
    raise ValueError(f"unsupported tracker store: {parsed.get_backend_name()}")


class TrackerReader:
    """The conversations of the tracker store, read on demand.

    Summaries are kept until the ``events`` table changes (its row count or newest id):
    a new message raises the id, a deletion lowers the count.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cached: tuple[tuple[int, int], list[Summary]] | None = None

    def has_events(self) -> bool:
        """Whether Rasa has created its table yet (not before the first message)."""
        try:
            return sa.inspect(self.engine).has_table("events")
        except sa.exc.OperationalError:  # the SQLite file does not exist yet
            return False

    def events(self, sender_id: str) -> list[dict[str, Any]]:
        """The events of one conversation, in stored order (empty when unknown)."""
        if not self.has_events():
            return []
        query = (
            sa.select(EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        )
        with self.engine.connect() as connection:
            return [json.loads(row.data) for row in connection.execute(query)]

    def summaries(self) -> list[Summary]:
        """One summary per stored conversation, newest first."""
        if not self.has_events():
            return []
        by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
        with self.engine.connect() as connection:
            # One transaction: the key and the rows come from the same snapshot.
            count, newest = connection.execute(
                sa.select(sa.func.count(), sa.func.max(EVENTS.c.id))
            ).one()
            key = (int(count), int(newest or 0))
            if self._cached is not None and self._cached[0] == key:
                return list(self._cached[1])
            query = sa.select(EVENTS.c.sender_id, EVENTS.c.data).order_by(EVENTS.c.id)
            for row in connection.execute(query):
                by_sender[row.sender_id].append(json.loads(row.data))
        result = [summarise(sender, events) for sender, events in by_sender.items()]
        result.sort(key=lambda s: s.started_at, reverse=True)
        self._cached = (key, result)
        return list(result)

    def sender_ids(self) -> set[str]:
        """The ids of every stored conversation.

        Raises:
            LookupError: Rasa's table is missing (a wrong URL must not read as "every
                conversation was deleted").
        """
        if not self.has_events():
            raise LookupError("the tracker store has no events table")
        with self.engine.connect() as connection:
            return {
                row.sender_id
                for row in connection.execute(sa.select(EVENTS.c.sender_id).distinct())
            }
