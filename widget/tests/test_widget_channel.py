"""Tests of channels/socketio.py's configuration parsing and output (the browser tests cover the rest)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from typing import Any

import pytest

from channels.conversation_id import ConversationIdError
from channels.socketio import (
    ClinicSocketIOOutput,
    allowed_origins_from_env,
    requested_session_id,
    resumed_session_id,
    session_token,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (" , ", None),
        ("https://www.clinic.example", ["https://www.clinic.example"]),
        (
            "http://localhost:8000, https://clinic.example/",
            ["http://localhost:8000", "https://clinic.example"],
        ),
    ],
)
def test_allowed_origins_are_parsed(
    value: str | None, expected: list[str] | None
) -> None:
    assert allowed_origins_from_env(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "https://clinic.example,*",
        "https://*.clinic.example",
        "clinic.example",
        "ftp://clinic.example",
        "https://clinic.example/chat",
        "https://",
    ],
)
def test_wildcards_and_non_origins_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        allowed_origins_from_env(value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"session_id": "0123456789abcdef0123456789abcdef"},
            "0123456789abcdef0123456789abcdef",
        ),
        ({"session_id": None}, None),
        ({}, None),
        (None, None),
        ("0123456789abcdef0123456789abcdef", None),
        ({"session_id": "short"}, None),
        ({"session_id": "x" * 65}, None),
        ({"session_id": "<script>alert(1)</script>-padding"}, None),
        ({"session_id": 1234567890123456789}, None),
    ],
)
def test_only_well_formed_session_ids_are_resumed(
    data: object, expected: str | None
) -> None:
    assert requested_session_id(data) == expected


SECRET = b"test-secret"


def test_the_token_signs_the_web_conversation_id() -> None:
    session_id = "0123456789abcdef0123456789abcdef"
    signed = hmac.new(SECRET, f"web:{session_id}".encode(), hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(signed).decode().rstrip("=")
    assert session_token(SECRET, session_id) == expected


def test_a_session_is_resumed_only_with_its_own_token() -> None:
    session_id = "0123456789abcdef0123456789abcdef"
    token = session_token(SECRET, session_id)
    assert resumed_session_id(SECRET, {"session_id": session_id, "token": token}) == (
        session_id
    )
    other = "fedcba9876543210fedcba9876543210"
    for data in (
        {"session_id": session_id},
        {"session_id": session_id, "token": ""},
        {"session_id": session_id, "token": token[:-1] + "x"},
        {"session_id": other, "token": token},
        {"session_id": session_id, "token": session_token(b"another", session_id)},
        {"session_id": session_id, "token": 42},
        None,
    ):
        assert resumed_session_id(SECRET, data) is None


class RecordingServer:
    """Stands in for python-socketio's server: records what is emitted."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any, room: str) -> None:
        """Record one emit."""
        self.emitted.append((event, data, room))


def send(message: dict[str, Any], monkeypatch: pytest.MonkeyPatch, number: str | None):
    """Send ``message`` to conversation ``web:room-1``: every emit goes to room-1."""
    if number is None:
        monkeypatch.delenv("EMERGENCY_NUMBER", raising=False)
    else:
        monkeypatch.setenv("EMERGENCY_NUMBER", number)
    server = RecordingServer()
    output = ClinicSocketIOOutput(server, "bot_uttered")  # type: ignore[arg-type]
    asyncio.run(output.send_response("web:room-1", dict(message)))
    assert {room for _, _, room in server.emitted} == {"room-1"}
    return [data for _, data, _ in server.emitted]


def test_a_reply_to_another_channels_conversation_is_not_emitted() -> None:
    """Rasa addresses ``web:<session id>``; a REST id that mimics it reaches no room."""
    server = RecordingServer()
    output = ClinicSocketIOOutput(server, "bot_uttered")  # type: ignore[arg-type]
    with pytest.raises(ConversationIdError):
        asyncio.run(output.send_response("rest:web:room-1", {"text": "Hello"}))
    assert server.emitted == []


@pytest.mark.parametrize("number", ["112", "your local emergency number", None])
def test_an_emergency_reply_is_followed_by_the_triage_signal(
    monkeypatch: pytest.MonkeyPatch, number: str | None
) -> None:
    """The widget's banner comes from this signal, whatever the number looks like."""
    emitted = send(
        {"text": "Call 112 now.", "utter_action": "utter_escalate_emergency"},
        monkeypatch,
        number,
    )
    assert emitted == [
        {"text": "Call 112 now."},
        {"triage_level": "emergency", "emergency_number": number or ""},
    ]


@pytest.mark.parametrize("utter_action", ["utter_escalate_urgent", "utter_greet", None])
def test_other_replies_carry_no_signal(
    monkeypatch: pytest.MonkeyPatch, utter_action: str | None
) -> None:
    emitted = send({"text": "Hello", "utter_action": utter_action}, monkeypatch, "112")
    assert emitted == [{"text": "Hello"}]
