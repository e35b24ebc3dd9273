"""Facebook Messenger through Rasa's ``FacebookInput``, with real refusals.

Rasa 3.6's connector answers a request with a bad ``X-Hub-Signature`` with
200 "not validated", compares the signature with ``==``, lets the header
choose any hashlib algorithm (``md5=...`` included) and sends through the
blocking ``requests`` client at a fixed Graph API URL. ``FacebookSecureInput``
keeps Rasa's message parsing but:

- accepts only ``X-Hub-Signature-256`` (``sha256=``), compared in constant time;
  401 when it is missing (Meta sends it with every request; the legacy SHA-1
  ``X-Hub-Signature`` alone is not enough), 403 when wrong;
- checks the subscription ``hub.verify_token`` in constant time (403 if wrong);
- sends through aiohttp to a configurable Graph API base URL;
- splits replies to Messenger's 2000 characters (640 for the text of a button
  template, which carries up to three buttons; more become quick replies).

Credentials (``credentials.yml`` key ``channels.facebook.FacebookSecureInput``):
Rasa's ``verify``, ``secret``, ``page-access-token``, plus ``graph_base_url``
(default https://graph.facebook.com/v17.0).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversation_id import (
    ConversationIdError,
    RepliesToPlatformId,
    conversation_id,
)
from channels.http import PlatformError, post, require_credentials
from channels.replay import DELIVERIES
from channels.text import (
    MESSENGER_BUTTON_TEXT_LIMIT,
    MESSENGER_LIMIT,
    button_title,
    neutralise_commands,
    send_in_parts,
)
from secret_checks import secrets_match

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_BASE_URL = "https://graph.facebook.com/v17.0"
_MAX_TEMPLATE_BUTTONS = 3
_MAX_QUICK_REPLIES = 13
SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE_PREFIX = "sha256="


def hub_signature_valid(
    app_secret: str, body: bytes, headers: Mapping[str, str]
) -> bool:
    """Return whether ``body`` carries a valid ``X-Hub-Signature-256`` (HMAC-SHA256).

    No other header or algorithm is accepted.
    """
    value = headers.get(SIGNATURE_HEADER)
    if value is None or not value.startswith(_SIGNATURE_PREFIX):
        return False
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256)
    return secrets_match(digest.hexdigest(), value[len(_SIGNATURE_PREFIX) :])


class FacebookSecureOutput(RepliesToPlatformId, OutputChannel):
    """Sends the assistant's replies through the Messenger Send API over aiohttp.

    A conversation ``messenger:<PSID>`` is answered at the page-scoped id ``<PSID>``.
    """

    @classmethod
    def name(cls) -> str:
        """Name of the channel."""
        return "facebook"

    def __init__(self, page_access_token: str, *, graph_base_url: str) -> None:
        """Create the output channel for the page with ``page_access_token``."""
        self._page_access_token = page_access_token
        self.messages_url = f"{graph_base_url.rstrip('/')}/me/messages"

    async def _send(self, recipient_id: str, message: Mapping[str, Any]) -> None:
        body = {
            "recipient": {"id": recipient_id},
            "messaging_type": "RESPONSE",
            "message": dict(message),
        }
        try:
            await post(
                f"{self.messages_url}?access_token={self._page_access_token}",
                json=body,
                description="Messenger send",
            )
        except PlatformError as error:
            logger.error("Could not deliver a Messenger reply: %s", error)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send ``text`` split to Messenger's 2000-character limit."""
        await send_in_parts(text, MESSENGER_LIMIT, self._text_sender(recipient_id))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send a button template (up to 3 buttons) or quick replies (more)."""
        if len(buttons) > _MAX_TEMPLATE_BUTTONS:
            await self.send_quick_replies(recipient_id, text, buttons)
            return
        template_buttons = [
            {
                "type": "postback",
                "title": button_title(button)[:20],
                "payload": str(button.get("payload") or button_title(button)),
            }
            for button in buttons
        ]

        async def with_template(part: str) -> None:
            template = {
                "template_type": "button",
                "text": part,
                "buttons": template_buttons,
            }
            attachment = {"type": "template", "payload": template}
            await self._send(recipient_id, {"attachment": attachment})

        await send_in_parts(
            text,
            MESSENGER_LIMIT,
            self._text_sender(recipient_id),
            with_template,
            tail_limit=MESSENGER_BUTTON_TEXT_LIMIT,
        )

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send ``text`` with quick replies on its last part."""
        replies = [
            {
                "content_type": "text",
                "title": button_title(reply)[:20],
                "payload": str(reply.get("payload") or button_title(reply)),
            }
            for reply in quick_replies[:_MAX_QUICK_REPLIES]
        ]

        async def with_replies(part: str) -> None:
            await self._send(recipient_id, {"text": part, "quick_replies": replies})

        await send_in_parts(
            text, MESSENGER_LIMIT, self._text_sender(recipient_id), with_replies
        )

    def _text_sender(self, recipient_id: str) -> Callable[[str], Awaitable[None]]:
        async def send(part: str) -> None:
            await self._send(recipient_id, {"text": part})

        return send

    async def send_image_url(
        self, recipient_id: str, image: str, **kwargs: Any
    ) -> None:
        """Send an image attachment by URL."""
        await self._send(
            recipient_id,
            {"attachment": {"type": "image", "payload": {"url": image}}},
        )

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a generic template."""
        await self._send(
            recipient_id,
            {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "generic", "elements": list(elements)},
                }
            },
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Send a custom Send API ``message`` object."""
        await self._send(recipient_id, json_message)


