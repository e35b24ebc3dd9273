"""Conversation ids namespaced by channel, so no channel can reach another's conversations.

Rasa files every message under the ``sender_id`` of its ``UserMessage``, whatever
channel it came through. Were the platform's own id used as it is (a Telegram chat id
``12345``, a Twilio sender ``whatsapp:+44...``), a REST client that sends
``{"sender": "whatsapp:+44..."}`` would write into, and be answered from, that person's
WhatsApp conversation. Every input channel therefore files a message under
:func:`conversation_id` of its own name and the platform's id:

==========  =======================  ============================
channel     platform id              conversation id
==========  =======================  ============================
rest        the client's ``sender``  ``rest:<sender>``
callback    the caller's ``sender``  ``callback:<sender>``
socketio    the minted session id    ``web:<session id>``
telegram    the chat id              ``telegram:12345``
twilio      ``From``                 ``twilio:whatsapp:+44...``
facebook    the page-scoped id       ``messenger:<psid>``
slack       user (and channel)       ``slack:U0123``
==========  =======================  ============================

The namespace is always put in front, never recognised: a REST sender that looks like
another channel's conversation (``telegram:12345``) becomes ``rest:telegram:12345``
and stays in the REST namespace.

Rasa hands an output channel the tracker's ``sender_id`` (the conversation id) as the
recipient of a reply. Output channels inherit :class:`RepliesToPlatformId`, the one
place where it becomes the platform's id again (:func:`platform_id`); a conversation of
another channel, or one stored before ids were namespaced, is refused rather than
answered on this platform.

This module imports nothing from Rasa at run time, so the e2e runner, the benchmarks
and the tests can name conversations without loading Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel as _OutputChannelBase
else:
    _OutputChannelBase = object

NAMESPACES: Mapping[str, str] = MappingProxyType(
    {
        "rest": "rest",
        "callback": "callback",
        "socketio": "web",
        "telegram": "telegram",
        "twilio": "twilio",
        "facebook": "messenger",
        "slack": "slack",
    }
)
"""Rasa's name of each input channel -> the namespace of its conversation ids."""

SEPARATOR = ":"
MAX_PLATFORM_ID_CHARS = 200
"""Longest platform id; with the namespace it fits Rasa's SQL ``sender_id`` (255)."""

_CHANNELS = {namespace: channel for channel, namespace in NAMESPACES.items()}


class ConversationIdError(ValueError):
    """A platform id that cannot name a conversation, or an id of another channel."""


def _namespace(channel: str) -> str:
    try:
        return NAMESPACES[channel]
    except KeyError:
        raise ConversationIdError(
            f"no conversation namespace for the channel {channel!r}"
        ) from None


def _checked(platform_id: object) -> str:
    """``platform_id`` when it can name a conversation, else ConversationIdError."""
    if not isinstance(platform_id, str) or not platform_id:
        raise ConversationIdError("a platform id must be a non-empty string")
    if len(platform_id) > MAX_PLATFORM_ID_CHARS:
        raise ConversationIdError(
            f"a platform id is at most {MAX_PLATFORM_ID_CHARS} characters"
        )
    if not platform_id.isprintable() or any(c.isspace() for c in platform_id):
        raise ConversationIdError(
            f"a platform id has no spaces or control characters: {platform_id!r}"
        )
    return platform_id


def conversation_id(channel: str, platform_id: str) -> str:
    """The conversation id under which ``channel`` files the messages of ``platform_id``.

    Args:
        channel: Rasa's name of the input channel (``InputChannel.name()``).
        platform_id: The platform's id of the person or chat, or the REST ``sender``.

    Raises:
        ConversationIdError: ``channel`` is unknown, or ``platform_id`` is empty,
            longer than ``MAX_PLATFORM_ID_CHARS``, or has spaces or control characters.
    """
    return f"{_namespace(channel)}{SEPARATOR}{_checked(platform_id)}"


def platform_id(channel: str, conversation: str) -> str:
    """The platform's id to reply to in ``channel``'s conversation ``conversation``.

    Raises:
        ConversationIdError: ``conversation`` is not a conversation of ``channel``.
    """
    prefix = _namespace(channel) + SEPARATOR
    if not isinstance(conversation, str) or not conversation.startswith(prefix):
        raise ConversationIdError(
            f"{conversation!r} is not a conversation of the {channel} channel"
        )
    return _checked(conversation[len(prefix) :])


def channel_of(conversation: str) -> str | None:
    """Rasa's name of the channel a conversation id belongs to (None if not namespaced)."""
    namespace, separator, rest = conversation.partition(SEPARATOR)
    if not separator or not rest:
        return None
    return _CHANNELS.get(namespace)


class RepliesToPlatformId(_OutputChannelBase):
    """Mixin for output channels: replies go to the platform id, not the conversation id.

    Rasa calls ``send_response`` with the tracker's ``sender_id``; this turns it into
    the platform's id for the channel named by ``self.name()`` before the channel's own
    ``send_response`` (and every ``send_*`` method it dispatches to) sees it. List it
    before the output channel class: ``class X(RepliesToPlatformId, OutputChannel)``.
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send ``message`` to the platform id of conversation ``recipient_id``."""
        await super().send_response(platform_id(self.name(), recipient_id), message)
