"""Conversation ids are namespaced by channel, and replies go back to the platform id.

Unit tests of ``channels/conversation_id.py`` and of the output channels' one place
that turns a conversation id back into the platform's id. No server is started.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import OutputChannel

from channels.conversation_id import (
    MAX_PLATFORM_ID_CHARS,
    NAMESPACES,
    ConversationIdError,
    RepliesToPlatformId,
    channel_of,
    conversation_id,
    platform_id,
)
from channels.facebook import FacebookSecureInput, FacebookSecureOutput
from channels.rest import RestReplies, RestSecureInput, RestStreamedReplies
from channels.slack import SlackSecureInput, SlackSecureOutput
from channels.socketio import ClinicSocketIOInput, ClinicSocketIOOutput
from channels.telegram import TelegramSecureInput, TelegramSecureOutput
from channels.twilio import TwilioSecureInput, TwilioSecureOutput

EXAMPLES = [
    ("telegram", "12345", "telegram:12345"),
    ("telegram", "-1001234567890", "telegram:-1001234567890"),
    ("twilio", "+447700900123", "twilio:+447700900123"),
    ("twilio", "whatsapp:+447700900123", "twilio:whatsapp:+447700900123"),
    ("facebook", "6543210987654321", "messenger:6543210987654321"),
    ("slack", "U0123ABC", "slack:U0123ABC"),
    ("slack", "U01_C02_1712345678.000100", "slack:U01_C02_1712345678.000100"),
    ("socketio", "0123456789abcdef", "web:0123456789abcdef"),
    ("rest", "alice", "rest:alice"),
    ("callback", "telegram:12345", "callback:telegram:12345"),
]


@pytest.mark.parametrize(("channel", "platform", "expected"), EXAMPLES)
def test_an_id_is_namespaced_and_comes_back_unchanged(
    channel: str, platform: str, expected: str
) -> None:
    conversation = conversation_id(channel, platform)
    assert conversation == expected
    assert platform_id(channel, conversation) == platform
    assert channel_of(conversation) == channel


@pytest.mark.parametrize("channel", sorted(NAMESPACES))
def test_a_rest_sender_that_mimics_another_channel_stays_in_rest(channel: str) -> None:
    """``{"sender": "telegram:12345"}`` can never name the Telegram conversation."""
    theirs = conversation_id(channel, "12345")
    mimic = conversation_id("rest", theirs)
    assert mimic == f"rest:{theirs}"
    assert mimic != theirs
    assert channel_of(mimic) == "rest"
    assert platform_id("rest", mimic) == theirs
    if channel != "rest":
        with pytest.raises(ConversationIdError):
            platform_id(channel, mimic)


def test_the_same_platform_id_on_two_channels_is_two_conversations() -> None:
    ids = {conversation_id(channel, "12345") for channel in NAMESPACES}
    assert len(ids) == len(NAMESPACES)


@pytest.mark.parametrize(
    "platform",
    [
        "",
        " ",
        "a b",
        " leading",
        "trailing\n",
        "tab\there",
        "nul\x00",
        "bell\x07",
        "x" * (MAX_PLATFORM_ID_CHARS + 1),
        None,
        12345,
    ],
)
def test_empty_or_odd_platform_ids_are_refused(platform: Any) -> None:
    with pytest.raises(ConversationIdError):
        conversation_id("telegram", platform)


def test_the_longest_platform_id_fits_rasas_sql_column() -> None:
    longest = conversation_id("facebook", "x" * MAX_PLATFORM_ID_CHARS)
    assert len(longest) <= 255


def test_an_unknown_channel_has_no_namespace() -> None:
    with pytest.raises(ConversationIdError):
        conversation_id("whatsapp", "+447700900123")


@pytest.mark.parametrize(
    ("channel", "conversation"),
    [
        ("telegram", "12345"),  # stored before ids were namespaced
        ("telegram", "telegram:"),
        ("telegram", "telegram"),
        ("telegram", "rest:telegram:12345"),
        ("twilio", "whatsapp:+447700900123"),
        ("facebook", "facebook:6543210987654321"),
        ("socketio", "socketio:0123456789abcdef"),
        ("telegram", "TELEGRAM:12345"),
    ],
)
def test_only_the_channels_own_conversations_have_a_platform_id(
    channel: str, conversation: str
) -> None:
    with pytest.raises(ConversationIdError):
        platform_id(channel, conversation)


@pytest.mark.parametrize(
    "conversation", ["12345", "whatsapp:+447700900123", "telegram:", "web", ""]
)
def test_ids_without_a_namespace_belong_to_no_channel(conversation: str) -> None:
    assert channel_of(conversation) is None


def test_namespaces_are_distinct_and_carry_no_separator() -> None:
    assert len(set(NAMESPACES.values())) == len(NAMESPACES)
    assert all(":" not in namespace for namespace in NAMESPACES.values())


@pytest.mark.parametrize(
    "input_channel",
    [
        RestSecureInput,
        ClinicSocketIOInput,
        TelegramSecureInput,
        TwilioSecureInput,
        FacebookSecureInput,
        SlackSecureInput,
    ],
)
def test_every_input_channel_has_a_namespace(input_channel: type) -> None:
    assert input_channel.name() in NAMESPACES


@pytest.mark.parametrize(
    "output_channel",
    [
        RestReplies,
        RestStreamedReplies,
        ClinicSocketIOOutput,
        TelegramSecureOutput,
        TwilioSecureOutput,
        FacebookSecureOutput,
        SlackSecureOutput,
    ],
)
def test_every_output_channel_replies_to_the_platform_id(output_channel: type) -> None:
    assert issubclass(output_channel, RepliesToPlatformId)
    assert output_channel.mro().index(RepliesToPlatformId) < output_channel.mro().index(
        OutputChannel
    )
    assert output_channel.name() in NAMESPACES


class RecordingTelegram(RepliesToPlatformId, OutputChannel):
    """An output channel named telegram that records whom it sends to."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        self.sent.append((recipient_id, text))


def test_rasa_addresses_the_conversation_and_the_platform_gets_its_own_id() -> None:
    output = RecordingTelegram()
    asyncio.run(output.send_response("telegram:12345", {"text": "Hello"}))
    assert output.sent == [("12345", "Hello")]


@pytest.mark.parametrize("recipient", ["rest:telegram:12345", "12345", "web:12345"])
def test_a_reply_to_another_channels_conversation_is_refused_not_sent(
    recipient: str,
) -> None:
    output = RecordingTelegram()
    with pytest.raises(ConversationIdError):
        asyncio.run(output.send_response(recipient, {"text": "Hello"}))
    assert output.sent == []
