"""Slack through Rasa's ``SlackInput``, with proper refusals and split replies.

Rasa's connector already checks ``X-Slack-Signature`` (HMAC-SHA256 of the body
with the signing secret, timestamp within five minutes) but answers a forged
request with 400, which looks like a client bug rather than a refusal. This
subclass answers 401 before Rasa's handler runs, takes the Web API base URL
from configuration (so tests can use a local fake) and splits replies to
Slack's 3000-character limit for text and section blocks. A reply Slack does not take
(still rate limited after the retries, an error, no answer) is logged without its text
and dropped, as the other connectors do: Rasa stores a turn only after its replies are
sent, so an error escaping here would lose the person's message too.

Credentials (``credentials.yml`` key ``channels.slack.SlackSecureInput``): Rasa's
``slack_token``, ``slack_signing_secret``, ``slack_channel`` and the rest, plus
``api_base_url`` (default https://slack.com/api/).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from channels.conversation_id import (
    ConversationIdError,
    RepliesToPlatformId,
    conversation_id,
)
from channels.http import RetryPolicy, asked_delay_s
from channels.replay import DELIVERIES
from channels.text import SLACK_LIMIT, send_in_parts

logger = logging.getLogger(__name__)


def _event_id(request: Request) -> str | None:
    """The Events API delivery id of a Slack request (``None`` for other requests)."""
    if "json" not in (request.content_type or ""):
        return None
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Rasa's handler answers a malformed body
        return None
    event_id = body.get("event_id") if isinstance(body, dict) else None
    return event_id if isinstance(event_id, str) else None


DEFAULT_API_BASE_URL = "https://slack.com/api/"


class UnsentRetryHandler(AsyncRetryHandler):
    """Slack calls made again only when Slack certainly did not post them.

    slack_sdk's default handler retries a dropped or reset connection, which may come
    after Slack posted the message: the person would read it twice. This one retries
    a call that got no connection, or that Slack answered 429 (rate limited: not
    processed, and Slack says how long to wait), as ``channels/http.py`` does for the
    other platforms and with its settings (``RetryPolicy``).
    """

    def __init__(self, policy: RetryPolicy) -> None:
        """Retry up to ``policy.attempts`` attempts in all."""
        super().__init__(max_retry_count=policy.attempts - 1)
        self.policy = policy

    def _wait_s(self, state: RetryState, response: HttpResponse | None) -> float | None:
        if response is None:
            return self.policy.backoff_s(state.current_attempt + 1)
        headers = {name: values[0] for name, values in response.headers.items()}
        asked = asked_delay_s(
            {name.title(): value for name, value in headers.items()}, None
        )
        return self.policy.delay_s(state.current_attempt + 1, asked)

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, aiohttp.ClientConnectorError):
            return True
        rate_limited = response is not None and response.status_code == 429
        return rate_limited and self._wait_s(state, response) is not None

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Wait the backoff, or as long as Slack asked, then try again."""
        state.next_attempt_requested = True
        wait = self._wait_s(state, response) or 0.0
        logger.warning("Slack call not processed, trying again in %.1f s", wait)
        await asyncio.sleep(wait)
        state.increment_current_attempt()


class SlackSecureOutput(RepliesToPlatformId, SlackBot):
    """Rasa's Slack output, with a configurable API URL and split replies.

    Replies go to the Slack channel the message came from; a conversation
    ``slack:<user id>`` is answered at ``<user id>`` only when there is none.
    """

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        *,
        api_base_url: str = DEFAULT_API_BASE_URL,
    ) -> None:
        """Create the output channel talking to ``api_base_url``."""
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(
            token,
            proxy=proxy,
            base_url=api_base_url,
            retry_handlers=[UnsentRetryHandler(RetryPolicy.from_env(os.environ))],
        )

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        """Post one message (every reply goes through here); a failure is logged.

        The log names the failure, never the message, as ``channels/http.py``'s
        ``PlatformError`` does for the other platforms.
        """
        try:
            await super()._post_message(channel, **kwargs)
        except SlackApiError as error:
            data = error.response.data
            reason = data.get("error") if isinstance(data, dict) else None
            logger.error(
                "Could not deliver a Slack reply: HTTP %s (%s)",
                error.response.status_code,
                reason or "no error given",
            )
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Could not deliver a Slack reply: %s", type(error).__name__)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send ``text`` split to Slack's limit, in order."""
        recipient = self.slack_channel or recipient_id

        async def send(part: str) -> None:
            await self._post_message(
                channel=recipient, as_user=True, text=part, type="mrkdwn"
            )

        await send_in_parts(text, SLACK_LIMIT, send)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send ``text`` split to Slack's limit, buttons on the last part."""

        async def send(part: str) -> None:
            await self.send_text_message(recipient_id, part)

        async def with_buttons(part: str) -> None:
            await super(SlackSecureOutput, self).send_text_with_buttons(
                recipient_id, part, buttons, **kwargs
            )

        await send_in_parts(text, SLACK_LIMIT, send, with_buttons, empty="")


class SlackSecureInput(SlackInput):
    """Rasa's Slack input, refusing unsigned requests with 401."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel from its ``credentials.yml`` section."""
        if not credentials:
            cls.raise_missing_credentials_exception()
            raise RasaException("The Slack channel has no credentials.")
        channel = super().from_credentials(credentials)
        channel.api_base_url = credentials.get("api_base_url") or DEFAULT_API_BASE_URL
        return channel

    api_base_url: str = DEFAULT_API_BASE_URL

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's routes, behind a signature check that answers 401."""
        slack_webhook = super().blueprint(on_new_message)

        @slack_webhook.middleware("request")
        async def refuse_unsigned(request: Request) -> HTTPResponse | None:
            if (
                request.method == "POST"
                and request.path.endswith("/webhook")
                and not self.is_request_from_slack_authentic(request)
            ):
                logger.warning("Refused a Slack request with a bad signature.")
                return response.text("invalid signature", status=401)
            if request.method == "POST" and request.path.endswith("/webhook"):
                event_id = _event_id(request)
                if not DELIVERIES.first_time(self.name(), event_id):
                    logger.info("Ignored a repeated Slack event.")
                    return response.text("")
            return None

        return slack_webhook

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        """Rasa's handling, with the message filed under ``slack:<sender id>``.

        ``sender_id`` is Rasa's Slack conversation id (the user, or user and channel
        with ``conversation_granularity``); a message without one is dropped.
        """
        try:
            conversation = conversation_id(self.name(), sender_id or "")
        except ConversationIdError as error:
            logger.warning("Ignored a Slack message: %s", error)
            return response.text("")
        return await super().process_message(
            request, on_new_message, text, conversation, metadata
        )

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        """Return the Slack output channel for ``channel`` and ``thread_id``."""
        return SlackSecureOutput(
            self.slack_token,
            channel or self.slack_channel,
            thread_id,
            self.proxy,
            api_base_url=self.api_base_url,
        )
