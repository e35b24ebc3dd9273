"""Rasa's socket.io channel, restricted to the web origins allowed by the environment.

Rasa 3.6's ``SocketIOInput`` builds its ``socketio.AsyncServer`` with
``cors_allowed_origins=[]``, which turns python-engineio's origin check off: any web
page can open a WebSocket to the assistant (browsers apply no CORS to WebSockets, and
``rasa run --cors`` only adds Sanic-CORS headers to HTTP responses). This channel keeps
everything else of ``SocketIOInput`` and hands engineio the allowed origins, so a
handshake whose ``Origin`` header is not listed is refused with HTTP 400.

Use it in credentials.yml instead of ``socketio:``::

    channels.socketio.ClinicSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

It also fixes session persistence: Rasa 3.6 calls ``AsyncServer.enter_room`` without
``await``, but in python-socketio 5.18 (pinned in constraints.txt) it is a coroutine, so
with ``session_persistence: true`` the client never joins its session's room and never
receives a bot message. Here ``session_request`` awaits it.

A conversation belongs to the browser tab the server gave it to: ``session_confirm``
carries the session id the server minted and a token, the HMAC-SHA256 of the
conversation id ``web:<session id>`` (``channels/conversation_id.py``) with
``WIDGET_SESSION_SECRET``; a reconnecting tab presents both, and a missing or forged
token gets a new conversation. Messages go to the conversation bound to the socket,
whatever ``session_id`` a client writes into them, so no socket can write into another
conversation (a widget's or a messaging channel's); replies go to the session's room,
named by the session id. ``WIDGET_SESSION_SECRET_FILE`` may name a file holding the
secret instead (Compose mounts its secrets as files). Without the secret a random one
is made per process: conversations then do not survive a restart.

Set ``WIDGET_ALLOWED_ORIGINS`` to the comma-separated origins of the pages that
embed the widget, e.g. ``https://www.example-clinic.org,http://127.0.0.1:8000``.
Unset or empty, only same-origin pages may connect (engineio's default). ``*`` is
refused. Clients that send no ``Origin`` header (not browsers) are not affected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from channels.conversation_id import RepliesToPlatformId, conversation_id
from secret_checks import configured_secret

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
"""Rasa's name of the channel: its webhook path, ``input_channel`` and namespace."""
ALLOWED_ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
SESSION_SECRET_ENV = "WIDGET_SESSION_SECRET"
# Session ids this channel hands out are uuid4 hex; accept ids of that shape back.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def requested_session_id(data: Any) -> str | None:
    """The session id a client asks to resume, if it is well formed."""
    if not isinstance(data, dict):
        return None
    session_id = data.get("session_id")
    if isinstance(session_id, str) and SESSION_ID.fullmatch(session_id):
        return session_id
    return None


