"""A tracker store seeded with the recorded conversations (fixtures/conversations.json).

The ``events`` table is built as Rasa's ``SQLTrackerStore`` builds it, and each event is
written the way Rasa writes it (``type_name``, ``intent_name``, ``action_name`` columns
from the event, the event itself as JSON in ``data``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "conversations.json"

_metadata = sa.MetaData()
RASA_EVENTS = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
"""Rasa 3.6's ``SQLTrackerStore.SQLEvent`` table."""


def recorded_conversations() -> list[dict[str, Any]]:
    """The recorded conversations: sender id, scenario (with expectations), events."""
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["conversations"]


def event_row(sender_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """The row Rasa writes for an event."""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return {
        "sender_id": sender_id,
        "type_name": event["event"],
        "timestamp": event.get("timestamp"),
        "intent_name": intent,
        "action_name": event.get("name") if event["event"] == "action" else None,
        "data": json.dumps(event),
    }


def seed_tracker_store(
    target: Path | str, conversations: list[dict[str, Any]] | None = None
) -> str:
    """Write the conversations into a new tracker store; return its URL.

    Args:
        target: an SQLite file, or the SQLAlchemy URL of an empty database.
        conversations: what to write (the recorded conversations by default).
    """
    url = target if isinstance(target, str) else f"sqlite:///{target}"
    engine = sa.create_engine(url)
    _metadata.create_all(engine)
    rows = [
        event_row(c["sender_id"], event)
        for c in (recorded_conversations() if conversations is None else conversations)
        for event in c["events"]
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(RASA_EVENTS), rows)
    engine.dispose()
    return url


def table_checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every table of an SQLite file (to prove nothing changed)."""
    import hashlib
    import sqlite3

    with sqlite3.connect(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        ]
        result = {}
        for name in names:
            rows = connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
            result[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result
