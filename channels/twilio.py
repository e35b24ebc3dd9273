"""Twilio SMS and WhatsApp connector that checks ``X-Twilio-Signature``.

Rasa 3.6's own ``TwilioInput`` accepts any POST as a message from any number
and sends through the Twilio SDK at a fixed URL. ``TwilioSecureInput``:

- validates ``X-Twilio-Signature`` with ``twilio.request_validator.RequestValidator``
  against the configured public webhook URL (401 when missing, 403 when wrong);
- replies through the Messages API (``POST /2010-04-01/Accounts/{sid}/Messages.json``,
  form-encoded, basic auth) at a configurable base URL, from the number the
  person wrote to (SMS number or ``whatsapp:`` sender);
- renders buttons as numbered options ("1. Yes  2. No  3. Not sure") and maps
  an answer given as the number or the words back to the button's payload.

Credentials (``credentials.yml`` key ``channels.twilio.TwilioSecureInput``):
``account_sid``, ``auth_token``, ``webhook_url`` (the exact public URL set in
the Twilio console), optional ``twilio_number``, ``whatsapp_number``,
``messaging_service_sid``, ``api_base_url`` (default https://api.twilio.com),
``sms_max_chars`` and ``whatsapp_max_chars``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.conversation_id import (
    ConversationIdError,
    RepliesToPlatformId,
    conversation_id,
)
from channels.http import PlatformError, post, require_credentials
from channels.replay import DELIVERIES
from channels.text import (
    SMS_LIMIT,
    WHATSAPP_LIMIT,
    OfferedOptions,
    neutralise_commands,
    render_numbered_options,
    send_in_parts,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
SIGNATURE_HEADER = "X-Twilio-Signature"
WHATSAPP_PREFIX = "whatsapp:"
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioSecureOutput(RepliesToPlatformId, OutputChannel):
    """Sends the assistant's replies by SMS or WhatsApp through the Messages API.

    A conversation ``twilio:<From>`` is answered at ``<From>``: ``+1...`` by SMS,
    ``whatsapp:+1...`` on WhatsApp.
    """

    @classmethod
    def name(cls) -> str:
        """Name of the channel."""
        return "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        api_base_url: str,
        sender: str | None,
        messaging_service_sid: str | None,
        options: OfferedOptions,
        sms_max_chars: int = SMS_LIMIT,
        whatsapp_max_chars: int = WHATSAPP_LIMIT,
    ) -> None:
        """Create the output channel.

        Args:
            account_sid: Twilio account SID.
            auth_token: Twilio auth token (basic-auth password).
            api_base_url: Messages API base URL.
            sender: ``From`` number (``whatsapp:+...`` for WhatsApp), if any.
            messaging_service_sid: Used instead of ``sender`` when there is none.
            options: Where offered buttons are remembered per sender.
            sms_max_chars: Longest SMS body.
            whatsapp_max_chars: Longest WhatsApp body.
        """
        self.account_sid = account_sid
        self._auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.messages_url = f"{api_base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.sender = sender
        self.messaging_service_sid = messaging_service_sid
        self.options = options
        self.sms_max_chars = sms_max_chars
        self.whatsapp_max_chars = whatsapp_max_chars

    def limit_for(self, recipient_id: str) -> int:
        """Return the body limit for ``recipient_id`` (WhatsApp or SMS)."""
        if recipient_id.startswith(WHATSAPP_PREFIX):
            return self.whatsapp_max_chars
        return self.sms_max_chars

    async def _send_body(self, recipient_id: str, body: str) -> None:
        form = {"To": recipient_id, "Body": body}
        if self.sender:
            form["From"] = self.sender
        elif self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        try:
            await post(
                self.messages_url,
                data=form,
                auth=self._auth,
                description="Twilio message",
            )
        except PlatformError as error:
            logger.error("Could not deliver a Twilio reply: %s", error)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send ``text``, split to the SMS or WhatsApp limit."""
        await send_in_parts(
            text, self.limit_for(recipient_id), self._body_sender(recipient_id)
        )

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send ``text`` with the buttons as numbered options on its last part."""
        limit = self.limit_for(recipient_id)
        options_line = render_numbered_options(buttons)[: limit // 2]
        self.options.offer(recipient_id, buttons)

        async def with_options(part: str) -> None:
            last = f"{part}\n\n{options_line}" if part else options_line
            await self._send_body(recipient_id, last)

        await send_in_parts(
            text,
            limit,
            self._body_sender(recipient_id),
            with_options,
            tail_limit=max(20, limit - len(options_line) - 2),
            empty="",
        )

    def _body_sender(self, recipient_id: str) -> Callable[[str], Awaitable[None]]:
        async def send(part: str) -> None:
            await self._send_body(recipient_id, part)

        return send

    async def send_image_url(
        self, recipient_id: str, image: str, **kwargs: Any
    ) -> None:
        """Send an image link as text (MMS/WhatsApp media needs a public URL)."""
        await self._send_body(recipient_id, image)


class TwilioSecureInput(InputChannel):
    """Twilio webhook that only accepts requests signed by Twilio."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel (its webhook is ``/webhooks/twilio/webhook``)."""
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel from its ``credentials.yml`` section."""
        credentials = require_credentials(
            cls, credentials, ("account_sid", "auth_token", "webhook_url"), "Twilio"
        )
        return cls(
            account_sid=credentials["account_sid"],
            auth_token=credentials["auth_token"],
            webhook_url=credentials["webhook_url"],
            twilio_number=credentials.get("twilio_number") or None,
            whatsapp_number=credentials.get("whatsapp_number") or None,
            messaging_service_sid=credentials.get("messaging_service_sid") or None,
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_BASE_URL,
            sms_max_chars=int(credentials.get("sms_max_chars") or SMS_LIMIT),
            whatsapp_max_chars=int(
                credentials.get("whatsapp_max_chars") or WHATSAPP_LIMIT
            ),
        )

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        webhook_url: str,
        twilio_number: str | None = None,
        whatsapp_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str = DEFAULT_API_BASE_URL,
        sms_max_chars: int = SMS_LIMIT,
        whatsapp_max_chars: int = WHATSAPP_LIMIT,
    ) -> None:
        """Create the channel; nothing is sent to Twilio here."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.webhook_url = webhook_url
        self.twilio_number = twilio_number
        if whatsapp_number and not whatsapp_number.startswith(WHATSAPP_PREFIX):
            whatsapp_number = WHATSAPP_PREFIX + whatsapp_number
        self.whatsapp_number = whatsapp_number
        self.messaging_service_sid = messaging_service_sid
        self.api_base_url = api_base_url
        self.sms_max_chars = sms_max_chars
        self.whatsapp_max_chars = whatsapp_max_chars
        self.validator = RequestValidator(auth_token)
        self.options = OfferedOptions()

    def _default_sender(self, recipient_id: str) -> str | None:
        if recipient_id.startswith(WHATSAPP_PREFIX):
            return self.whatsapp_number
        return self.twilio_number

    def get_output_channel(
        self, recipient_id: str = "", sender: str | None = None
    ) -> TwilioSecureOutput:
        """Return an output channel replying from ``sender`` (or the configured number)."""
        return TwilioSecureOutput(
            account_sid=self.account_sid,
            auth_token=self.auth_token,
            api_base_url=self.api_base_url,
            sender=sender or self._default_sender(recipient_id),
            messaging_service_sid=self.messaging_service_sid,
            options=self.options,
            sms_max_chars=self.sms_max_chars,
            whatsapp_max_chars=self.whatsapp_max_chars,
        )

    def _refusal(self, request: Request) -> HTTPResponse | None:
        """Return a 401/403 response unless Twilio signed the request."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            logger.warning("Refused a Twilio request without a signature.")
            return response.text("missing signature", status=401)
        if not self.validator.validate(self.webhook_url, request.form, signature):
            logger.warning("Refused a Twilio request with a wrong signature.")
            return response.text("wrong signature", status=403)
        return None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Define the webhook routes."""
        twilio_webhook = Blueprint("twilio_secure_webhook", __name__)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            form: Mapping[str, Any] = request.form
            sender = form.get("From")
            body = form.get("Body")
            if (
                not sender
                or not (body or "").strip()
                or form.get("AccountSid") != self.account_sid
            ):
                logger.debug("Ignored a Twilio request that is not a text message.")
                return response.text(_EMPTY_TWIML, content_type="text/xml")

            try:
                conversation = conversation_id(self.name(), sender)
            except ConversationIdError as error:
                logger.warning("Ignored a Twilio message: %s", error)
                return response.text(_EMPTY_TWIML, content_type="text/xml")
            if not DELIVERIES.first_time(self.name(), form.get("MessageSid")):
                logger.info("Ignored a repeated Twilio message.")
                return response.text(_EMPTY_TWIML, content_type="text/xml")
            # Some carriers turn "@" into "¡" in SMS.
            text = (body or "").replace("¡", "@")
            payload = self.options.take_answer(sender, text)
            out_channel = self.get_output_channel(sender, form.get("To"))
            await on_new_message(
                UserMessage(
                    payload or neutralise_commands(text),
                    out_channel,
                    conversation,
                    input_channel=self.name(),
                )
            )
            return response.text(_EMPTY_TWIML, content_type="text/xml")

        return twilio_webhook
