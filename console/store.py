"""The console's own database: staff, sessions, reviews and the audit log.

The schema is built by numbered migrations (``MIGRATIONS``); ``migrate`` applies the
ones a database has not had yet and records each in ``console_schema_version``, so an
existing deployment is upgraded in place by ``python -m console migrate``. Nothing in
Rasa's tables is touched: the console's database is a different one.

The tables are declared in ``console/tables.py``; the audit log is written and checked
by ``console/audit_log.py`` (entries chained as ``console/audit_chain.py`` says), its
migrations are in ``console/audit_migrations.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from console import audit_chain, audit_migrations
from console import audit_log as audit_log_chain
from console.settings import engine_url
from console.tables import (  # re-exported: the console's modules read them here
    REVIEW_STATUSES,
    audit_log,
    reviews,
    schema_version,
    sessions,
    users,
)

logger = logging.getLogger(__name__)

Migration = Callable[[Connection, bytes], None]
"""A schema change: it gets the connection and the audit key (to seal entries)."""


def _add_two_factor_columns(connection: Connection, audit_key: bytes) -> None:
    """Migration 5: accounts may have a two-factor secret (none has one yet)."""
    audit_migrations.add_missing_columns(
        connection, users, ["totp_secret", "totp_last_step"]
    )


def _create(*tables: sa.Table) -> Migration:
    """A migration step that creates tables."""

    def step(connection: Connection, audit_key: bytes) -> None:
        for table in tables:
            table.create(connection)

    return step


MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "staff accounts and sessions", _create(users, sessions)),
    (2, "reviews and the audit log", _create(reviews, audit_log)),
    (
        3,
        "the audit log's chain: seals and head",
        audit_migrations.chain_existing_entries,
    ),
    (4, "the key that sealed each audit entry", audit_migrations.record_key_ids),
    (5, "two-factor codes for staff accounts", _add_two_factor_columns),
)
"""Every schema change, in order. Add new ones at the end; never edit an applied one."""


def migrate(engine: Engine, *, audit_key: bytes) -> list[int]:
    """Apply the migrations the database has not had yet; return their numbers.

    ``audit_key`` seals the audit entries a migration chains (``CONSOLE_AUDIT_KEY``).
    """
    schema_version.create(engine, checkfirst=True)
    applied: list[int] = []
    with engine.begin() as connection:
        done = {row.version for row in connection.execute(sa.select(schema_version))}
        for number, description, step in MIGRATIONS:
            if number in done:
                continue
            step(connection, audit_key)
            connection.execute(
                sa.insert(schema_version).values(version=number, applied_at=time.time())
            )
            logger.info("migration %d applied: %s", number, description)
            applied.append(number)
    return applied


def current_version(engine: Engine) -> int:
    """The newest migration applied (0 for an empty database)."""
    if not sa.inspect(engine).has_table(schema_version.name):
        return 0
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.max(schema_version.c.version))) or 0


def own_engine(url: str) -> Engine:
    """An engine on the console's own database (SQLite files are created on demand)."""
    return sa.create_engine(engine_url(url))


@dataclass(frozen=True)
class Review:
    """A reviewer's verdict on a conversation."""

    sender_id: str
    username: str
    status: str
    note: str
    created_at: float


def add_review(
    engine: Engine, *, sender_id: str, username: str, status: str, note: str
) -> None:
    """Record a review (``reviewed``) or a safety concern (``concern``) with its note."""
    if status not in REVIEW_STATUSES:
        raise ValueError(f"unknown review status {status!r}")
    with engine.begin() as connection:
        connection.execute(
            sa.insert(reviews).values(
                sender_id=sender_id,
                username=username,
                status=status,
                note=note,
                created_at=time.time(),
            )
        )


def reviews_of(engine: Engine, sender_id: str) -> list[Review]:
    """The reviews of one conversation, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(reviews)
            .where(reviews.c.sender_id == sender_id)
            .order_by(reviews.c.id)
        )
        return [
            Review(r.sender_id, r.username, r.status, r.note, r.created_at)
            for r in rows
        ]


def latest_statuses(engine: Engine) -> dict[str, str]:
    """The latest review status of every reviewed conversation."""
    newest = (
        sa.select(sa.func.max(reviews.c.id).label("id"))
        .group_by(reviews.c.sender_id)
        .subquery()
    )
    query = sa.select(reviews.c.sender_id, reviews.c.status).where(
        reviews.c.id.in_(sa.select(newest.c.id))
    )
    with engine.connect() as connection:
        return {row.sender_id: row.status for row in connection.execute(query)}


def forget_conversations(
    engine: Engine, kept: Iterable[str], *, audit_key: bytes
) -> int:
    """Delete reviews of conversations no longer stored (deleted or expired).

    Audit entries keep who looked when, but lose the conversation id (and the salt of
    its sealed commitment), so nothing in the console points at a conversation the
    person had deleted. The round is itself an audit entry naming the entries it
    changed, which keeps the chain verifiable (``console/audit_chain.py``).

    Returns:
        The number of reviews deleted.
    """
    kept_ids = set(kept)
    with engine.begin() as connection:
        stored = {
            row.sender_id
            for row in connection.execute(sa.select(reviews.c.sender_id).distinct())
        } | {
            row.sender_id
            for row in connection.execute(
                sa.select(audit_log.c.sender_id)
                .where(audit_log.c.sender_id.is_not(None))
                .distinct()
            )
        }
        gone = sorted(stored - kept_ids)
        if not gone:
            return 0
        deleted = connection.execute(
            sa.delete(reviews).where(reviews.c.sender_id.in_(gone))
        ).rowcount
        redacted = list(
            connection.scalars(
                sa.select(audit_log.c.id).where(audit_log.c.sender_id.in_(gone))
            )
        )
        connection.execute(
            sa.update(audit_log)
            .where(audit_log.c.id.in_(redacted))
            .values(sender_id=None, sender_salt=None)
        )
        audit_log_chain.append(
            connection,
            audit_key,
            action=audit_chain.FORGOTTEN,
            username=None,
            sender_id=None,
            detail=audit_chain.forgotten_detail(reviews=deleted, entry_ids=redacted),
            client=None,
        )
    return deleted
