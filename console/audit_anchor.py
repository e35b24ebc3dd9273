"""Anchors of the audit log, kept in a file outside the console's database.

Whoever holds the audit key as well as write access to the database can delete the
newest entries, or rewrite them, and seal the log again: the chain alone then reads as
intact. An :class:`Anchor` records, after a verification, how far the log reached and
the newest entry's seal; a later verification (``console/audit_verification.py``)
finds that entry with that seal or says the log was cut back or rewritten
(:func:`anchor_problem`). The console writes one on start and every
``CONSOLE_AUDIT_ANCHOR_MINUTES`` (``python -m console verify-audit --anchor`` writes one
too), to ``CONSOLE_AUDIT_ANCHOR_FILE``: one JSON object a line, only ever appended.

Each anchor is signed with the audit key, as entries are sealed: the id of the key and
a MAC under it over the anchor's fields (:func:`anchor_signature`). Whoever can write
the file but does not hold a key cannot add or change an anchor unnoticed: an anchor
whose signature does not check out, or that is not signed, is reported and not trusted
(:func:`signature_problem`). Signatures cannot show a deleted line; the file protects
only as far as the database's users cannot write it: a volume of its own, ideally
append-only (``chattr +a``) or shipped to a log collector (each anchor is logged as
well).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from console.audit_keys import KeyRing, key_id, mac

logger = logging.getLogger(__name__)

_FIELDS = ("at", "entries", "last_id", "last_seal", "key_id", "signature")
"""An anchor's fields in the file, in this order."""


@dataclass(frozen=True)
class Anchor:
    """A verified state of the log, kept outside the database.

    At ``at`` (seconds since the epoch) the log was intact with ``entries`` entries, the
    newest #``last_id`` sealed ``last_seal``. Each seal covers every entry before it,
    so that entry still holding that seal means the log up to it is as it was.
    ``key_id`` and ``signature`` are the key that signed it and its MAC
    (:func:`anchor_signature`; ``None`` until signed); ``line`` is where the file
    holds it (``0`` for an anchor not read from a file).
    """

    at: float
    entries: int
    last_id: int
    last_seal: str
    key_id: str | None = None
    signature: str | None = None
    line: int = 0

    def when(self) -> str:
        """When it was written, for people (UTC, to the minute)."""
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.at))

    def signed(self, key: bytes) -> Anchor:
        """This anchor signed with ``key``."""
        return replace(self, key_id=key_id(key), signature=anchor_signature(key, self))


def anchor_signature(key: bytes, anchor: Anchor) -> str:
    """The MAC under ``key`` of an anchor's fields and the key's id."""
    return mac(
        key,
        (
            "anchor",
            key_id(key),
            anchor.at,
            anchor.entries,
            anchor.last_id,
            anchor.last_seal,
        ),
    )


def signature_problem(keys: KeyRing, anchor: Anchor) -> str | None:
    """Why ``anchor`` is not signed by one of ``keys``, if it is not.

    A retired key still verifies the anchors it signed before its handover
    (:func:`console.audit_verification.verify` also asks that an anchor be signed with
    the key that sealed the entry it names).
    """
    if anchor.key_id is None or anchor.signature is None:
        return "it is not signed"
    key = keys.key(anchor.key_id)
    if key is None:
        return (
            f"it is signed with key {anchor.key_id}, which is not among the keys "
            "given (CONSOLE_AUDIT_KEY and CONSOLE_AUDIT_KEYS_RETIRED)"
        )
    if not hmac.compare_digest(anchor_signature(key, anchor), anchor.signature):
        return "its signature does not match: it was forged or changed"
    return None


def anchor_problem(
    anchors: Sequence[Anchor], seals: dict[int, str], last_id: int
) -> tuple[tuple[int, str] | None, Anchor | None]:
    """The first anchor the log no longer matches, if any, and the newest it matches.

    ``seals`` are the seals of the entries found intact, by id; ``last_id`` is the
    newest of them. Anchors beyond a break in the chain are not looked at (the break is
    reported already).
    """
    trusted_to, matched = 0, None
    for anchor in anchors:
        if anchor.last_id == 0:  # anchored empty: nothing to compare
            continue
        seal = seals.get(anchor.last_id)
        if seal is None and anchor.last_id > last_id:
            reason = (
                f"the log ends at #{last_id}, but it reached #{anchor.last_id} "
                f"({anchor.entries} entries) when anchored on {anchor.when()}: the "
                "newest entries were deleted and the head sealed again with the key"
            )
            return (last_id + 1, reason), matched
        if seal is None or not hmac.compare_digest(seal, anchor.last_seal):
            reason = (
                f"entry #{anchor.last_id} is not the one anchored on {anchor.when()}: "
                "entries up to it were changed and sealed again with the key"
            )
            return (trusted_to + 1, reason), matched
        if matched is None or anchor.last_id >= matched.last_id:
            trusted_to, matched = anchor.last_id, anchor
    return None, matched


def anchor_line(anchor: Anchor) -> str:
    """A signed anchor as a line of the file (a JSON object, fields in a fixed order).

    Raises:
        ValueError: the anchor is not signed (an unsigned one is never written).
    """
    if anchor.signature is None:
        raise ValueError("an anchor is written signed (Anchor.signed)")
    return json.dumps({name: getattr(anchor, name) for name in _FIELDS}) + "\n"


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _parse(line: str, number: int) -> Anchor:
    """The anchor on line ``number`` of the file (unsigned if it names no key).

    Raises:
        ValueError, KeyError, TypeError: the line is not an anchor.
    """
    data = json.loads(line)
    return Anchor(
        at=float(data["at"]),
        entries=int(data["entries"]),
        last_id=int(data["last_id"]),
        last_seal=str(data["last_seal"]),
        key_id=_optional_text(data.get("key_id")),
        signature=_optional_text(data.get("signature")),
        line=number,
    )


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors in ``path``, oldest first (none when the file does not exist yet).

    Their signatures are not checked here (:func:`signature_problem`). A line that is
    not an anchor (a write cut short when the disk filled up) is logged and left out:
    it cannot vouch for anything.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchors.append(_parse(line, number))
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("%s:%d is not an audit anchor (%s)", path, number, error)
    return anchors


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append the signed ``anchor`` to ``path`` (created owner-only), flush it to disk.

    One ``write`` of one short line to a file opened for appending, so anchors written
    by several consoles at once do not interleave.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, anchor_line(anchor).encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    logger.info(
        "audit log anchored in %s: %d entries, newest #%d sealed %s (key %s)",
        path,
        anchor.entries,
        anchor.last_id,
        anchor.last_seal,
        anchor.key_id,
    )
