"""Upgrading a console database that already holds audit entries, on SQLite and PostgreSQL.

A database at schema version 2 has an audit log without the chain; migration 3 seals
the entries found there, migration 4 marks them with the key that sealed them. The
older tables are built here as those versions declared them, so the same upgrade runs
on both databases.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from console import audit_chain, audit_keys, audit_log, store, tables
from console.tests.web import AUDIT_KEY

KEY = AUDIT_KEY.encode()

VERSION_2 = sa.MetaData()
AUDIT_LOG_V2 = sa.Table(
    "console_audit_log",
    VERSION_2,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(80)),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("client", sa.String(64)),
)
"""The audit log as migration 2 made it: no salt, commitment or seal."""
USERS_V1 = sa.Table(
    "console_users",
    VERSION_2,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
)
"""Staff accounts as migration 1 made them: no two-factor code (migration 5)."""
for _table in (tables.schema_version, tables.sessions, tables.reviews):
    _table.to_metadata(VERSION_2)

VERSION_3 = sa.MetaData()
for _table in VERSION_2.tables.values():
    _table.to_metadata(VERSION_3)
for _name, _length in (("sender_salt", 32), ("sender_digest", 64), ("seal", 64)):
    VERSION_3.tables[AUDIT_LOG_V2.name].append_column(
        sa.Column(_name, sa.String(_length))
    )
AUDIT_HEAD_V3 = sa.Table(
    "console_audit_head",
    VERSION_3,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("last_seal", sa.String(64), nullable=False),
    sa.Column("seal", sa.String(64), nullable=False),
)
"""The head as migration 3 made it: no key id."""

OLD_ENTRIES: list[dict[str, Any]] = [
    {
        "id": 1,
        "at": 1.7e9,
        "username": "ann",
        "action": "login",
        "sender_id": None,
        "detail": "",
        "client": "10.0.0.7",
    },
    {
        "id": 2,
        "at": 1.7e9 + 5.25,
        "username": "ann",
        "action": "view_transcript",
        "sender_id": "rest:x",
        "detail": "",
        "client": "10.0.0.7",
    },
    # #3 was deleted before the chain existed: the migration seals the log as found.
    {
        "id": 4,
        "at": 1.7e9 + 9,
        "username": "ann",
        "action": "review_concern",
        "sender_id": "telegram:42",
        "detail": "note: « wording » – check",
        "client": "10.0.0.7",
    },
    {
        "id": 5,
        "at": 1.7e9 + 12,
        "username": "root",
        "action": "view_transcript",
        "sender_id": None,
        "detail": "conversation deleted",
        "client": None,
    },
]


def version_2_database(url: str) -> sa.Engine:
    """A console database at schema version 2 holding :data:`OLD_ENTRIES`."""
    engine = store.own_engine(url)
    VERSION_2.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(VERSION_2.tables[tables.schema_version.name]),
            [{"version": 1, "applied_at": 0.0}, {"version": 2, "applied_at": 0.0}],
        )
        connection.execute(sa.insert(AUDIT_LOG_V2), OLD_ENTRIES)
    return engine


def version_3_database(url: str) -> sa.Engine:
    """A console database at schema version 3: :data:`OLD_ENTRIES` sealed with the key."""
    engine = store.own_engine(url)
    VERSION_3.create_all(engine)
    previous, rows = audit_chain.GENESIS, []
    for old in OLD_ENTRIES:
        salt, digest = audit_chain.commit_to_sender(old["sender_id"])
        entry = audit_chain.Entry(**old, sender_salt=salt, sender_digest=digest)
        previous = audit_chain.entry_seal(KEY, previous, entry)
        rows.append(
            {**old, "sender_salt": salt, "sender_digest": digest, "seal": previous}
        )
    head = audit_chain.sealed_head(
        KEY, entries=len(rows), last_id=rows[-1]["id"], last_seal=previous
    )
    with engine.begin() as connection:
        connection.execute(
            sa.insert(VERSION_3.tables[tables.schema_version.name]),
            [{"version": n, "applied_at": 0.0} for n in (1, 2, 3)],
        )
        connection.execute(sa.insert(VERSION_3.tables[AUDIT_LOG_V2.name]), rows)
        connection.execute(
            sa.insert(AUDIT_HEAD_V3).values(
                id=tables.HEAD_ID,
                entries=head.entries,
                last_id=head.last_id,
                last_seal=head.last_seal,
                seal=head.seal,
            )
        )
    return engine


def key_ids(engine: sa.Engine) -> set[str | None]:
    """The key ids the entries and the head are marked with."""
    with engine.connect() as connection:
        return set(connection.scalars(sa.select(tables.audit_log.c.key_id))) | set(
            connection.scalars(sa.select(tables.audit_head.c.key_id))
        )


def stored_entries(engine: sa.Engine) -> list[dict[str, object]]:
    """The version-2 fields of every stored entry, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(*(tables.audit_log.c[c.name] for c in AUDIT_LOG_V2.c)).order_by(
                tables.audit_log.c.id
            )
        )
        return [dict(row._mapping) for row in rows]


def test_the_migration_seals_the_entries_already_there(
    console_database_url: str,
) -> None:
    """The entries are kept as they were, sealed, and changes to them show afterwards."""
    engine = version_2_database(console_database_url)
    assert store.migrate(engine, audit_key=KEY) == [
        n for n, _, _ in store.MIGRATIONS if n > 2
    ]
    assert stored_entries(engine) == OLD_ENTRIES
    assert key_ids(engine) == {audit_keys.key_id(KEY)}
    report = audit_log.verify_audit(engine, audit_key=KEY)
    assert report.intact and (report.entries, report.last_id) == (4, 5)

    audit_log.audit(engine, audit_key=KEY, action="login", username="bob")
    assert [e.id for e in audit_log.audit_entries(engine)] == [6, 5, 4, 2, 1]
    assert audit_log.verify_audit(engine, audit_key=KEY).intact

    with engine.begin() as connection:
        connection.execute(
            sa.update(tables.audit_log)
            .where(tables.audit_log.c.id == 4)
            .values(sender_id="telegram:43")
        )
    assert audit_log.verify_audit(engine, audit_key=KEY).first_broken == 4
    engine.dispose()


def test_migration_4_marks_the_sealed_entries_with_their_key(
    console_database_url: str,
) -> None:
    """A log sealed before key ids existed verifies, takes entries and can rotate.

    Migration 5 (two-factor columns) follows it.
    """
    engine = version_3_database(console_database_url)
    assert store.migrate(engine, audit_key=KEY) == [4, 5]
    assert stored_entries(engine) == OLD_ENTRIES
    assert key_ids(engine) == {audit_keys.key_id(KEY)}
    assert audit_log.verify_audit(engine, audit_key=KEY).intact
    audit_log.audit(engine, audit_key=KEY, action="login", username="bob")
    new_key = b"the key after the upgrade, 32+ characters"
    audit_log.rotate_key(engine, old_key=KEY, new_key=new_key)
    report = audit_log.verify_audit(engine, audit_key=new_key, retired_keys=[KEY])
    assert report.intact and report.entries == 6
    engine.dispose()