class _SecureMessenger(Messenger):
    """Rasa's webhook parsing, replying through ``FacebookSecureOutput``."""

    def __init__(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        output: FacebookSecureOutput,
    ) -> None:
        self.on_new_message = on_new_message
        self.output = output
        self.last_message: dict[str, Any] = {}

    async def message(
        self, message: dict[str, Any], metadata: dict[str, Any] | None
    ) -> None:
        """Route quick-reply payloads as they are; typed text goes through NLU.

        A message whose ``mid`` was handled before (a retry, a replay) is dropped.
        """
        mid = (message.get("message") or message.get("postback") or {}).get("mid")
        if not DELIVERIES.first_time("facebook", mid):
            logger.info("Ignored a repeated Messenger message.")
            return
        if not self._is_quick_reply_message(message) and self._is_user_message(message):
            message = {
                **message,
                "message": {
                    **message["message"],
                    "text": neutralise_commands(message["message"]["text"]),
                },
            }
        await super().message(message, metadata)

    async def _handle_user_message(
        self, text: str, sender_id: str, metadata: dict[str, Any] | None
    ) -> None:
        """File the message under ``messenger:<PSID>``; without a usable PSID, drop it."""
        try:
            conversation = conversation_id(self.name(), sender_id)
        except ConversationIdError as error:
            logger.warning("Ignored a Messenger message: %s", error)
            return
        await self.on_new_message(
            UserMessage(text, self.output, conversation, input_channel=self.name())
        )


class FacebookSecureInput(FacebookInput):
    """Messenger webhook that refuses unsigned requests with 401/403."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel from its ``credentials.yml`` section."""
        credentials = require_credentials(
            cls, credentials, ("verify", "secret", "page-access-token"), "Messenger"
        )
        channel = cls(
            credentials["verify"],
            credentials["secret"],
            credentials["page-access-token"],
        )
        channel.graph_base_url = (
            credentials.get("graph_base_url") or DEFAULT_GRAPH_BASE_URL
        )
        return channel

    graph_base_url: str = DEFAULT_GRAPH_BASE_URL

    def get_output_channel(self) -> OutputChannel:
        """Return an output channel for the page."""
        return FacebookSecureOutput(
            self.fb_access_token, graph_base_url=self.graph_base_url
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Define the verification and webhook routes."""
        fb_webhook = Blueprint("fb_secure_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if secrets_match(self.fb_verify, request.args.get("hub.verify_token")):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning(
                "Refused a Messenger subscription with a wrong verify token."
            )
            return response.text("invalid verify token", status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not request.headers.get(SIGNATURE_HEADER):
                logger.warning("Refused a Messenger request without a signature.")
                return response.text("missing signature", status=401)
            if not hub_signature_valid(self.fb_secret, request.body, request.headers):
                logger.warning("Refused a Messenger request with a wrong signature.")
                return response.text("wrong signature", status=403)
            payload = request.json
            if not isinstance(payload, dict) or not isinstance(
                payload.get("entry"), list
            ):
                return response.text("not a Messenger event", status=400)
            messenger = _SecureMessenger(on_new_message, self.get_output_channel())
            await messenger.handle(payload, None)
            return response.text("success")

        return fb_webhook
