"""Telegram connector that checks the webhook secret and never calls out at start-up.

Rasa 3.6's own ``TelegramInput`` checks no secret, registers its webhook with
api.telegram.org while the server starts, and cannot be pointed at a test
server. ``TelegramSecureInput`` instead:

- refuses updates without the ``X-Telegram-Bot-Api-Secret-Token`` header that
  Telegram sends once the webhook was registered with ``secret_token``
  (401 when missing, 403 when wrong, compared in constant time);
- registers the webhook only on demand, with
  ``python -m channels.telegram_api set-webhook`` or an authenticated
  ``POST /webhooks/telegram/set_webhook``;
- talks to the Bot API through aiohttp at a configurable base URL
  (``channels/telegram_api.py``);
- renders buttons as an inline keyboard (presses come back as
  ``callback_query`` and are routed as the button's payload) or as a reply
  keyboard (the tapped title is mapped back to the payload).

Credentials (``credentials.yml`` key ``channels.telegram.TelegramSecureInput``):
``access_token``, ``secret_token``, optional ``webhook_url``,
``api_base_url`` (default https://api.telegram.org) and ``button_style``
(``inline`` or ``reply``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversation_id import RepliesToPlatformId, conversation_id
from channels.http import PlatformError, require_credentials
from channels.replay import DELIVERIES
from channels.telegram_api import (
    DEFAULT_API_BASE_URL,
    TelegramBotApi,
    validate_secret_token,
)
from channels.text import (
    TELEGRAM_LIMIT,
    OfferedOptions,
    button_title,
    neutralise_commands,
    send_in_parts,
)
from secret_checks import secrets_match

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BUTTON_STYLES = ("inline", "reply")
_CALLBACK_DATA_MAX_BYTES = 64
_START_COMMAND = "/start"
# What a person's first "/start" means to the assistant: a greeting.
_START_TEXT = "hello"


class TelegramSecureOutput(RepliesToPlatformId, OutputChannel):
    """Sends the assistant's replies to one Telegram chat (``telegram:<chat id>``)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel."""
        return "telegram"

    def __init__(
        self,
        api: TelegramBotApi,
        *,
        options: OfferedOptions,
        button_style: str = "inline",
    ) -> None:
        """Create the output channel.

        Args:
            api: Bot API client.
            options: Where offered buttons are remembered per chat.
            button_style: ``inline`` keyboard or ``reply`` keyboard.
        """
        self.api = api
        self.options = options
        self.button_style = button_style

    async def _send(self, method: str, payload: Mapping[str, Any]) -> None:
        try:
            await self.api.call(method, payload)
        except PlatformError as error:
            logger.error("Could not deliver a Telegram reply: %s", error)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send ``text``, split to Telegram's 4096-character limit."""
        await send_in_parts(text, TELEGRAM_LIMIT, self._text_sender(recipient_id))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send ``text`` with the buttons as a keyboard on its last part."""
        self.options.offer(recipient_id, buttons)

        async def with_keyboard(part: str) -> None:
            markup = keyboard_markup(buttons, style=self.button_style)
            body = {"chat_id": recipient_id, "text": part, "reply_markup": markup}
            await self._send("sendMessage", body)

        await send_in_parts(
            text,
            TELEGRAM_LIMIT,
            self._text_sender(recipient_id),
            with_keyboard,
            empty=" ".join(button_title(b) for b in buttons),
        )

    def _text_sender(self, recipient_id: str) -> Callable[[str], Awaitable[None]]:
        async def send(part: str) -> None:
            await self._send("sendMessage", {"chat_id": recipient_id, "text": part})

        return send

    async def send_image_url(
        self, recipient_id: str, image: str, **kwargs: Any
    ) -> None:
        """Send an image by URL."""
        await self._send("sendPhoto", {"chat_id": recipient_id, "photo": image})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Send a custom ``sendMessage`` body (``chat_id`` defaults to the chat)."""
        payload = {"chat_id": recipient_id, **json_message}
        await self._send("sendMessage", payload)

    async def answer_callback_query(self, callback_query_id: str) -> None:
        """Tell Telegram a button press was received (stops the client's spinner)."""
        await self._send(
            "answerCallbackQuery", {"callback_query_id": callback_query_id}
        )


def keyboard_markup(
    buttons: Sequence[Mapping[str, Any]], *, style: str = "inline"
) -> dict[str, Any]:
    """Render Rasa buttons as a Telegram ``reply_markup``.

    ``inline``: one row of inline buttons whose ``callback_data`` is the
    payload (or the option number when the payload exceeds Telegram's 64-byte
    limit). ``reply``: a one-time reply keyboard of the titles.
    """
    if style == "reply":
        return {
            "keyboard": [[{"text": button_title(b)} for b in buttons]],
            "one_time_keyboard": True,
            "resize_keyboard": True,
        }
    row = []
    for number, button in enumerate(buttons, start=1):
        payload = str(button.get("payload") or button_title(button))
        if len(payload.encode("utf-8")) > _CALLBACK_DATA_MAX_BYTES:
            payload = str(number)
        row.append({"text": button_title(button), "callback_data": payload})
    return {"inline_keyboard": [row]}


