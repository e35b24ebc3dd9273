"""Each platform delivery is handled once: replayed and retried webhooks are dropped.

Telegram, Twilio, Messenger and Slack retry a webhook they think failed, and anyone who
captured a signed request can send it again: signatures prove who sent a request, not
that it is new. Each delivery carries an id (Telegram ``update_id``, Twilio
``MessageSid``, Messenger ``mid``, Slack ``event_id``); the connectors ask
:meth:`DeliveryLog.first_time` before handing a message to Rasa and answer a repeat
with the platform's ordinary success reply, so the platform stops retrying.

Ids are kept for ``ttl`` seconds (platforms retry for minutes, Slack's signature
window is five). With several Rasa instances behind one webhook URL a retry may reach
another instance, so a deployment keeps the log in its Redis (``REDIS_HOST``,
``REDIS_PORT``, ``REDIS_PASSWORD``: the lock store's settings, ``SET NX EX`` is atomic);
without Redis, or while Redis cannot be reached, each process keeps its own log in
memory, bounded in size: a message is never dropped because the log is unavailable.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import redis

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 24 * 60 * 60
DEFAULT_MAX_ENTRIES = 100_000


def recognisable(delivery_id: object) -> bool:
    """Whether a delivery has an id: one without (``None`` or empty) is always handled."""
    return delivery_id is not None and delivery_id != ""


class DeliveryLog:
    """The delivery ids seen in the last ``ttl`` seconds (at most ``max_entries``)."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start empty."""
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    def first_time(self, channel: str, delivery_id: object) -> bool:
        """Record ``delivery_id`` of ``channel``; False when it was seen before."""
        if not recognisable(delivery_id):
            return True
        now = self._clock()
        self._forget_expired(now)
        key = (channel, str(delivery_id))
        if key in self._seen:
            return False
        self._seen[key] = now + self.ttl
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
        return True

    def _forget_expired(self, now: float) -> None:
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires > now:
                break
            del self._seen[key]


KEY_PREFIX = "hamstring:delivery:"
REDIS_DB = 2
"""Apart from the lock store's database (``deploy/endpoints.prod.yml``: db 1)."""


class RedisDeliveryLog:
    """The delivery log in Redis, shared by every instance; memory while it is down."""

    def __init__(self, client: Any, *, ttl: float = DEFAULT_TTL_S) -> None:
        """Use ``client`` (a ``redis.Redis``); ``fallback`` serves while it fails."""
        self.client = client
        self.ttl = ttl
        self.fallback = DeliveryLog(ttl=ttl)

    def first_time(self, channel: str, delivery_id: object) -> bool:
        """Record ``delivery_id`` of ``channel``; False when any instance saw it."""
        if not recognisable(delivery_id):
            return True
        key = f"{KEY_PREFIX}{channel}:{delivery_id}"
        try:
            return bool(self.client.set(key, 1, nx=True, ex=int(self.ttl)))
        except (redis.RedisError, OSError) as error:
            logger.warning(
                "delivery log in Redis unavailable (%s)", type(error).__name__
            )
            return self.fallback.first_time(channel, delivery_id)


def delivery_log(environ: Mapping[str, str]) -> DeliveryLog | RedisDeliveryLog:
    """The deployment's shared log when ``REDIS_HOST`` is set, else one in memory."""
    host = environ.get("REDIS_HOST")
    if not host:
        return DeliveryLog()
    client = redis.Redis(
        host=host,
        port=int(environ.get("REDIS_PORT") or 6379),
        password=environ.get("REDIS_PASSWORD") or None,
        db=REDIS_DB,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
    )
    return RedisDeliveryLog(client)


DELIVERIES = delivery_log(os.environ)
"""The log the project's connectors share."""
