"""Each platform delivery is handled once: replayed and retried webhooks are dropped.

Telegram, Twilio, Messenger and Slack retry a webhook they think failed, and anyone who
captured a signed request can send it again: signatures prove who sent a request, not
that it is new. Each delivery carries an id (Telegram ``update_id``, Twilio
``MessageSid``, Messenger ``mid``, Slack ``event_id``); the connectors ask
:meth:`DeliveryLog.first_time` before handing a message to Rasa and answer a repeat
with the platform's ordinary success reply, so the platform stops retrying.

The log is kept in memory per Rasa instance for ``ttl`` seconds (platforms retry for
minutes, Slack's signature window is five), bounded in size.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_TTL_S = 24 * 60 * 60
DEFAULT_MAX_ENTRIES = 100_000


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
        """Record ``delivery_id`` of ``channel``; False when it was seen before.

        A delivery without an id (``None`` or empty) cannot be recognised and is
        always handled.
        """
        if delivery_id is None or delivery_id == "":
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


DELIVERIES = DeliveryLog()
"""The log the project's connectors share (one per Rasa process)."""
