"""The console's audit log: entries written sealed to the one before, read, verified.

Every entry is chained (``console/audit_chain.py``): :func:`audit` seals each new entry
to the one before it and to the head row, :func:`verify_audit` checks the whole log
(``console/audit_verification.py``: with the retired keys, against its anchors outside
the database, ``console/audit_anchor.py``), :func:`anchor_audit` verifies it and writes
a new anchor, :func:`rotate_key` hands it over to a new key (``console/audit_keys.py``).
The migrations that sealed older entries are in ``console/audit_migrations.py``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from console import audit_anchor, audit_chain, audit_keys, audit_verification
from console.tables import HEAD_ID, audit_head, audit_log

logger = logging.getLogger(__name__)


class AuditKeyError(RuntimeError):
    """The key given is not the one the audit log is sealed with now."""


def entry_of(row: sa.Row, **changes: str | None) -> audit_chain.Entry:
    """The chain's view of a stored audit row (with ``changes`` to its fields)."""
    fields: dict[str, Any] = {
        f.name: changes[f.name] if f.name in changes else getattr(row, f.name)
        for f in dataclasses.fields(audit_chain.Entry)
    }
    return audit_chain.Entry(**fields)


def write_head(
    connection: Connection, head: audit_chain.Head, *, insert: bool = False
) -> None:
    """Store the audit log's head (the one row of ``console_audit_head``)."""
    values = dataclasses.asdict(head)  # the head's fields are the table's columns
    if insert:
        connection.execute(sa.insert(audit_head).values(id=HEAD_ID, **values))
    else:
        connection.execute(
            sa.update(audit_head).where(audit_head.c.id == HEAD_ID).values(**values)
        )


def _lock_head(connection: Connection) -> None:
    """Take the head row's lock until the caller's transaction ends (see below)."""
    connection.execute(
        sa.update(audit_head)
        .where(audit_head.c.id == HEAD_ID)
        .values(entries=audit_head.c.entries)
    )


def _locked_head(connection: Connection, audit_key: bytes) -> sa.Row:
    """The head row, locked until the caller's transaction ends.

    Touching the head first takes its lock (SQLite: the database's write lock;
    PostgreSQL: the row's, until commit), so appends run one at a time and no two
    entries are sealed to the same predecessor, across processes too.

    Raises:
        AuditKeyError: the head is sealed with another key than ``audit_key`` (the key
            was rotated since this console started).
    """
    _lock_head(connection)
    head = connection.execute(
        sa.select(audit_head).where(audit_head.c.id == HEAD_ID)
    ).one()
    if head.key_id != audit_keys.key_id(audit_key):
        raise AuditKeyError(
            f"the audit log is sealed with key {head.key_id}, this console has key "
            f"{audit_keys.key_id(audit_key)}: restart it with the new CONSOLE_AUDIT_KEY"
        )
    return head


