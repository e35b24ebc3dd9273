"""The console's one settings object, read from the environment when asked for.

Every setting has a ``CONSOLE_*`` variable; the defaults suit a laptop next to
``make run`` (the assistant's SQLite tracker store in ``var/``, the console's own
database beside it, the console on 127.0.0.1 only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _flag(value: str) -> bool:
    """Read a yes/no environment value."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """How the console runs.

    ``tracker_url`` is the SQLAlchemy URL of Rasa's tracker store, which the console only
    reads; ``database_url`` is the console's own database. ``secure_cookies`` may be
    turned off only for plain-HTTP development on localhost.
    """

    tracker_url: str
    database_url: str
    safety_case: Path
    host: str = "127.0.0.1"
    port: int = 5620
    secure_cookies: bool = True
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    forget_interval_minutes: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from ``CONSOLE_*`` variables (see the README)."""
        env = os.environ if env is None else env
        return cls(
            tracker_url=env.get(
                "CONSOLE_TRACKER_URL", f"sqlite:///{REPO / 'var' / 'conversations.db'}"
            ),
            database_url=env.get(
                "CONSOLE_DATABASE_URL", f"sqlite:///{REPO / 'var' / 'console.db'}"
            ),
            safety_case=Path(
                env.get("CONSOLE_SAFETY_CASE", str(REPO / "reports" / "safety-case.md"))
            ),
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
        )
