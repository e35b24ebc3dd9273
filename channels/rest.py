"""Rasa's REST channel with its input checked: bad requests get 400, not a 500 or a guess.

Rasa 3.6's ``RestInput`` answers a JSON list body with a 500, files a message without
``sender`` under one shared ``default`` conversation, and answers a ``message`` that is
a list, a number or null with ``200 []``. ``RestSecureInput`` (same URL,
``/webhooks/rest/webhook``) refuses all of these with 400 and a JSON error naming the
problem, and, when a token is configured (``token`` in credentials.yml, usually
``${REST_TOKEN}``), requests without ``Authorization: Bearer <token>`` with 401.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from secret_checks import secrets_match

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
        """Create the channel: the token from credentials.yml, else ``REST_TOKEN``."""
        token = (credentials or {}).get("token") or os.environ.get(TOKEN_ENV)
        return cls(token=token)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's routes, behind the checks."""
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def check(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if self.token is not None:
                given = request.headers.get("Authorization", "")
                scheme, _, credential = given.partition(" ")
                if scheme.lower() != "bearer" or not secrets_match(
                    self.token, credential
                ):
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

        return webhook