class TelegramSecureInput(InputChannel):
    """Telegram webhook that only accepts updates carrying the secret token."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel (its webhook is ``/webhooks/telegram/webhook``)."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel from its ``credentials.yml`` section."""
        credentials = require_credentials(
            cls, credentials, ("access_token",), "Telegram"
        )
        return cls(
            access_token=credentials["access_token"],
            secret_token=credentials.get("secret_token"),
            webhook_url=credentials.get("webhook_url") or None,
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_BASE_URL,
            button_style=credentials.get("button_style") or "inline",
        )

    def __init__(
        self,
        *,
        access_token: str,
        secret_token: str | None,
        webhook_url: str | None = None,
        api_base_url: str = DEFAULT_API_BASE_URL,
        button_style: str = "inline",
    ) -> None:
        """Create the channel; nothing is sent to Telegram here.

        Raises:
            RasaException: When the secret token is missing or malformed, or the
                button style is unknown.
        """
        if button_style not in BUTTON_STYLES:
            raise RasaException(
                f"Telegram button_style must be one of {BUTTON_STYLES}, "
                f"not {button_style!r}."
            )
        self.secret_token = validate_secret_token(secret_token)
        self.webhook_url = webhook_url
        self.button_style = button_style
        self.api = TelegramBotApi(access_token, api_base_url=api_base_url)
        self.options = OfferedOptions()

    def get_output_channel(self) -> TelegramSecureOutput:
        """Return an output channel that sends through the Bot API."""
        return TelegramSecureOutput(
            self.api, options=self.options, button_style=self.button_style
        )

    def _refusal(self, request: Request) -> HTTPResponse | None:
        """Return a 401/403 response unless the request carries the secret."""
        received = request.headers.get(SECRET_HEADER)
        if not received:
            logger.warning("Refused a Telegram update without the secret header.")
            return response.json({"error": "missing secret token"}, status=401)
        if not secrets_match(self.secret_token, received):
            logger.warning("Refused a Telegram update with a wrong secret token.")
            return response.json({"error": "wrong secret token"}, status=403)
        return None

    def _user_text(self, update: Mapping[str, Any]) -> tuple[str, str, str] | None:
        """Return ``(chat id, text for Rasa, callback id)`` or ``None`` to ignore.

        Only private chats are served: in a group every member would share
        one medical conversation. A chat id is an integer in the Bot API; an update
        with any other id is ignored.
        """
        callback = update.get("callback_query")
        if isinstance(callback, Mapping):
            chat = (callback.get("message") or {}).get("chat") or {}
            data = callback.get("data")
            if (
                chat.get("type") != "private"
                or not isinstance(chat.get("id"), int)
                or not isinstance(data, str)
                or "id" not in callback
            ):
                return None
            chat_id = str(chat["id"])
            payload = self.options.take_answer(chat_id, data)
            return chat_id, payload or neutralise_commands(data), str(callback["id"])

        message = update.get("message")
        if not isinstance(message, Mapping):
            return None
        chat = message.get("chat") or {}
        text = message.get("text")
        if (
            chat.get("type") != "private"
            or not isinstance(chat.get("id"), int)
            or not isinstance(text, str)
        ):
            return None
        chat_id = str(chat["id"])
        payload = self.options.take_answer(chat_id, text)
        if payload is not None:
            return chat_id, payload, ""
        if text.strip().split("@")[0] == _START_COMMAND:
            return chat_id, _START_TEXT, ""
        return chat_id, neutralise_commands(text), ""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Define the webhook routes."""
        telegram_webhook = Blueprint("telegram_secure_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/set_webhook", methods=["POST"])
        async def set_webhook(request: Request) -> HTTPResponse:
            authorization = request.headers.get("Authorization", "")
            token = authorization.removeprefix("Bearer ").strip()
            if not token:
                return response.json({"error": "missing bearer token"}, status=401)
            if not secrets_match(self.secret_token, token):
                return response.json({"error": "wrong bearer token"}, status=403)
            if not self.webhook_url:
                return response.json({"error": "no webhook_url configured"}, status=400)
            try:
                await self.api.set_webhook(
                    self.webhook_url, secret_token=self.secret_token
                )
            except PlatformError as error:
                logger.error("Telegram webhook registration failed: %s", error)
                return response.json({"error": "registration failed"}, status=502)
            logger.info("Telegram webhook registered.")
            return response.json({"status": "registered"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            try:
                update = json.loads(request.body or b"")
            except ValueError:
                return response.json({"error": "body is not JSON"}, status=400)
            if not isinstance(update, dict):
                return response.json({"error": "body is not an update"}, status=400)

            if not DELIVERIES.first_time(self.name(), update.get("update_id")):
                logger.info("Ignored a repeated Telegram update.")
                return response.json({"status": "duplicate"})
            turn = self._user_text(update)
            if turn is None:
                logger.debug("Ignored a Telegram update that is not a private text.")
                return response.json({"status": "ignored"})
            chat_id, text, callback_id = turn
            out_channel = self.get_output_channel()
            if callback_id:
                await out_channel.answer_callback_query(callback_id)
            await on_new_message(
                UserMessage(
                    text,
                    out_channel,
                    conversation_id(self.name(), chat_id),
                    input_channel=self.name(),
                )
            )
            return response.json({"status": "ok"})

        return telegram_webhook
