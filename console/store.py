"""The console's own database: staff, sessions, reviews and the audit log.

The schema is built by numbered migrations (``MIGRATIONS``); ``migrate`` applies the
ones a database has not had yet and records each in ``console_schema_version``, so an
existing deployment is upgraded in place by ``python -m console migrate``. Nothing in
Rasa's tables is touched: the console's database is a different one.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

ROLES = ("reviewer", "admin")
REVIEW_STATUSES = ("reviewed", "concern")

metadata = sa.MetaData()

schema_version = sa.Table(
    "console_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.Float, nullable=False),
)

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
)

sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("console_users.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)

reviews = sa.Table(
    "console_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
)

audit_log = sa.Table(
    "console_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(80)),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("client", sa.String(64)),
)


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    """A migration step that creates tables."""

    def step(connection: Connection) -> None:
        for table in tables:
            table.create(connection)

    return step


MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "staff accounts and sessions", _create(users, sessions)),
    (2, "reviews and the audit log", _create(reviews, audit_log)),
)
"""Every schema change, in order. Add new ones at the end; never edit an applied one."""


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations the database has not had yet; return their numbers."""
    schema_version.create(engine, checkfirst=True)
    applied: list[int] = []
    with engine.begin() as connection:
        done = {row.version for row in connection.execute(sa.select(schema_version))}
        for number, description, step in MIGRATIONS:
            if number in done:
                continue
            step(connection)
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
    return sa.create_engine(url)


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


def forget_conversations(engine: Engine, kept: Iterable[str]) -> int:
    """Delete reviews of conversations no longer stored (deleted or expired).

    Audit entries keep who looked when, but lose the conversation id, so nothing in the
    console points at a conversation the person had deleted.

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
        connection.execute(
            sa.update(audit_log)
            .where(audit_log.c.sender_id.in_(gone))
            .values(sender_id=None, detail="conversation deleted")
        )
    return deleted


def audit(
    engine: Engine,
    *,
    action: str,
    username: str | None,
    sender_id: str | None = None,
    detail: str = "",
    client: str | None = None,
) -> None:
    """Append an entry to the audit log."""
    with engine.begin() as connection:
        connection.execute(
            sa.insert(audit_log).values(
                at=time.time(),
                username=username,
                action=action,
                sender_id=sender_id,
                detail=detail,
                client=client,
            )
        )


def audit_entries(engine: Engine, *, limit: int | None = None) -> list[sa.Row]:
    """Audit entries, newest first."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        return list(connection.execute(query))


AUDIT_CSV_COLUMNS = (
    "id",
    "at_utc",
    "username",
    "action",
    "sender_id",
    "detail",
    "client",
)


def _csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (ids come from patients)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv(engine: Engine) -> str:
    """The whole audit log as CSV, oldest first (times in UTC, ISO 8601)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_CSV_COLUMNS)
    for row in reversed(audit_entries(engine)):
        writer.writerow(
            _csv_cell(value)
            for value in (
                row.id,
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row.at)),
                row.username,
                row.action,
                row.sender_id,
                row.detail,
                row.client,
            )
        )
    return out.getvalue()
