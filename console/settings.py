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

REPO = Path(__file__).resolve().parents[1]
AUDIT_KEY_FILE = REPO / "var" / "console-audit-key"
"""The audit key of a laptop's console, made on first use (deployments pass their own)."""
AUDIT_KEY_MIN_LENGTH = 32


def _flag(value: str) -> bool:
    """Read a yes/no environment value."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
    ``USER`` and ``PASSWORD``; with no host either, an SQLite file in ``var/``.
    """
    if env.get(url):
        return env[url]
    if env.get(f"{parts}HOST"):
        return postgres_url(env, parts, database=database)
    return f"sqlite:///{REPO / 'var' / sqlite_file}"


def audit_key_from_env(env: Mapping[str, str]) -> bytes:
    """The key that seals the audit log (``console/audit_chain.py``).

    ``CONSOLE_AUDIT_KEY``, or the file ``CONSOLE_AUDIT_KEY_FILE`` names (a Compose
    secret). With neither, ``var/console-audit-key`` (made on first use, owner-only),
    which suits a laptop only: there the key sits beside the database it protects.

    Raises:
        ValueError: the key is shorter than ``AUDIT_KEY_MIN_LENGTH`` characters.
    """
    if env.get("CONSOLE_AUDIT_KEY"):
        key = env["CONSOLE_AUDIT_KEY"]
    elif env.get("CONSOLE_AUDIT_KEY_FILE"):
        key = Path(env["CONSOLE_AUDIT_KEY_FILE"]).read_text(encoding="utf-8")
    else:
        if not AUDIT_KEY_FILE.is_file():
            AUDIT_KEY_FILE.parent.mkdir(exist_ok=True)
            AUDIT_KEY_FILE.touch(mode=0o600)
            AUDIT_KEY_FILE.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        key = AUDIT_KEY_FILE.read_text(encoding="utf-8")
    key = key.strip()
    if len(key) < AUDIT_KEY_MIN_LENGTH:
        raise ValueError(
            f"the audit key must have at least {AUDIT_KEY_MIN_LENGTH} characters"
        )
    return key.encode("utf-8")


@dataclass(frozen=True)
class Settings:
    """How the console runs.

    ``tracker_url`` is the SQLAlchemy URL of Rasa's tracker store, which the console only
    reads; ``database_url`` is the console's own database; ``audit_key`` seals its
    audit log. ``secure_cookies`` may be turned off only for plain-HTTP development on
    localhost. ``forwarded_allow_ips`` are the proxies (nginx) whose
    ``X-Forwarded-For`` names the client in the audit log; none by default.
    """

    tracker_url: str
    database_url: str
    safety_case: Path
    audit_key: bytes = field(default=b"", repr=False)
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
