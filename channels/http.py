"""Small helpers shared by the connectors: outgoing HTTP and required credentials.

Incoming secrets are checked with ``secret_checks.secrets_match``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

# Platforms retry webhooks that take long, so an outgoing call must not hang.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)


class PlatformError(RuntimeError):
    """A platform API refused or failed a request."""


def require_credentials(
    channel: Any, credentials: dict[str, Any] | None, keys: tuple[str, ...], label: str
) -> dict[str, Any]:
    """Return ``credentials`` when every key in ``keys`` is set, else raise.

    ``channel`` is the input channel class (its own exception for a missing section);
    ``label`` names the platform in the message.
    """
    if not credentials:
        channel.raise_missing_credentials_exception()
        raise RasaException(f"The {label} channel has no credentials.")
    missing = [key for key in keys if not credentials.get(key)]
    if missing:
        raise RasaException(f"The {label} channel needs {', '.join(missing)}.")
    return credentials


RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Answers that mean "not processed, try again" (rate limit, gateway trouble)."""
RETRY_DELAY_S = 1.0


async def post(
    url: str,
    *,
    json: Any = None,
    data: Any = None,
    auth: aiohttp.BasicAuth | None = None,
    headers: dict[str, str] | None = None,
    description: str,
    attempts: int = 2,
) -> Any:
    """POST to a platform API and return its decoded JSON answer.

    A call the platform certainly did not process (no connection, or HTTP 429 / 502 /
    503 / 504) is tried again after a second, ``attempts`` times in all. A timeout is
    not retried: the platform may have delivered the message, and a person should not
    read it twice.

    Args:
        url: Full endpoint URL (it may contain a token, so it is never logged).
        json: JSON body.
        data: Form body.
        auth: Basic auth credentials.
        headers: Extra headers.
        description: What the call is for, used in logs and errors.
        attempts: How many times to try a call that was not processed.

    Raises:
        PlatformError: On a non-2xx status, a timeout or a network failure.
    """
    for attempt in range(1, attempts + 1):
        last = attempt == attempts
        try:
            async with (
                aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session,
                session.post(
                    url, json=json, data=data, auth=auth, headers=headers
                ) as response,
            ):
                if response.status in RETRY_STATUSES and not last:
                    logger.warning(
                        "%s: HTTP %d, trying again", description, response.status
                    )
                    await asyncio.sleep(RETRY_DELAY_S)
                    continue
                if response.status >= 300:
                    body = await response.text()
                    raise PlatformError(
                        f"{description} failed with HTTP {response.status}: "
                        f"{body[:200]}"
                    )
                if response.content_type == "application/json":
                    return await response.json()
                return await response.text()
        except asyncio.TimeoutError as error:
            raise PlatformError(f"{description} timed out") from error
        except aiohttp.ClientConnectorError as error:
            if last:
                raise PlatformError(f"{description} failed: {error}") from error
            logger.warning("%s: no connection, trying again", description)
            await asyncio.sleep(RETRY_DELAY_S)
        except aiohttp.ClientError as error:
            raise PlatformError(f"{description} failed: {error}") from error
    raise PlatformError(f"{description} failed")  # attempts < 1
