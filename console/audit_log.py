"""The console's audit log: entries written sealed to the one before, read, verified.

Every entry is chained (``console/audit_chain.py``): :func:`audit` seals each new entry
to the one before it and to the head row, :func:`verify_audit` checks the whole log,
:func:`chain_existing_entries` is the migration that sealed the entries written before
the chain existed.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from console import audit_chain
from console.tables import HEAD_ID, audit_head, audit_log


def chain_existing_entries(connection: Connection, audit_key: bytes) -> None:
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
        entry = entry_of(row, sender_salt=salt, sender_digest=digest)
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


def entry_of(row: sa.Row, **changes: str | None) -> audit_chain.Entry:
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


def append(
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
        append(
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
        entries = [entry_of(row) for row in rows]
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
