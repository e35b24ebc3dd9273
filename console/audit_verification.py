"""Verifying the audit log: every seal, conversation id, key, the head and the anchors.

:func:`verify` walks the stored entries, sealed as ``console/audit_chain.py`` says,
and reports in a :class:`ChainReport` the first entry that does not check out: a seal
that does not match (an entry changed or moved, or one before it deleted), a
conversation id changed, added or removed outside a recorded forgetting, an entry
sealed with another key than the log's at that point or a rotation its retiring key
did not sign (``console/audit_keys.py``), or a head that no longer describes the end
of the log.

Whoever holds the key as well as write access could seal a shortened or rewritten log
again. An anchor, a verified head written outside the database
(``console/audit_anchor.py``), stops that from reaching back: the entry it names must
still be there with the seal it had, which no re-sealed log before it can give. An
anchor is trusted only when it is signed by the key that sealed that entry, so one
forged in the file is reported instead of being checked against.

Plain Python: no database here (``console/audit_log.py`` reads the rows).
"""

from __future__ import annotations

import dataclasses
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from console.audit_anchor import Anchor, anchor_problem, signature_problem
from console.audit_chain import (
    FORGOTTEN,
    GENESIS,
    Entry,
    Head,
    entry_seal,
    head_seal,
    sender_digest,
)
from console.audit_keys import KEY_ROTATED, KeyRing, handover_seal, parse_rotation

_REDACTED = re.compile(r"audit entries redacted: ([\d, ]+)")
_SEAL_MISMATCH = (
    "its seal does not match: the entry was changed or moved, an entry before it "
    "was deleted, or the key is not the log's"
)


@dataclass(frozen=True)
class ChainReport:
    """Whether the chain is intact and, if not, the first entry that breaks it.

    ``first_broken`` is the id of the first entry whose seal, conversation id or
    forgetting does not check out (for deleted newest entries, the id the first of them
    had; for a log that no longer matches an anchor, the first entry after the last
    anchor it still matches); ``reason`` says what was found. ``last_seal`` is the
    newest entry's seal; ``anchored`` the newest of the ``anchors`` the log matches.
    ``untrusted_anchors`` says which anchors in the file were not checked against
    because their signature does not check out, and why.
    """

    entries: int
    last_id: int
    first_broken: int | None = None
    reason: str = ""
    last_seal: str = GENESIS
    anchors: int = 0
    anchored: Anchor | None = None
    untrusted_anchors: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        """True when every entry, the head and every trusted anchor check out."""
        return self.first_broken is None

    @property
    def sound(self) -> bool:
        """True when the log is intact and no anchor in the file is forged."""
        return self.intact and not self.untrusted_anchors

    def summary(self) -> str:
        """One line for the command line and the admin page."""
        if not self.intact:
            line = f"audit chain broken at entry #{self.first_broken}: {self.reason}"
        else:
            line = f"audit chain intact: {self.entries} entries, newest #{self.last_id}"
        if self.intact and self.anchored is not None:
            line += (
                f"; matches its anchor of {self.anchored.when()} "
                f"(#{self.anchored.last_id}, {self.anchors} anchors checked)"
            )
        if self.untrusted_anchors:
            line += (
                f"; {len(self.untrusted_anchors)} anchors not trusted: "
                + "; ".join(self.untrusted_anchors)
            )
        return line

    def anchor(self, *, at: float) -> Anchor:
        """The anchor of the log this report found intact (unsigned).

        Raises:
            ValueError: the log is broken (a broken log is never anchored).
        """
        if not self.intact:
            raise ValueError(f"not anchoring a broken log: {self.summary()}")
        return Anchor(at, self.entries, self.last_id, self.last_seal)


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


def _unknown_key(kid: str | None) -> str:
    return (
        "the key that sealed it is not recorded"
        if kid is None
        else f"it is sealed with key {kid}, which is not among the keys given "
        "(CONSOLE_AUDIT_KEY and CONSOLE_AUDIT_KEYS_RETIRED)"
    )


def _key_problem(
    keys: KeyRing, entry: Entry, previous: str, running: str | None
) -> str | None:
    """Why ``entry`` is not sealed with the key the log had reached, if it is not.

    ``running`` is the id of the key that sealed the entry before (``None`` for the
    first entry, which names the key the log began with). A :data:`KEY_ROTATED` entry
    must hand over from that key, signed with it, and be sealed with the new one.
    """
    expected = entry.key_id if running is None else running
    if entry.action == KEY_ROTATED:
        rotation = parse_rotation(entry.detail)
        if rotation is None:
            return "a key rotation that does not name its keys"
        old_id, expected, handover = rotation
        if running is not None and old_id != running:
            return (
                f"it hands over from key {old_id}, but the log is sealed with {running}"
            )
        old_key = keys.key(old_id)
        if old_key is None:
            return _unknown_key(old_id)
        signed = handover_seal(
            old_key,
            previous=previous,
            entry_id=entry.id,
            at=entry.at,
            old_id=old_id,
            new_id=expected,
        )
        if not hmac.compare_digest(signed, handover):
            return "its handover is not signed by the retiring key"
    if entry.key_id != expected:
        return (
            f"it is marked as sealed with key {entry.key_id}, but the log is sealed "
            f"with {expected} there"
        )
    if keys.key(entry.key_id) is None:
        return _unknown_key(entry.key_id)
    return None


