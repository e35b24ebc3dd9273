"""Small helpers shared by the connectors: outgoing HTTP and required credentials.

Incoming secrets are checked with ``secret_checks.secrets_match``.
"""

from __future__ import annotations

import asyncio
import json as json_module
import logging
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
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
    ``label`` names the platform in the message. The retry settings of the replies
    (``RetryPolicy.from_env``) are checked here too, so that a wrong one stops Rasa at
    start rather than a reply.
    """
    if not credentials:
        channel.raise_missing_credentials_exception()
        raise RasaException(f"The {label} channel has no credentials.")
    missing = [key for key in keys if not credentials.get(key)]
    if missing:
        raise RasaException(f"The {label} channel needs {', '.join(missing)}.")
    try:
        RetryPolicy.from_env(os.environ)
    except ValueError as error:
        raise RasaException(f"The {label} channel: {error}") from None
    return credentials


RETRY_STATUSES = frozenset({429, 503})
"""Answers that mean "refused, not processed: try again later": rate limited (Telegram,
Twilio, Slack and the Graph API document 429 so) or unavailable. A 500, 502 or 504 is
not among them: the platform, or the service behind a gateway, may have delivered the
message before it failed."""
ATTEMPTS_ENV = "PLATFORM_SEND_ATTEMPTS"
FIRST_DELAY_ENV = "PLATFORM_RETRY_DELAY_S"
MAX_DELAY_ENV = "PLATFORM_RETRY_MAX_DELAY_S"
CONNECT_TIMEOUT_ENV = "PLATFORM_CONNECT_TIMEOUT_S"
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class RetryPolicy:
    """How often a call the platform certainly did not process is made again.

    Retry ``n`` (1 for the first) waits ``first_delay_s * 2 ** (n - 1)``, at most
    ``max_delay_s``, jittered down by up to half so that instances refused together
    do not come back together; a platform's own wait (``Retry-After``, Telegram's
    ``retry_after``) is kept when it is no longer than ``max_delay_s``, and a longer
    one ends the attempts. ``connect_timeout_s`` bounds making the connection, before
    anything is sent.
    """

    attempts: int = 3
    first_delay_s: float = 0.5
    max_delay_s: float = 8.0
    connect_timeout_s: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RetryPolicy:
        """The policy the environment sets; the defaults for what it leaves unset.

        ``PLATFORM_SEND_ATTEMPTS``, ``PLATFORM_RETRY_DELAY_S``,
        ``PLATFORM_RETRY_MAX_DELAY_S``, ``PLATFORM_CONNECT_TIMEOUT_S``.

        Raises:
            ValueError: a value is not a number, attempts are not 1 to
                ``MAX_ATTEMPTS``, a delay is negative or the first is above the
                longest, or the connect timeout is not positive.
        """
        default = cls()
        try:
            policy = cls(
                attempts=int(environ.get(ATTEMPTS_ENV) or default.attempts),
                first_delay_s=float(
                    environ.get(FIRST_DELAY_ENV) or default.first_delay_s
                ),
                max_delay_s=float(environ.get(MAX_DELAY_ENV) or default.max_delay_s),
                connect_timeout_s=float(
                    environ.get(CONNECT_TIMEOUT_ENV) or default.connect_timeout_s
                ),
            )
        except ValueError as error:
            raise ValueError(f"platform retry settings: {error}") from None
        if not 1 <= policy.attempts <= MAX_ATTEMPTS:
            raise ValueError(f"{ATTEMPTS_ENV} must be 1 to {MAX_ATTEMPTS}")
        if not 0 <= policy.first_delay_s <= policy.max_delay_s:
            raise ValueError(
                f"{FIRST_DELAY_ENV} must be 0 or more and at most {MAX_DELAY_ENV}"
            )
        if policy.connect_timeout_s <= 0:
            raise ValueError(f"{CONNECT_TIMEOUT_ENV} must be more than 0")
        return policy

    def backoff_s(self, retry: int) -> float:
        """Seconds to wait before retry ``retry`` (1 for the first)."""
        backoff = min(self.first_delay_s * 2 ** (retry - 1), self.max_delay_s)
        return backoff - random.uniform(0, backoff / 2)

    def delay_s(self, retry: int, asked_s: float | None) -> float | None:
        """The wait the platform asks for, else the backoff; None when it asks longer."""
        if asked_s is None:
            return self.backoff_s(retry)
        return asked_s if asked_s <= self.max_delay_s else None


def asked_delay_s(headers: Mapping[str, str], body: Any) -> float | None:
    """The seconds a refusing platform asks to wait; None when it names none.

    ``Retry-After`` in seconds, or Telegram's ``parameters.retry_after``.
    """
    value: Any = headers.get("Retry-After")
    if value is None and isinstance(body, dict):
        value = (body.get("parameters") or {}).get("retry_after")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _connection_tracer(made: list[bool]) -> aiohttp.TraceConfig:
    """A trace that records in ``made`` when the call got a connection.

    Until then nothing of the request has been sent, so a failure or a timeout
    before it cannot have delivered anything.
    """

    async def connected(*_: Any) -> None:
        made.append(True)

    tracer = aiohttp.TraceConfig()
    tracer.on_connection_create_end.append(connected)
    tracer.on_connection_reuseconn.append(connected)
    return tracer


async def post(
    url: str,
    *,
    json: Any = None,
    data: Any = None,
    auth: aiohttp.BasicAuth | None = None,
    headers: dict[str, str] | None = None,
    description: str,
    retry: RetryPolicy | None = None,
) -> Any:
    """POST to a platform API and return its decoded JSON answer.

    A call the platform certainly did not process is made again, with backoff, up to
    ``retry.attempts`` times in all: one that got no connection (refused, or timed out
    before anything was sent), or one answered 429 or 503. Any other failure is
    reported at once: after the request went out (a timeout waiting for the answer, a
    dropped connection, a 500, 502 or 504) the platform may have delivered the
    message, and a person should not read it twice.

    Args:
        url: Full endpoint URL (it may contain a token, so it is never logged).
        json: JSON body.
        data: Form body.
        auth: Basic auth credentials.
        headers: Extra headers.
        description: What the call is for, used in logs and errors.
        retry: The retry policy; by default ``RetryPolicy.from_env(os.environ)``.

    Raises:
        PlatformError: On a non-2xx status, a timeout or a network failure.
        ValueError: The retry settings in the environment are invalid.
    """
    policy = retry or RetryPolicy.from_env(os.environ)
    timeout = aiohttp.ClientTimeout(
        total=REQUEST_TIMEOUT.total, connect=policy.connect_timeout_s
    )
    for attempt in range(1, policy.attempts + 1):
        last = attempt == policy.attempts
        connected: list[bool] = []
        try:
            async with (
                aiohttp.ClientSession(
                    timeout=timeout, trace_configs=[_connection_tracer(connected)]
                ) as session,
                session.post(
                    url, json=json, data=data, auth=auth, headers=headers
                ) as response,
            ):
                if response.status >= 300:
                    text = await response.text()
                    failure = (
                        f"{description} failed with HTTP {response.status}: "
                        f"{text[:200]}"
                    )
                    if response.status not in RETRY_STATUSES or last:
                        raise PlatformError(failure)
                    asked = asked_delay_s(response.headers, _json_or_none(text))
                    wait = policy.delay_s(attempt, asked)
                    if wait is None:
                        raise PlatformError(f"{failure} (asked to wait {asked:g} s)")
                    logger.warning(
                        "%s: HTTP %d, trying again in %.1f s",
                        description,
                        response.status,
                        wait,
                    )
                    await asyncio.sleep(wait)
                    continue
                if response.content_type == "application/json":
                    return await response.json()
                return await response.text()
        except (asyncio.TimeoutError, aiohttp.ClientError) as error:
            what = "timed out" if isinstance(error, asyncio.TimeoutError) else "failed"
            failure = f"{description} {what}: {error or type(error).__name__}"
            if connected or last:
                raise PlatformError(failure) from error
            wait = policy.backoff_s(attempt)
            logger.warning(
                "%s: nothing sent (%s), trying again in %.1f s",
                description,
                type(error).__name__,
                wait,
            )
            await asyncio.sleep(wait)
    raise PlatformError(f"{description} failed")  # not reached: attempts >= 1


def _json_or_none(text: str) -> Any:
    try:
        return json_module.loads(text)
    except ValueError:
        return None
