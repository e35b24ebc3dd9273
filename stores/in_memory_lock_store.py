"""Rasa's in-memory lock store, loaded from ``endpoints.yml`` to bring the project's checks.

``make run`` and the benchmark run one Rasa server, for which Rasa's default
``InMemoryLockStore`` is right. Naming this subclass instead in ``endpoints.yml``::

    lock_store:
      type: stores.in_memory_lock_store.InMemoryLockStore

keeps that behaviour and, when Rasa creates it at start-up, puts the cached check of
the action server's replies in place (``stores/action_replies.py``).
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import InMemoryLockStore as RasaInMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

from stores import action_replies, action_tracker


class InMemoryLockStore(RasaInMemoryLockStore):
    """``InMemoryLockStore`` that installs the cached action reply check."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, **kwargs: Any
    ) -> None:
        """Create the store (Rasa passes the endpoint config; it has no settings)."""
        super().__init__()
        action_replies.install()
        action_tracker.install()
