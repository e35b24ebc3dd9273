"""The console's one settings object, read from the environment when asked for.

Every setting has a ``CONSOLE_*`` variable; the defaults suit a laptop next to
``make run`` (the assistant's SQLite tracker store in ``var/``, the console's own
database and audit key beside it, the console on 127.0.0.1 only). Deployments name
the databases by their parts (``TRACKER_DB_*``, as Rasa does, and ``CONSOLE_DB_*``),
so a password never has to be written into a URL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from privacy.store import postgres_url
from secret_checks import configured_secret

REPO = Path(__file__).resolve().parents[1]
AUDIT_KEY_FILE = REPO / "var" / "console-audit-key"
"""The audit key of a laptop's console, made on first use (deployments pass their own)."""
RETIRED_AUDIT_KEYS_FILE = REPO / "var" / "console-audit-keys-retired"
"""The keys a laptop's console used before, one a line (``rotate-audit-key`` adds them)."""
AUDIT_KEY_MIN_LENGTH = 32
AUDIT_ANCHOR_FILE = REPO / "var" / "console-audit-anchors.log"
"""Where a laptop's console anchors its audit log (deployments name a volume of their own)."""


def _flag(value: str) -> bool:
    """Read a yes/no environment value."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of 1 or more from ``env`` (``default`` when unset).

    Raises:
        ValueError: the value is not a whole number of 1 or more.
    """
    value = int(env.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, not {value}")
    return value


def engine_url(url: str) -> URL:
    """``url`` with the driver the console installs (psycopg2) for a bare ``postgresql``.

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3, which the console does
    not install; Rasa's deployments, and ``TRACKER_DB_*``, name PostgreSQL that way.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg2")
    return parsed


def _database_url(
    env: Mapping[str, str], *, url: str, parts: str, database: str, sqlite_file: str
) -> str:
    """A database: the variable ``url`` names, else PostgreSQL from its parts.

    The parts are ``<parts>HOST``, ``PORT``, ``NAME`` (``database`` by default),
    ``USER`` and ``PASSWORD`` (or ``PASSWORD_FILE``, a Compose secret); with no host
    either, an SQLite file in ``var/``.
    """
    if env.get(url):
        return env[url]
    if env.get(f"{parts}HOST"):
        return postgres_url(env, parts, database=database)
    return f"sqlite:///{REPO / 'var' / sqlite_file}"


def audit_key_of(text: str) -> bytes:
    """An audit key from its text (surrounding white space is not part of it).

    Raises:
        ValueError: the key is shorter than ``AUDIT_KEY_MIN_LENGTH`` characters.
    """
    key = text.strip()
    if len(key) < AUDIT_KEY_MIN_LENGTH:
        raise ValueError(
            f"the audit key must have at least {AUDIT_KEY_MIN_LENGTH} characters"
        )
    return key.encode("utf-8")


def laptop_audit_keys(env: Mapping[str, str]) -> bool:
    """Whether the audit keys are a laptop's files in ``var/`` (no key is given)."""
    return not env.get("CONSOLE_AUDIT_KEY") and not env.get("CONSOLE_AUDIT_KEY_FILE")


def audit_key_from_env(env: Mapping[str, str]) -> bytes:
    """The key that seals the audit log (``console/audit_chain.py``).

    ``CONSOLE_AUDIT_KEY``, or the file ``CONSOLE_AUDIT_KEY_FILE`` names (a Compose
    secret). With neither, ``var/console-audit-key`` (made on first use, owner-only),
    which suits a laptop only: there the key sits beside the database it protects.

    Raises:
        ValueError: the key is shorter than ``AUDIT_KEY_MIN_LENGTH`` characters, is
            given both ways, or its file cannot be read.
    """
    key = configured_secret(env, "CONSOLE_AUDIT_KEY")
    if key:
        return audit_key_of(key)
    if not AUDIT_KEY_FILE.is_file():
        _write_secret(AUDIT_KEY_FILE, secrets.token_urlsafe(32))
    return audit_key_of(AUDIT_KEY_FILE.read_text(encoding="utf-8"))


def retired_audit_keys_from_env(env: Mapping[str, str]) -> tuple[bytes, ...]:
    """The keys that sealed the audit log before the one in use, one a line.

    ``CONSOLE_AUDIT_KEYS_RETIRED``, or the file ``CONSOLE_AUDIT_KEYS_RETIRED_FILE``
    names; on a laptop, ``var/console-audit-keys-retired`` when there is one.

    Raises:
        ValueError: a key is shorter than ``AUDIT_KEY_MIN_LENGTH`` characters, the
            keys are given both ways, or their file cannot be read.
    """
    text = configured_secret(env, "CONSOLE_AUDIT_KEYS_RETIRED", may_be_empty=True)
    if not text and laptop_audit_keys(env) and RETIRED_AUDIT_KEYS_FILE.is_file():
        text = RETIRED_AUDIT_KEYS_FILE.read_text(encoding="utf-8")
    return tuple(audit_key_of(line) for line in text.splitlines() if line.strip())


def _write_secret(path: Path, text: str, *, append: bool = False) -> None:
    """Write (or append) ``text`` to an owner-only file and flush it to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    descriptor = os.open(path, flags, 0o600)
    try:
        os.write(descriptor, text.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def stage_laptop_key(new_key: bytes) -> Path:
    """Write a laptop's next audit key beside the one in use; return where.

    ``rotate-audit-key`` stages it before rotating, so the key the log is handed over
    to is on disk before any entry is sealed with it.
    """
    staged = AUDIT_KEY_FILE.with_name(AUDIT_KEY_FILE.name + ".new")
    _write_secret(staged, new_key.decode("utf-8"))
    return staged


def install_laptop_key(staged: Path, old_key: bytes) -> None:
    """After a rotation: retire a laptop's old key, then put the staged one in use."""
    _write_secret(RETIRED_AUDIT_KEYS_FILE, old_key.decode("utf-8") + "\n", append=True)
    os.replace(staged, AUDIT_KEY_FILE)


@dataclass(frozen=True)
class Settings:
    """How the console runs.

    ``tracker_url`` is the SQLAlchemy URL of Rasa's tracker store, which the console only
    reads; ``database_url`` is the console's own database; ``audit_key`` seals its
    audit log (``retired_audit_keys`` sealed it before a rotation), which is verified and anchored in ``audit_anchor_file`` (outside the
    database; ``None``, only when built in code, anchors nothing) on start and every
    ``audit_anchor_minutes``. ``secure_cookies`` may be turned off only for plain-HTTP development on
    localhost. ``forwarded_allow_ips`` are the proxies (nginx) whose
    ``X-Forwarded-For`` names the client in the audit log; none by default.
    """

    tracker_url: str
    database_url: str
    safety_case: Path
    audit_key: bytes = field(default=b"", repr=False)
    retired_audit_keys: tuple[bytes, ...] = field(default=(), repr=False)
    audit_anchor_file: Path | None = None
    audit_anchor_minutes: int = 15
    host: str = "127.0.0.1"
    port: int = 5620
    secure_cookies: bool = True
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    forget_interval_minutes: int = 10
    forwarded_allow_ips: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from ``CONSOLE_*`` variables (see the README)."""
        env = os.environ if env is None else env
        return cls(
            # Rasa's tracker store, named by Rasa's own variables in deployments.
            tracker_url=_database_url(
                env,
                url="CONSOLE_TRACKER_URL",
                parts="TRACKER_DB_",
                database="rasa",
                sqlite_file="conversations.db",
            ),
            database_url=_database_url(
                env,
                url="CONSOLE_DATABASE_URL",
                parts="CONSOLE_DB_",
                database="console",
                sqlite_file="console.db",
            ),
            safety_case=Path(
                env.get("CONSOLE_SAFETY_CASE", str(REPO / "reports" / "safety-case.md"))
            ),
            audit_key=audit_key_from_env(env),
            retired_audit_keys=retired_audit_keys_from_env(env),
            audit_anchor_file=Path(
                env.get("CONSOLE_AUDIT_ANCHOR_FILE") or AUDIT_ANCHOR_FILE
            ),
            audit_anchor_minutes=_positive(env, "CONSOLE_AUDIT_ANCHOR_MINUTES", 15),
            host=env.get("CONSOLE_HOST", "127.0.0.1"),
            port=int(env.get("CONSOLE_PORT", "5620")),
            secure_cookies=_flag(env.get("CONSOLE_SECURE_COOKIES", "1")),
            session_idle_minutes=int(env.get("CONSOLE_SESSION_IDLE_MINUTES", "30")),
            session_max_hours=int(env.get("CONSOLE_SESSION_MAX_HOURS", "12")),
            max_failed_logins=int(env.get("CONSOLE_MAX_FAILED_LOGINS", "5")),
            lockout_minutes=int(env.get("CONSOLE_LOCKOUT_MINUTES", "15")),
            forget_interval_minutes=int(
                env.get("CONSOLE_FORGET_INTERVAL_MINUTES", "10")
            ),
            forwarded_allow_ips=env.get("CONSOLE_FORWARDED_ALLOW_IPS", ""),
        )