def _head_problem(
    keys: KeyRing, head: Head | None, found: Head, running: str | None
) -> str | None:
    """Why the stored head does not describe the log ``found`` ends with, if it does not.

    The head must be sealed with the key in use, the one the newest entry was sealed
    with (``running``), so no retired key can vouch for the end of the log.
    """
    if head is None:
        return "the head of the log is missing"
    if head.key_id != keys.active_id:
        return (
            f"the head is sealed with key {head.key_id}, not with CONSOLE_AUDIT_KEY's "
            f"{keys.active_id}: the key was rotated since this console started (restart "
            "it with the new key), or the log was sealed again with another key"
        )
    if running is not None and running != head.key_id:
        return f"the newest entry is sealed with key {running}, the head with {head.key_id}"
    expected = head_seal(
        keys.active,
        entries=head.entries,
        last_id=head.last_id,
        last_seal=head.last_seal,
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


def _untrusted(
    keys: KeyRing, anchors: Sequence[Anchor], sealed_by: dict[int, str | None]
) -> dict[int, str]:
    """The anchors not to be trusted, by their place in ``anchors``, and why.

    Besides its signature, an anchor must be signed with the key that sealed the entry
    it names (the head and the newest entry are sealed with the key in use, which
    signs the anchor): a retired key can then vouch for nothing after its handover.
    """
    untrusted = {}
    for place, anchor in enumerate(anchors):
        problem = signature_problem(keys, anchor)
        sealer = sealed_by.get(anchor.last_id, anchor.key_id)
        if problem is None and sealer != anchor.key_id:
            problem = (
                f"it is signed with key {anchor.key_id}, but entry "
                f"#{anchor.last_id} is sealed with {sealer}"
            )
        if problem is not None:
            untrusted[place] = f"line {anchor.line}: {problem}"
    return untrusted


def verify(
    keys: KeyRing,
    entries: Iterable[Entry],
    head: Head | None,
    anchors: Sequence[Anchor] = (),
) -> ChainReport:
    """Check every seal, every conversation id, the keys, the head and the anchors.

    Args:
        keys: the key in use and the retired keys that sealed the log before it.
        entries: the stored entries in id order.
        head: the stored head (``None`` when its row is missing).
        anchors: the anchors written outside the database, oldest first; those not
            signed by the key that sealed the entry they name are reported, not
            checked against.

    Returns:
        The report, naming the first entry that breaks the chain, if one does.
    """
    previous, count, last_id = GENESIS, 0, 0
    running: str | None = None
    seals: dict[int, str] = {}
    sealed_by: dict[int, str | None] = {}
    redacted: list[int] = []
    forgotten: set[int] = set()
    broken: list[tuple[int, str]] = []
    for entry in entries:
        problem = _key_problem(keys, entry, previous, running)
        if problem:
            broken.append((entry.id, problem))
            break
        key = keys.key(entry.key_id)
        assert key is not None  # _key_problem found it
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
        running, seals[entry.id] = entry.key_id, entry.seal
        sealed_by[entry.id] = entry.key_id
    walked_to_the_end = not broken
    broken += [
        (i, "its conversation id was removed outside a recorded forgetting")
        for i in redacted
        if i not in forgotten
    ]
    if not broken:
        problem = _head_problem(keys, head, Head(count, last_id, previous, ""), running)
        if problem:
            broken.append((last_id + 1, problem))
    untrusted = _untrusted(keys, anchors, sealed_by)
    checked = [
        a
        for place, a in enumerate(anchors)
        if place not in untrusted and (walked_to_the_end or a.last_id < broken[0][0])
    ]
    anchor_break, anchored = anchor_problem(checked, seals, last_id)
    if anchor_break:
        broken.append(anchor_break)
    found = ChainReport(
        count,
        last_id,
        last_seal=previous,
        anchors=len(checked),
        anchored=anchored,
        untrusted_anchors=tuple(untrusted.values()),
    )
    if not broken:
        return found
    first, reason = min(broken)
    return dataclasses.replace(found, first_broken=first, reason=reason)
