"""The console's own database: staff, sessions, reviews and the audit log.

The schema is built by numbered migrations (``MIGRATIONS``); ``migrate`` applies the
ones a database has not had yet and records each in ``console_schema_version``, so an
existing deployment is upgraded in place by ``python -m console migrate``. Nothing in
Rasa's tables is touched: the console's database is a different one.

Audit entries are chained (``console/audit_chain.py``): :func:`audit` seals each new
entry to the one before it, :func:`verify_audit` checks the whole log.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from console import audit_chain
from console.settings import engine_url

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
    # The chain (console/audit_chain.py), added by migration 3.
    sa.Column("sender_salt", sa.String(32)),
    sa.Column("sender_digest", sa.String(64)),
    sa.Column("seal", sa.String(64)),
)

audit_head = sa.Table(
    "console_audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("last_seal", sa.String(64), nullable=False),
    sa.Column("seal", sa.String(64), nullable=False),
)
"""One row (id 1): the sealed head of the audit log; appending locks it."""
HEAD_ID = 1

Migration = Callable[[Connection, bytes], None]
"""A schema change: it gets the connection and the audit key (to seal entries)."""


def _create(*tables: sa.Table) -> Migration:
    """A migration step that creates tables."""

    def step(connection: Connection, audit_key: bytes) -> None:
        for table in tables:
            table.create(connection)

    return step


def _chain_audit_log(connection: Connection, audit_key: bytes) -> None:
    """Add the chain's columns and head, and seal the entries already there, oldest first.

    A new database has the columns already (migration 2 creates the table as it is
    declared now). Entries written before this migration are sealed as they are at
    that moment: the chain shows changes made from then on.
    """
    present = {c["name"] for c in sa.inspect(connection).get_columns(audit_log.name)}
    for name in ("sender_salt", "sender_digest", "seal"):
        if name not in present:
            column = audit_log.c[name]
            kind = column.type.compile(dialect=connection.dialect)
            connection.execute(
                sa.text(f"ALTER TABLE {audit_log.name} ADD COLUMN {name} {kind}")
            )
    audit_head.create(connection)
    previous, count, last_id = audit_chain.GENESIS, 0, 0
    for row in connection.execute(sa.select(audit_log).order_by(audit_log.c.id)).all():
        salt, digest = audit_chain.commit_to_sender(row.sender_id)
        entry = _entry(row, sender_salt=salt, sender_digest=digest)
        seal = audit_chain.entry_seal(audit_key, previous, entry)
        connection.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == row.id)
            .values(sender_salt=salt, sender_digest=digest, seal=seal)
        )
        previous, count, last_id = seal, count + 1, row.id
    _write_head(
        connection,
        audit_chain.sealed_head(
            audit_key, entries=count, last_id=last_id, last_seal=previous
        ),
        insert=True,
    )


MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "staff accounts and sessions", _create(users, sessions)),
    (2, "reviews and the audit log", _create(reviews, audit_log)),
    (3, "the audit log's chain: seals and head", _chain_audit_log),
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
        _append(
            connection,
            audit_key,
            action=audit_chain.FORGOTTEN,
            username=None,
            sender_id=None,
            detail=audit_chain.forgotten_detail(reviews=deleted, entry_ids=redacted),
            client=None,
        )
    return deleted


def _entry(row: sa.Row, **changes: str | None) -> audit_chain.Entry:
    """The chain's view of a stored audit row (with ``changes`` to its fields)."""
    fields = {
        f.name: getattr(row, f.name) for f in dataclasses.fields(audit_chain.Entry)
    }
    return audit_chain.Entry(**{**fields, **changes})


def _write_head(
    connection: Connection, head: audit_chain.Head, *, insert: bool = False
) -> None:
    """Store the audit log's head (the one row of ``console_audit_head``)."""
    values = {
        "entries": head.entries,
        "last_id": head.last_id,
        "last_seal": head.last_seal,
        "seal": head.seal,
    }
    if insert:
        connection.execute(sa.insert(audit_head).values(id=HEAD_ID, **values))
    else:
        connection.execute(
            sa.update(audit_head).where(audit_head.c.id == HEAD_ID).values(**values)
        )


def _append(
    connection: Connection,
    audit_key: bytes,
    *,
    action: str,
    username: str | None,
    sender_id: str | None,
    detail: str,
    client: str | None,
) -> None:
    """Seal an entry to the newest one and append it, in the caller's transaction."""
    # Touching the head first takes its lock (SQLite: the database's write lock;
    # PostgreSQL: the row's, until commit), so appends run one at a time and no two
    # entries are sealed to the same predecessor, across processes too.
    connection.execute(
        sa.update(audit_head)
        .where(audit_head.c.id == HEAD_ID)
        .values(entries=audit_head.c.entries)
    )
    head = connection.execute(
        sa.select(audit_head).where(audit_head.c.id == HEAD_ID)
    ).one()
    salt, digest = audit_chain.commit_to_sender(sender_id)
    entry = audit_chain.Entry(
        id=head.last_id + 1,
        at=time.time(),
        username=username,
        action=action,
        sender_id=sender_id,
        sender_salt=salt,
        sender_digest=digest,
        detail=detail,
        client=client,
    )
    seal = audit_chain.entry_seal(audit_key, head.last_seal, entry)
    # The entry's fields are the table's columns.
    row = dataclasses.asdict(dataclasses.replace(entry, seal=seal))
    connection.execute(sa.insert(audit_log).values(**row))
    _write_head(
        connection,
        audit_chain.sealed_head(
            audit_key, entries=head.entries + 1, last_id=entry.id, last_seal=seal
        ),
    )


def audit(
    engine: Engine,
    *,
    audit_key: bytes,
    action: str,
    username: str | None,
    sender_id: str | None = None,
    detail: str = "",
    client: str | None = None,
) -> None:
    """Append an entry to the audit log, sealed to the one before it."""
    with engine.begin() as connection:
        _append(
            connection,
            audit_key,
            action=action,
            username=username,
            sender_id=sender_id,
            detail=detail,
            client=client,
        )


def verify_audit(engine: Engine, *, audit_key: bytes) -> audit_chain.ChainReport:
    """Check the whole audit log's chain (``python -m console verify-audit``)."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id))
        entries = [_entry(row) for row in rows]
        head = connection.execute(
            sa.select(audit_head).where(audit_head.c.id == HEAD_ID)
        ).first()
    return audit_chain.verify(
        audit_key,
        entries,
        None
        if head is None
        else audit_chain.Head(head.entries, head.last_id, head.last_seal, head.seal),
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
    "seal",
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
                row.seal,
            )
        )
    return out.getvalue()
