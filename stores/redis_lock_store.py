"""A Redis lock store whose ticket updates are atomic across Rasa instances.

Rasa 3.6's ``RedisLockStore`` changes a conversation's ticket lock with a GET followed by
a SET. When two instances take a ticket for the same conversation at the same moment,
both can read the same lock and write it back with the same ticket number; both then
believe they are first in line and process the conversation at once, and the second
save drops the first one's events (``tests/deploy/test_cluster_conversations.py`` saw a
user message vanish this way). Here every read-modify-write runs in a Redis optimistic
transaction (WATCH/MULTI/EXEC, retried on conflict), so tickets are unique and a
conversation is served by one instance at a time. Creating it also puts the cached
check of the action server's replies in place (``stores/action_replies.py``).

Use it in ``endpoints.yml``::

    lock_store:
      type: stores.redis_lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      ...same keys as for ``type: redis``
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from stores import action_replies, action_tracker

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket issue, expiry and release."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, **kwargs: Any
    ) -> None:
        """Create the store from an endpoint config (as Rasa does) or keyword arguments."""
        if endpoint_config is not None:
            kwargs = {
                "host": endpoint_config.url or "localhost",
                **endpoint_config.kwargs,
            }
            kwargs.pop("type", None)
        super().__init__(**kwargs)
        # Rasa creates the lock store from endpoints.yml at start-up: the one place
        # it loads project code into the server, so the cached reply check goes here.
        action_replies.install()
        action_tracker.install()

    def _transact(
        self,
        conversation_id: str,
        change: Callable[[TicketLock], T],
        *,
        create: bool,
    ) -> T | None:
        """Apply ``change`` to the stored lock atomically; delete the lock once empty.

        Returns ``change``'s result, or None when there is no lock and ``create`` is false.
        """
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored:
                        lock = TicketLock.from_dict(json.loads(stored))
                    elif create:
                        lock = TicketLock(conversation_id)
                    else:
                        pipe.unwatch()
                        return None
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
    ) -> int:
        """Issue the next ticket of the conversation's lock (atomically)."""
        ticket = self._transact(
            conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True
        )
        assert ticket is not None
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        """Remove expired tickets (atomically)."""
        self._transact(
            conversation_id, lambda lock: lock.remove_expired_tickets(), create=False
        )

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove ``ticket_number`` from the lock (atomically)."""
        self._transact(
            conversation_id,
            lambda lock: lock.remove_ticket_for(ticket_number),
            create=False,
        )

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release ``ticket_number``; the lock disappears with its last ticket."""
        self.finish_serving(conversation_id, ticket_number)
