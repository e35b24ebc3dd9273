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

Plain Python: no database here (``console/store.py`` reads and writes the rows).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = ""
"""The seal before the first entry."""
FORGOTTEN = "conversations_forgotten"
"""The action of the entry that records which entries lost their conversation id."""
_REDACTED = re.compile(r"audit entries redacted: ([\d, ]+)")
_SEAL_MISMATCH = (
    "its seal does not match: the entry was changed or moved, an entry before it "
    "was deleted, or the key is not the log's"
)


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored (``seal`` is ``None`` until it is sealed)."""

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


@dataclass(frozen=True)
class Head:
    """The sealed summary of the newest entry: it makes deleting the last ones show."""

    entries: int
    last_id: int
    last_seal: str
    seal: str


@dataclass(frozen=True)
class ChainReport:
    """Whether the chain is intact and, if not, the first entry that breaks it.

    ``first_broken`` is the id of the first entry whose seal, conversation id or
    forgetting does not check out (for deleted newest entries, the id the first of them
    had); ``reason`` says what was found.
    """

    entries: int
    last_id: int
    first_broken: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        """True when every entry and the head check out."""
        return self.first_broken is None

    def summary(self) -> str:
        """One line for the command line and the admin page."""
        if self.intact:
            return f"audit chain intact: {self.entries} entries, newest #{self.last_id}"
        return f"audit chain broken at entry #{self.first_broken}: {self.reason}"


def _mac(key: bytes, fields: Sequence[object]) -> str:
    if not key:
        raise ValueError("no audit key: set CONSOLE_AUDIT_KEY (console/README.md)")
    message = json.dumps(list(fields), ensure_ascii=True, separators=(",", ":"))
    return hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()


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
    return _mac(
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
    return _mac(key, ("head", entries, last_id, last_seal))


def sealed_head(key: bytes, *, entries: int, last_id: int, last_seal: str) -> Head:
    """The head of a log of ``entries`` entries ending with ``last_id``."""
    return Head(
        entries,
        last_id,
        last_seal,
        head_seal(key, entries=entries, last_id=last_id, last_seal=last_seal),
    )


def forgotten_detail(*, reviews: int, entry_ids: Iterable[int]) -> str:
    """The detail of a :data:`FORGOTTEN` entry: what a round of forgetting removed."""
    ids = ", ".join(str(i) for i in sorted(entry_ids)) or "none"
    return f"reviews dropped: {reviews}; audit entries redacted: {ids}"


def _redacted_by(entry: Entry) -> set[int]:
    """The entries a :data:`FORGOTTEN` entry says it took the conversation id from."""
    if entry.action != FORGOTTEN:
        return set()
    found = _REDACTED.search(entry.detail)
    if not found:
        return set()
    return {int(i) for i in found.group(1).replace(" ", "").split(",") if i}


def _sender_problem(entry: Entry) -> str | None:
    """Why an entry's conversation id does not match its sealed commitment, if it does not."""
    if entry.sender_id is None:
        return None
    if entry.sender_digest is None or entry.sender_salt is None:
        return "a conversation id was added to it"
    if not hmac.compare_digest(
        sender_digest(entry.sender_salt, entry.sender_id), entry.sender_digest
    ):
        return "its conversation id was changed"
    return None


def _head_problem(key: bytes, head: Head | None, found: Head) -> str | None:
    """Why the stored head does not describe the log ``found`` ends with, if it does not."""
    if head is None:
        return "the head of the log is missing"
    expected = head_seal(
        key, entries=head.entries, last_id=head.last_id, last_seal=head.last_seal
    )
    if not hmac.compare_digest(expected, head.seal):
        return "the head of the log was changed"
    if (head.entries, head.last_id, head.last_seal) != (
        found.entries,
        found.last_id,
        found.last_seal,
    ):
        return (
            f"the newest entries were deleted: the log ends at #{found.last_id}, "
            f"its head at #{head.last_id}"
        )
    return None


def verify(key: bytes, entries: Iterable[Entry], head: Head | None) -> ChainReport:
    """Check every seal, every conversation id and the head; report the first break.

    Args:
        key: the key the log was sealed with.
        entries: the stored entries in id order.
        head: the stored head (``None`` when its row is missing).
    """
    previous, count, last_id = GENESIS, 0, 0
    redacted: list[int] = []
    forgotten: set[int] = set()
    broken: list[tuple[int, str]] = []
    for entry in entries:
        if entry.seal is None or not hmac.compare_digest(
            entry_seal(key, previous, entry), entry.seal
        ):
            broken.append((entry.id, _SEAL_MISMATCH))
            break
        problem = _sender_problem(entry)
        if problem:
            broken.append((entry.id, problem))
            break
        if entry.sender_id is None and entry.sender_digest is not None:
            redacted.append(entry.id)
        forgotten |= _redacted_by(entry)
        previous, count, last_id = entry.seal, count + 1, entry.id
    broken += [
        (i, "its conversation id was removed outside a recorded forgetting")
        for i in redacted
        if i not in forgotten
    ]
    if not broken:
        problem = _head_problem(key, head, Head(count, last_id, previous, ""))
        if problem:
            broken.append((last_id + 1, problem))
    if not broken:
        return ChainReport(count, last_id)
    first, reason = min(broken)
    return ChainReport(count, last_id, first, reason)
