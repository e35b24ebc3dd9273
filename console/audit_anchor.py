"""Anchors of the audit log, kept in a file outside the console's database.

Whoever holds the audit key as well as write access to the database can delete the
newest entries, or rewrite them, and seal the log again: the chain alone then reads as
intact. An anchor (``console/audit_chain.py``) records, after a verification, how far the
log reached and the newest entry's seal; a later verification finds that entry with that
seal or says the log was cut back or rewritten. The console writes one on start and every
``CONSOLE_AUDIT_ANCHOR_MINUTES`` (``python -m console verify-audit --anchor`` writes one
too), to ``CONSOLE_AUDIT_ANCHOR_FILE``: one JSON object a line, only ever appended.

The file protects only as far as the database's users cannot write it: a volume of its
own, ideally append-only (``chattr +a``) or shipped to a log collector (each anchor is
logged as well).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from console.audit_chain import Anchor

logger = logging.getLogger(__name__)

_FIELDS = ("at", "entries", "last_id", "last_seal")


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
