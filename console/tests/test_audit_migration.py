"""Upgrading a console database that already holds audit entries, on SQLite and PostgreSQL.

A database at schema version 2 has an audit log without the chain; migration 3 seals
the entries found there. The version-2 tables are built here as version 2 declared
them, so the same upgrade runs on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa

from console import audit_log, store, tables
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
for _table in (tables.schema_version, tables.users, tables.sessions, tables.reviews):
    _table.to_metadata(VERSION_2)

OLD_ENTRIES = [
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
