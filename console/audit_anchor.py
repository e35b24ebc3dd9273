"""Anchors of the audit log, kept in a file outside the console's database.

Whoever holds the audit key as well as write access to the database can delete the
newest entries, or rewrite them, and seal the log again: the chain alone then reads as
intact. An :class:`Anchor` records, after a verification, how far the log reached and
the newest entry's seal; a later verification (``console/audit_chain.py``) finds that
entry with that seal or says the log was cut back or rewritten
(:func:`anchor_problem`). The console writes one on start and every
``CONSOLE_AUDIT_ANCHOR_MINUTES`` (``python -m console verify-audit --anchor`` writes one
too), to ``CONSOLE_AUDIT_ANCHOR_FILE``: one JSON object a line, only ever appended.

The file protects only as far as the database's users cannot write it: a volume of its
own, ideally append-only (``chattr +a``) or shipped to a log collector (each anchor is
logged as well).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_FIELDS = ("at", "entries", "last_id", "last_seal")


@dataclass(frozen=True)
class Anchor:
    """A verified state of the log, kept outside the database.

    At ``at`` (seconds since the epoch) the log was intact with ``entries`` entries, the
    newest #``last_id`` sealed ``last_seal``. Each seal covers every entry before it,
    so that entry still holding that seal means the log up to it is as it was.
    """

    at: float
    entries: int
    last_id: int
    last_seal: str

    def when(self) -> str:
        """When it was written, for people (UTC, to the minute)."""
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.at))


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
    """An anchor as a line of the file (a JSON object, fields in a fixed order)."""
    return json.dumps({name: getattr(anchor, name) for name in _FIELDS}) + "\n"


def _parse(line: str) -> Anchor:
    """An anchor from a line of the file.

    Raises:
        ValueError, KeyError, TypeError: the line is not an anchor.
    """
    data = json.loads(line)
    return Anchor(
        at=float(data["at"]),
        entries=int(data["entries"]),
        last_id=int(data["last_id"]),
        last_seal=str(data["last_seal"]),
    )


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors in ``path``, oldest first (none when the file does not exist yet).

    A line that is not an anchor (a write cut short when the disk filled up) is logged
    and left out: it cannot vouch for anything.
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
            anchors.append(_parse(line))
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("%s:%d is not an audit anchor (%s)", path, number, error)
    return anchors


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append ``anchor`` to ``path`` (created owner-only) and flush it to disk.

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
        "audit log anchored in %s: %d entries, newest #%d sealed %s",
        path,
        anchor.entries,
        anchor.last_id,
        anchor.last_seal,
    )
