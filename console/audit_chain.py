"""The audit log's chain: each entry sealed to the one before it, with a keyed hash.

An entry's seal is an HMAC-SHA256, keyed with ``CONSOLE_AUDIT_KEY``, over the seal of
the entry before it and the entry's own fields in a canonical form (a JSON list in a
fixed order, its id included). Changing an entry breaks its seal; deleting or moving one
breaks the seal of the entry that now follows another. The newest entries have no
successor, so a sealed head (how many entries, the newest one's id and seal) covers
them: deleting the last entries breaks the head. Without the key nobody can seal a
changed log again, not even whoever can write the database (console/README.md says why
a keyed hash and not a plain SHA-256 chain).

A conversation id is forgotten when the conversation is deleted, so a seal covers a
commitment to the id, not the id: SHA-256 of a random salt and the id. Forgetting
removes the id and its salt; the commitment stays in the sealed entry and, without the
salt, tells nothing about the id. Every forgetting is an entry itself
(:data:`FORGOTTEN`) naming the entries whose ids it removed, so an id removed any other
way shows.

Each entry names the key that sealed it; the key can be rotated by an entry that both
keys sign (``console/audit_keys.py``), so the log is verified with a key ring.

This module seals entries and the head; ``console/audit_verification.py`` checks a
stored log against its seals, its keys, its head and its anchors. Plain Python: no
database here (``console/store.py`` reads and writes the rows).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from console.audit_keys import key_id, mac

GENESIS = ""
"""The seal before the first entry."""
FORGOTTEN = "conversations_forgotten"
"""The action of the entry that records which entries lost their conversation id."""


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored (``seal`` is ``None`` until it is sealed).

    ``key_id`` names the key that sealed it (``console/audit_keys.py``); it is not
    sealed itself, but an entry marked with another key than the log's at that point,
    or with a key that did not seal it, does not verify.
    """

    id: int
    at: float
    username: str | None
    action: str
    sender_id: str | None
    sender_salt: str | None
    sender_digest: str | None
    detail: str
    client: str | None
    seal: str | None = None
    key_id: str | None = None


@dataclass(frozen=True)
class Head:
    """The sealed summary of the newest entry: it makes deleting the last ones show.

    It is sealed with the key in use (``key_id``), which appends must hold.
    """

    entries: int
    last_id: int
    last_seal: str
    seal: str
    key_id: str | None = None


def commit_to_sender(sender_id: str | None) -> tuple[str | None, str | None]:
    """A fresh salt and the commitment to ``sender_id`` (both ``None`` without an id)."""
    if sender_id is None:
        return None, None
    salt = secrets.token_hex(16)
    return salt, sender_digest(salt, sender_id)


def sender_digest(salt: str, sender_id: str) -> str:
    """The commitment to a conversation id: SHA-256 of the salt and the id."""
    return hashlib.sha256(f"{salt}\n{sender_id}".encode()).hexdigest()


def entry_seal(key: bytes, previous: str, entry: Entry) -> str:
    """The seal of ``entry`` when it follows an entry sealed ``previous``."""
    return mac(
        key,
        (
            "entry",
            previous,
            entry.id,
            entry.at,
            entry.username,
            entry.action,
            entry.sender_digest,
            entry.detail,
            entry.client,
        ),
    )


def head_seal(key: bytes, *, entries: int, last_id: int, last_seal: str) -> str:
    """The seal of the head: how many entries there are and which is the newest."""
    return mac(key, ("head", entries, last_id, last_seal))


def sealed_head(key: bytes, *, entries: int, last_id: int, last_seal: str) -> Head:
    """The head of a log of ``entries`` entries ending with ``last_id``, sealed with ``key``."""
    return Head(
        entries,
        last_id,
        last_seal,
        head_seal(key, entries=entries, last_id=last_id, last_seal=last_seal),
        key_id(key),
    )


def forgotten_detail(*, reviews: int, entry_ids: Iterable[int]) -> str:
    """The detail of a :data:`FORGOTTEN` entry: what a round of forgetting removed."""
    ids = ", ".join(str(i) for i in sorted(entry_ids)) or "none"
    return f"reviews dropped: {reviews}; audit entries redacted: {ids}"
