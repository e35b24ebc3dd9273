"""Rasa's REST channel with its input checked: bad requests get 400, not a 500 or a guess.

Rasa 3.6's ``RestInput`` answers a JSON list body with a 500, files a message without
``sender`` under one shared ``default`` conversation, and answers a ``message`` that is
a list, a number or null with ``200 []``. ``RestSecureInput`` (same URL,
``/webhooks/rest/webhook``) refuses all of these with 400 and a JSON error naming the
problem, and, when a token is configured (``token`` in credentials.yml, usually
``${REST_TOKEN}``, or the file ``REST_TOKEN_FILE`` names), requests without
``Authorization: Bearer <token>`` with 401. With ``require_token: true`` (the
deployments' ``deploy/credentials.prod.yml``) Rasa does not start without a token: a
deployment that forgot it would otherwise serve the webhook to anyone who reaches it.

Rasa's channel also files a message under the client's ``sender`` as it is and takes
the ``input_channel`` the client names, so a REST client could write into, and read
the replies of, any channel's conversation (``{"sender": "whatsapp:+44..."}``). Here
the conversation is ``rest:<sender>`` whatever the sender looks like
(``channels/conversation_id.py``), the input channel is always ``rest``, and the
replies carry the client's own ``sender`` as ``recipient_id``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from asyncio import CancelledError, Queue
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from channels.conversation_id import RepliesToPlatformId, conversation_id
from secret_checks import configured_secret, secrets_match

logger = logging.getLogger(__name__)

TOKEN_ENV = "REST_TOKEN"
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")
MAX_MESSAGE_CHARS = 20_000


def request_problem(body: Any) -> str | None:
    """What is wrong with a REST request body, or ``None`` when it can be served."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with 'sender' and 'message'"
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        return (
            "'sender' must be a string of 1-128 letters, digits or _ . : @ + -"
            " naming the conversation"
        )
    message = body.get("message")
    if not isinstance(message, str):
        return "'message' must be a string"
    if len(message) > MAX_MESSAGE_CHARS:
        return f"'message' is longer than {MAX_MESSAGE_CHARS} characters"
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return "'metadata' must be a JSON object"
    return None


class RestReplies(RepliesToPlatformId, CollectingOutputChannel):
    """The replies to one REST request, addressed to the client's ``sender``."""

    @classmethod
    def name(cls) -> str:
        """The REST channel's name: its conversations are ``rest:<sender>``."""
        return "rest"


class RestStreamedReplies(RepliesToPlatformId, QueueOutputChannel):
    """The replies to one REST request with ``?stream=true``, as they come."""

    @classmethod
    def name(cls) -> str:
        """The REST channel's name: its conversations are ``rest:<sender>``."""
        return "rest"


class RestTokenMissing(RasaException):
    """A deployment's REST channel was configured to require a token and has none."""


class RestSecureInput(RestInput):
    """The REST channel, with malformed requests refused and an optional bearer token."""

    def __init__(self, token: str | None = None) -> None:
        """Create the channel; with ``token``, requests must carry it."""
        self.token = token or None

    @classmethod
    def name(cls) -> str:
        """Same name, so the same URL, as Rasa's REST channel."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel: the token from credentials.yml, else ``REST_TOKEN``.

        ``REST_TOKEN_FILE`` may name a file holding it (a deployment's secret file).

        Raises:
            RestTokenMissing: ``require_token`` is set and there is no token.
        """
        settings = credentials or {}
        token = settings.get("token") or configured_secret(os.environ, TOKEN_ENV)
        if settings.get("require_token") and not token:
            raise RestTokenMissing(
                f"the REST channel requires a bearer token (require_token): set "
                f"{TOKEN_ENV}, or {TOKEN_ENV}_FILE to a file holding it"
            )
        return cls(token=token)

    def _refusal(self, request: Request) -> HTTPResponse | None:
        """401 without the token, 400 for a body that cannot be served, else None."""
        if self.token is not None:
            given = request.headers.get("Authorization", "")
            scheme, _, credential = given.partition(" ")
            if scheme.lower() != "bearer" or not secrets_match(self.token, credential):
                return response.json({"error": "unauthorized"}, status=401)
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return response.json({"error": "the body is not JSON"}, status=400)
        problem = request_problem(body)
        if problem is not None:
            logger.info("Refused a REST request: %s", problem)
            return response.json({"error": problem}, status=400)
        return None

    @staticmethod
    async def on_message_wrapper(
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        queue: Queue,
        sender_id: str,
        input_channel: str,
        metadata: dict[str, Any] | None,
    ) -> None:
        """Handle a streamed request's message; its replies go to ``queue``."""
        await on_new_message(
            UserMessage(
                text,
                RestStreamedReplies(queue),
                sender_id,
                input_channel=input_channel,
                metadata=metadata,
            )
        )
        await queue.put("DONE")

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's two routes, behind the checks, in the client's own conversation."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            body = request.json
            text = body["message"]
            conversation = conversation_id(self.name(), body["sender"])
            metadata = body.get("metadata")
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(
                        on_new_message, text, conversation, self.name(), metadata
                    ),
                    content_type="text/event-stream",
                )
            replies = RestReplies()
            message = UserMessage(
                text,
                replies,
                conversation,
                input_channel=self.name(),
                metadata=metadata,
            )
            # As Rasa's channel: a failed turn still answers with what was said.
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("A REST message was not handled in time.")
            except Exception:
                logger.exception("A REST message could not be handled.")
            return response.json(replies.messages)

        return webhook
