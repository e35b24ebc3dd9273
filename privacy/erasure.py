"""Delete one person's conversation from the tracker store.

Two entry points, because of when Rasa writes:

- ``delete_conversation(sender_id)`` removes every stored event of the conversation now.
  Use it from an admin tool, a support ticket, or any place outside the conversation.
- ``schedule_conversation_deletion(sender_id, marker_action=...)`` is for a custom action
  that runs *inside* the conversation ("delete my conversation"). Rasa stores a turn's
  events only after its actions return, and it stores every event it has not seen in the
  database: deleting from inside the action would be undone by that save. So the action
  records a request and starts a task that waits until the turn, ending with the marker
  action's own event, is stored, and then deletes. If the action server stops before that,
  ``python -m privacy.retention`` finishes the pending request on its next run.
"""

from __future__ import annotations

import asyncio
import logging
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from privacy.store import (
    ERASURE_REQUESTS,
    EVENTS,
    ensure_privacy_tables,
    has_events_table,
    resolve_engine,
)

logger = logging.getLogger(__name__)

_background_tasks: set[asyncio.Task[int]] = set()


def delete_conversation(
    sender_id: str, *, db_url: str | None = None, engine: Engine | None = None
) -> int:
    """Delete every stored event of the conversation ``sender_id``.

    Args:
        sender_id: the conversation id (Rasa's sender id).
        db_url: SQLAlchemy URL of the tracker store; defaults to the environment's.
        engine: an engine to use instead of ``db_url``.

    Returns:
        The number of events deleted (0 when the conversation was not stored).
    """
    engine = engine or resolve_engine(db_url)
    if not has_events_table(engine):
        return 0
    ensure_privacy_tables(engine)
    with engine.begin() as connection:
        deleted = connection.execute(
            sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)
        ).rowcount
        connection.execute(
            sa.delete(ERASURE_REQUESTS).where(ERASURE_REQUESTS.c.sender_id == sender_id)
        )
    logger.info(
        "conversation deleted",
        extra={"sender_id": sender_id, "events_deleted": deleted},
    )
    return deleted


def record_deletion_request(sender_id: str, *, engine: Engine) -> None:
    """Remember that ``sender_id`` asked for deletion (idempotent)."""
    ensure_privacy_tables(engine)
    with engine.begin() as connection:
        already = connection.execute(
            sa.select(ERASURE_REQUESTS.c.sender_id).where(
                ERASURE_REQUESTS.c.sender_id == sender_id
            )
        ).first()
        if already is None:
            connection.execute(
                sa.insert(ERASURE_REQUESTS).values(
                    sender_id=sender_id, requested_at=time.time()
                )
            )


def _marker_stored(
    engine: Engine, sender_id: str, marker_action: str, since: float
) -> bool:
    """Tell whether the marker action's event of this turn has been stored."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(EVENTS.c.id)
            .where(
                EVENTS.c.sender_id == sender_id,
                EVENTS.c.action_name == marker_action,
                EVENTS.c.timestamp >= since,
            )
            .limit(1)
        ).first()
    return row is not None


async def delete_conversation_after_turn(
    sender_id: str,
    *,
    marker_action: str,
    db_url: str | None = None,
    engine: Engine | None = None,
    timeout_s: float = 60.0,
    poll_interval_s: float = 0.25,
) -> int:
    """Delete the conversation once the current turn has been stored.

    Waits until an event of ``marker_action`` (the action asking for deletion) newer than
    the call is in the store, then deletes the whole conversation. On timeout it deletes
    anyway; the request row stays so the retention job deletes again whatever a late save
    writes.

    Returns:
        The number of events deleted.
    """
    engine = engine or resolve_engine(db_url)
    since = time.time() - 1.0  # tolerate clock skew between Rasa and the action server
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(
        None, lambda: record_deletion_request(sender_id, engine=engine)
    )
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        stored = await loop.run_in_executor(
            None, _marker_stored, engine, sender_id, marker_action, since
        )
        if stored:
            return await loop.run_in_executor(
                None, lambda: delete_conversation(sender_id, engine=engine)
            )
        await asyncio.sleep(poll_interval_s)
    logger.warning(
        "turn not stored before timeout; deleting now, retention job retries",
        extra={"sender_id": sender_id},
    )
    with engine.begin() as connection:
        deleted = connection.execute(
            sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)
        ).rowcount
    return deleted


def schedule_conversation_deletion(
    sender_id: str,
    *,
    marker_action: str,
    db_url: str | None = None,
    timeout_s: float = 60.0,
) -> asyncio.Task[int]:
    """Start ``delete_conversation_after_turn`` in the background and return its task.

    Call it from a custom action's ``async def run`` (the action server's event loop keeps
    the task running after the action has answered).

    Raises:
        privacy.store.StoreNotConfigured: no tracker store database is configured.
    """
    # Resolve the store now, so a missing configuration fails the action, not the task.
    engine = resolve_engine(db_url)
    task = asyncio.get_running_loop().create_task(
        delete_conversation_after_turn(
            sender_id, marker_action=marker_action, engine=engine, timeout_s=timeout_s
        )
    )
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)
    return task
