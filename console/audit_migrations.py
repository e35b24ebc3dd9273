"""The migrations of the audit log's chain: sealing older entries, marking their key.

``console/store.py`` runs them in order (3 and 4); each gets the connection and the key
the console runs with, and leaves a log that ``console/audit_log.py`` verifies.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from console import audit_chain, audit_keys
from console.audit_log import entry_of, write_head
from console.tables import audit_head, audit_log

_CHAIN_COLUMNS = ("sender_salt", "sender_digest", "seal")
"""The audit log's columns that migration 3 added."""


def add_missing_columns(
    connection: Connection, table: sa.Table, names: Sequence[str]
) -> None:
    """Add the columns ``names`` of ``table`` as declared, where the database lacks them."""
    present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    for name in names:
        if name not in present:
            kind = table.c[name].type.compile(dialect=connection.dialect)
            connection.execute(
                sa.text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}")
            )


def chain_existing_entries(connection: Connection, audit_key: bytes) -> None:
    """Add the chain's columns and head, and seal the entries already there, oldest first.

    A new database has the columns already (migration 2 creates the table as it is
    declared now). Entries written before this migration are sealed as they are at
    that moment: the chain shows changes made from then on.
    """
    add_missing_columns(connection, audit_log, _CHAIN_COLUMNS)
    audit_head.create(connection)
    previous, count, last_id = audit_chain.GENESIS, 0, 0
    # Migration 2's columns: later migrations add others this one must not read.
    found = [c for c in audit_log.c if c.name not in (*_CHAIN_COLUMNS, "key_id")]
    for row in connection.execute(sa.select(*found).order_by(audit_log.c.id)).all():
        salt, digest = audit_chain.commit_to_sender(row.sender_id)
        entry = entry_of(
            row, sender_salt=salt, sender_digest=digest, seal=None, key_id=None
        )
        seal = audit_chain.entry_seal(audit_key, previous, entry)
        connection.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == row.id)
            .values(sender_salt=salt, sender_digest=digest, seal=seal)
        )
        previous, count, last_id = seal, count + 1, row.id
    write_head(
        connection,
        audit_chain.sealed_head(
            audit_key, entries=count, last_id=last_id, last_seal=previous
        ),
        insert=True,
    )


def record_key_ids(connection: Connection, audit_key: bytes) -> None:
    """Mark every entry and the head with the id of the key that sealed them.

    Migration 4: until then one key sealed the whole log, the one the console runs with
    (``audit_key``); a new database has the columns already.
    """
    add_missing_columns(connection, audit_log, ["key_id"])
    add_missing_columns(connection, audit_head, ["key_id"])
    kid = audit_keys.key_id(audit_key)
    for table in (audit_log, audit_head):
        connection.execute(
            sa.update(table).where(table.c.key_id.is_(None)).values(key_id=kid)
        )
