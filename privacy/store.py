"""Access to the conversation store that Rasa's ``SQLTrackerStore`` writes.

The database is named by a SQLAlchemy URL. ``tracker_db_url`` builds it from the same
environment variables that ``deploy/endpoints.prod.yml`` reads, so the retention job, the
action server and Rasa itself always point at one database. Nothing connects at import.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)
"""Rasa 3.6's ``events`` table: one row per event, the event itself as JSON in ``data``.

Rasa owns and creates it; the privacy code and the safety console (``console/``, which
imports this module in its own environment: it needs only SQLAlchemy) read it from here.
"""

_METADATA = sa.MetaData()

ERASURE_REQUESTS = sa.Table(
    "privacy_erasure_requests",
    _METADATA,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("requested_at", sa.Float, nullable=False),
)
"""Deletions asked for during a turn; cleared once done (the retention job retries them)."""


class StoreNotConfigured(RuntimeError):
    """Raised when no tracker store database is configured."""


def tracker_db_url(env: Mapping[str, str] | None = None) -> str:
    """Return the tracker store's SQLAlchemy URL from the environment.

    ``TRACKER_DB_URL`` wins when set (for example ``sqlite:///rasa.db``). Otherwise the URL
    is built from ``TRACKER_DB_HOST``, ``TRACKER_DB_PORT``, ``TRACKER_DB_NAME``,
    ``TRACKER_DB_USER`` and ``TRACKER_DB_PASSWORD`` (PostgreSQL), the variables that
    ``deploy/endpoints.prod.yml`` expands.

    Raises:
        StoreNotConfigured: neither form is set.
    """
    env = os.environ if env is None else env
    if env.get("TRACKER_DB_URL"):
        return env["TRACKER_DB_URL"]
    if not env.get("TRACKER_DB_HOST"):
        raise StoreNotConfigured(
            "set TRACKER_DB_URL, or TRACKER_DB_HOST/PORT/NAME/USER/PASSWORD"
        )
    return postgres_url(env, "TRACKER_DB_", database="rasa")


def postgres_url(env: Mapping[str, str], prefix: str, *, database: str) -> str:
    """A PostgreSQL URL from ``<prefix>HOST``, ``PORT``, ``NAME``, ``USER``, ``PASSWORD``.

    The password is quoted as a URL needs it, whatever characters it holds. The safety
    console names its own database this way (``CONSOLE_DB_*``).

    Args:
        env: the variables (``<prefix>HOST`` must be set).
        prefix: what the variables' names start with, e.g. ``TRACKER_DB_``.
        database: the database when ``<prefix>NAME`` is unset.
    """
    url = URL.create(
        "postgresql",
        username=env.get(f"{prefix}USER") or None,
        password=env.get(f"{prefix}PASSWORD") or None,
        host=env[f"{prefix}HOST"],
        port=int(env.get(f"{prefix}PORT") or 5432),
        database=env.get(f"{prefix}NAME") or database,
    )
    return url.render_as_string(hide_password=False)


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """Return a pooled engine for ``url`` (one per URL and process)."""
    return sa.create_engine(url, pool_pre_ping=True, future=True)


def resolve_engine(db_url: str | None = None) -> Engine:
    """Return the engine for ``db_url``, or for the URL configured in the environment."""
    return engine_for(db_url or tracker_db_url())


def ensure_privacy_tables(engine: Engine) -> None:
    """Create the privacy bookkeeping table if it does not exist yet."""
    _METADATA.create_all(engine, checkfirst=True)


def has_events_table(engine: Engine) -> bool:
    """Tell whether Rasa has created its ``events`` table in this database."""
    return sa.inspect(engine).has_table("events")