def _seal_and_store(
    connection: Connection, key: bytes, head: sa.Row, entry: audit_chain.Entry
) -> None:
    """Seal ``entry`` with ``key`` to the newest one, store it and the new head."""
    seal = audit_chain.entry_seal(key, head.last_seal, entry)
    # The entry's fields are the table's columns.
    row = dataclasses.asdict(
        dataclasses.replace(entry, seal=seal, key_id=audit_keys.key_id(key))
    )
    connection.execute(sa.insert(audit_log).values(**row))
    write_head(
        connection,
        audit_chain.sealed_head(
            key, entries=head.entries + 1, last_id=entry.id, last_seal=seal
        ),
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
    """Seal an entry to the newest one and append it, in the caller's transaction.

    Raises:
        AuditKeyError: ``audit_key`` is no longer the log's (it was rotated).
    """
    head = _locked_head(connection, audit_key)
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
    _seal_and_store(connection, audit_key, head, entry)


def rotate_key(
    engine: Engine,
    *,
    old_key: bytes,
    new_key: bytes,
    retired_keys: Sequence[bytes] = (),
    anchor_file: Path | None = None,
) -> audit_verification.ChainReport:
    """Hand the audit log over from ``old_key`` to ``new_key``; verify it with both.

    The log must be intact (with ``retired_keys``, against its anchors). The rotation
    entry carries the old key's handover and is sealed with the new key, as is the head
    and every entry after it; consoles still running with the old key can no longer
    append (:class:`AuditKeyError`) until restarted with the new one.

    Returns:
        The report on the log verified with the new key, the old one retired.

    Raises:
        AuditKeyError: the log is broken, or ``old_key`` is not its key.
        ValueError: ``new_key`` is ``old_key``.
    """
    if new_key == old_key:
        raise ValueError("the new audit key is the one in use")
    before = verify_audit(
        engine, audit_key=old_key, retired_keys=retired_keys, anchor_file=anchor_file
    )
    if not before.intact:
        raise AuditKeyError(f"not rotating a broken log: {before.summary()}")
    old_id, new_id = audit_keys.key_id(old_key), audit_keys.key_id(new_key)
    with engine.begin() as connection:
        head = _locked_head(connection, old_key)
        entry_id, at = head.last_id + 1, time.time()
        handover = audit_keys.handover_seal(
            old_key,
            previous=head.last_seal,
            entry_id=entry_id,
            at=at,
            old_id=old_id,
            new_id=new_id,
        )
        entry = audit_chain.Entry(
            id=entry_id,
            at=at,
            username=None,
            action=audit_keys.KEY_ROTATED,
            sender_id=None,
            sender_salt=None,
            sender_digest=None,
            detail=audit_keys.rotation_detail(
                old_id=old_id, new_id=new_id, handover=handover
            ),
            client=None,
        )
        _seal_and_store(connection, new_key, head, entry)
    logger.info("audit key %s retired, %s in use (entry #%d)", old_id, new_id, entry_id)
    return verify_audit(
        engine,
        audit_key=new_key,
        retired_keys=(old_key, *retired_keys),
        anchor_file=anchor_file,
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


def verify_audit(
    engine: Engine,
    *,
    audit_key: bytes,
    retired_keys: Sequence[bytes] = (),
    anchor_file: Path | None = None,
) -> audit_verification.ChainReport:
    """Check the whole audit log's chain (``python -m console verify-audit``).

    ``audit_key`` is the key in use, ``retired_keys`` those it replaced. With
    ``anchor_file``, the log must also still match every anchor written there that
    one of these keys signed (the others are reported, ``untrusted_anchors``).
    """
    # The anchors first: one another console writes meanwhile is then of a log no
    # longer than the one read next, never beyond it.
    anchors = [] if anchor_file is None else audit_anchor.read_anchors(anchor_file)
    entries, head = _stored_log(engine)
    return audit_verification.verify(
        audit_keys.KeyRing(audit_key, tuple(retired_keys)), entries, head, anchors
    )


_CONSISTENT_READ_ATTEMPTS = 10


def _stored_log(
    engine: Engine,
) -> tuple[list[audit_chain.Entry], audit_chain.Head | None]:
    """The stored entries and the head that describes them, read as of one moment.

    Reading the entries and then the head, an append in between (another request,
    another console) would make the head run ahead of the entries read and the log
    look cut back. Every append changes the head, so the entries are read between two
    reads of the head until both agree; while appends keep coming, the last attempt
    holds the head's lock, which makes them wait.
    """
    select_head = sa.select(audit_head).where(audit_head.c.id == HEAD_ID)
    select_entries = sa.select(audit_log).order_by(audit_log.c.id)
    for attempt in range(_CONSISTENT_READ_ATTEMPTS):
        last = attempt == _CONSISTENT_READ_ATTEMPTS - 1
        with engine.begin() if last else engine.connect() as connection:
            if last:
                _lock_head(connection)
            before = connection.execute(select_head).first()
            entries = [entry_of(row) for row in connection.execute(select_entries)]
            head = connection.execute(select_head).first()
        if before == head:
            break
    if head is None:
        return entries, None
    return entries, audit_chain.Head(
        head.entries, head.last_id, head.last_seal, head.seal, head.key_id
    )


@dataclasses.dataclass(frozen=True)
class AnchorRound:
    """What the console's last scheduled verification found (the admin page shows it).

    ``anchored`` is false when the log was broken (not anchored) or the round failed
    (the anchor file could not be written, the database did not answer); ``message``
    says which.
    """

    at: float
    anchored: bool
    message: str


def anchor_audit(
    engine: Engine,
    *,
    audit_key: bytes,
    anchor_file: Path,
    retired_keys: Sequence[bytes] = (),
) -> audit_verification.ChainReport:
    """Verify the log against its anchors and, when intact, anchor where it is now.

    A broken log is reported (logged as an error) and not anchored: an anchor vouches
    only for a log found intact. The anchor is signed with ``audit_key``. Anchors in
    the file that are not trusted (forged, unsigned) are logged as an error too; they
    do not stop an intact log from being anchored. An empty log needs no anchor.

    Returns:
        The report, naming the new anchor as the newest the log matches.
    """
    report = verify_audit(
        engine, audit_key=audit_key, retired_keys=retired_keys, anchor_file=anchor_file
    )
    if not report.intact:
        logger.error("not anchored: %s", report.summary())
    elif report.untrusted_anchors:
        logger.error("in %s: %s", anchor_file, report.summary())
    if report.intact and report.entries:
        anchor = report.anchor(at=time.time()).signed(audit_key)
        audit_anchor.append_anchor(anchor_file, anchor)
        report = dataclasses.replace(
            report, anchors=report.anchors + 1, anchored=anchor
        )
    return report


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