def session_token(secret: bytes, session_id: str) -> str:
    """The token that proves a client was given ``session_id`` by this server.

    It signs the conversation id, ``web:<session id>``: the one conversation it opens.
    """
    conversation = conversation_id(CHANNEL, session_id).encode("utf-8")
    digest = hmac.new(secret, conversation, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def resumed_session_id(secret: bytes, data: Any) -> str | None:
    """The session id a client may resume: well formed and with its own token."""
    session_id = requested_session_id(data)
    token = data.get("token") if isinstance(data, dict) else None
    if session_id is None or not isinstance(token, str):
        return None
    if not hmac.compare_digest(session_token(secret, session_id), token):
        return None
    return session_id


def session_secret(environ: Mapping[str, str]) -> bytes:
    """``WIDGET_SESSION_SECRET`` (or its ``_FILE``), else a random one for this process.

    Raises:
        ValueError: the secret is given both ways, or its file cannot be read or is
            empty.
    """
    configured = configured_secret(environ, SESSION_SECRET_ENV)
    if configured:
        return configured.encode("utf-8")
    logger.warning(
        "%s is not set: widget conversations will not survive a restart",
        SESSION_SECRET_ENV,
    )
    return secrets.token_bytes(32)


def allowed_origins_from_env(value: str | None) -> list[str] | None:
    """Parses a comma-separated origin list; ``None`` (same origin only) when empty.

    Raises:
        ValueError: if the list contains ``*`` or an entry that is not an origin.
    """
    origins = [origin.strip().rstrip("/") for origin in (value or "").split(",")]
    origins = [origin for origin in origins if origin]
    if not origins:
        return None
    for origin in origins:
        if origin == "*" or "*" in origin:
            raise ValueError(f"{ALLOWED_ORIGINS_ENV} must list origins, not a wildcard")
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ValueError(
                f"{ALLOWED_ORIGINS_ENV}: {origin!r} is not an origin like https://host[:port]"
            )
    return origins


TRIAGE_RESPONSES = {"utter_escalate_emergency": "emergency"}
"""Responses after which the widget is told the triage level (its alert banner)."""
EMERGENCY_NUMBER_ENV = "EMERGENCY_NUMBER"


class TriageSignalOutput(SocketIOOutput):
    """Rasa's socket.io output, plus a triage signal after an emergency escalation.

    The widget shows its alert banner from this signal, not from the reply's wording:
    ``{"triage_level": "emergency", "emergency_number": <EMERGENCY_NUMBER or "">}``
    follows the reply. It carries no sentence for the person (the reply has said it).
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send the reply to room ``recipient_id``, then the signal if it escalates."""
        level = TRIAGE_RESPONSES.get(str(message.get("utter_action") or ""))
        await super().send_response(recipient_id, message)
        if level is not None:
            signal = {
                "triage_level": level,
                "emergency_number": os.environ.get(EMERGENCY_NUMBER_ENV, ""),
            }
            await self._send_message(recipient_id, signal)


class ClinicSocketIOOutput(RepliesToPlatformId, TriageSignalOutput):
    """The widget's output: conversation ``web:<session id>`` is answered in its room.

    The room is named by the session id; every socket of the session joined it.
    """


class ClinicSocketIOInput(SocketIOInput):
    """``SocketIOInput`` limited to allowed origins, with working session persistence."""

    def get_output_channel(self) -> OutputChannel | None:
        """The clinic's output (with the triage signal), also for external events."""
        if self.sio is None:
            return super().get_output_channel()
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt)

    @classmethod
    def name(cls) -> str:
        """Same name as Rasa's channel: same webhook path and ``input_channel``."""
        return CHANNEL

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's socket.io blueprint with engineio's origin check switched on."""
        origins = allowed_origins_from_env(os.environ.get(ALLOWED_ORIGINS_ENV))
        socketio_blueprint = super().blueprint(on_new_message)
        if self.sio is None:  # SocketIOInput.blueprint sets it
            raise RuntimeError(
                "SocketIOInput.blueprint did not create a socket.io server"
            )
        # None: engineio allows only the server's own origin; a list: exactly those.
        sio = self.sio
        sio.eio.cors_allowed_origins = origins

        secret = session_secret(os.environ)
        bound: dict[str, str] = {}  # socket id -> the conversation it was given

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = resumed_session_id(secret, data) or uuid.uuid4().hex
            bound[sid] = session_id
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            confirm = {
                "session_id": session_id,
                "token": session_token(secret, session_id),
            }
            await sio.emit(
                "session_confirm", confirm, room=sid, namespace=self.namespace
            )
            logger.debug("socket.io client %s joined its session", sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session_id = bound.get(sid)
            if session_id is None or not isinstance(data, dict):
                logger.warning("Ignored a socket.io message before session_request")
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            text = data.get("message")
            message = UserMessage(
                text if isinstance(text, str) else "",
                ClinicSocketIOOutput(sio, self.bot_message_evt),
                # the socket's own conversation, never the client's word
                conversation_id(self.name(), session_id),
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {},
            )
            await on_new_message(message)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            bound.pop(sid, None)

        if origins is None:
            logger.warning(
                "%s is not set: only pages served by the Rasa server itself can connect",
                ALLOWED_ORIGINS_ENV,
            )
        else:
            logger.info(
                "socket.io accepts browser connections from %s", ", ".join(origins)
            )
        return socketio_blueprint
