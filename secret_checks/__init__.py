"""The one check of a presented secret, for both servers.

Rasa's channels (``channels/``: the REST bearer token, Telegram's secret header, the
Messenger signature and verify token) and the action server's plug-in
(``rasa_sdk_plugins/``: Rasa's token) compare what a caller sent with the configured
secret here. The module imports only the standard library, so each server imports it
without the other's dependencies.
"""

from __future__ import annotations

import hmac


def secrets_match(expected: str, received: str | None) -> bool:
    """Compare a received secret with the expected one in constant time.

    An empty or missing secret on either side never matches.
    """
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))
