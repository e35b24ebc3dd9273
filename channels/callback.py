"""Rasa's callback channel in a conversation namespace of its own, its input checked.

Rasa 3.6's ``CallbackInput`` (``callback:`` in credentials.yml) files a message under
the ``sender`` its caller sends, as it is: a caller that sends
``{"sender": "telegram:12345"}`` writes into that person's Telegram conversation, and
the replies of that conversation's next turn are posted to the callback URL. It also
answers a JSON list body with a 500 and files a message without ``sender`` under one
shared ``default`` conversation.

``CallbackSecureInput`` (same URL, ``/webhooks/callback/webhook``) files a message
under ``callback:<sender>`` whatever the sender looks like
(``channels/conversation_id.py``), refuses malformed requests with 400 as the REST
channel does (``channels/rest.py``), and posts the replies to the callback URL with
the caller's own ``sender`` as ``recipient_id``. ``channels.credentials`` puts it in
place of a ``callback:`` entry of a base credentials file; its settings are Rasa's
(``url``, and the endpoint's other keys). It has no token of its own: it is for a
trusted caller on a private network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.callback import CallbackOutput
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversation_id import RepliesToPlatformId, conversation_id
from channels.rest import RestSecureInput


class CallbackReplies(RepliesToPlatformId, CallbackOutput):
    """Replies posted to the callback URL, addressed to the caller's ``sender``."""

    @classmethod
    def name(cls) -> str:
        """The callback channel's name: its conversations are ``callback:<sender>``."""
        return "callback"


class CallbackSecureInput(RestSecureInput):
    """The callback channel, in its own namespace, with malformed requests refused."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        """Create the channel; replies are posted to ``endpoint``."""
        super().__init__(token=None)
        self.callback_endpoint = endpoint

    @classmethod
    def name(cls) -> str:
        """Same name, so the same URL, as Rasa's callback channel."""
        return "callback"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Create the channel from Rasa's callback settings (``url``, ...)."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(EndpointConfig.from_dict(credentials))

    def get_output_channel(self) -> CallbackReplies:
        """Where the replies of one message go: the callback URL."""
        return CallbackReplies(self.callback_endpoint)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's two routes, behind the checks, in the caller's own conversation."""
        webhook = Blueprint(f"callback_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            body = request.json
            message = UserMessage(
                body["message"],
                self.get_output_channel(),
                conversation_id(self.name(), body["sender"]),
                input_channel=self.name(),
                metadata=body.get("metadata"),
            )
            await on_new_message(message)
            return response.text("success")

        return webhook
