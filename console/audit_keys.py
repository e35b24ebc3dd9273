"""The keys that seal the audit log: their ids, the key ring, and handing over to a new key.

Every seal is an HMAC-SHA256 (:func:`mac`). A key is known by its id, a MAC of a fixed
text under the key (it names the key without telling anything about it), and each entry
records the id of the key that sealed it. Rotating the key appends one entry
(:data:`KEY_ROTATED`) that both keys sign: its detail carries a handover, a MAC under
the retiring key over the entry's place in the log and both ids, and the entry itself is
sealed with the new key like every entry after it. Verifying needs the key in use and
the retired ones (:class:`KeyRing`); a retired key can seal nothing after its handover,
because the handover's seal and the head need the new key.

Plain Python: no database here.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

KEY_ROTATED = "audit_key_rotated"
"""The action of the entry that hands the log over to a new key."""
_ROTATION = re.compile(
    r"audit key ([0-9a-f]{16}) retired, ([0-9a-f]{16}) in use; handover ([0-9a-f]{64})"
)


def mac(key: bytes, fields: Sequence[object]) -> str:
    """HMAC-SHA256 under ``key`` of ``fields`` in a canonical form (a JSON list).

    Raises:
        ValueError: ``key`` is empty.
    """
    if not key:
        raise ValueError("no audit key: set CONSOLE_AUDIT_KEY (console/README.md)")
    message = json.dumps(list(fields), ensure_ascii=True, separators=(",", ":"))
    return hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """The id of an audit key: 16 hex digits that name it without revealing it."""
    return mac(key, ("audit key id",))[:16]


@dataclass(frozen=True)
class KeyRing:
    """The key in use (``CONSOLE_AUDIT_KEY``) and the retired ones, found by their ids."""

    active: bytes
    retired: tuple[bytes, ...] = ()

    @functools.cached_property
    def _by_id(self) -> dict[str, bytes]:
        return {key_id(key): key for key in (*self.retired, self.active)}

    @property
    def active_id(self) -> str:
        """The id of the key in use."""
        return key_id(self.active)

    def key(self, kid: str | None) -> bytes | None:
        """The key with id ``kid``, if the ring holds it."""
        return None if kid is None else self._by_id.get(kid)


def handover_seal(
    old_key: bytes, *, previous: str, entry_id: int, at: float, old_id: str, new_id: str
) -> str:
    """The retiring key's signature on handing the log over at entry ``entry_id``."""
    return mac(old_key, ("handover", previous, entry_id, at, old_id, new_id))


def rotation_detail(*, old_id: str, new_id: str, handover: str) -> str:
    """The detail of a :data:`KEY_ROTATED` entry."""
    return f"audit key {old_id} retired, {new_id} in use; handover {handover}"


def parse_rotation(detail: str) -> tuple[str, str, str] | None:
    """The retired key's id, the new key's id and the handover a rotation names."""
    found = _ROTATION.fullmatch(detail)
    return None if found is None else (found[1], found[2], found[3])
