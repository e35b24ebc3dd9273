"""Building signed platform requests and reading conversations, for the e2e tests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from actions.triage import SCREEN_SLOTS

_ids = itertools.count(1000)
MAX_SCREENING_TURNS = 30


def remedy_texts(tracker: dict[str, Any]) -> list[str]:
    """Texts of the ``utter_remedy_*`` responses the bot gave."""
    return [
        e.get("text") or ""
        for e in tracker["events"]
        if e["event"] == "bot"
        and str((e.get("metadata") or {}).get("utter_action", "")).startswith(
            "utter_remedy_"
        )
    ]


def user_events(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """The user events of a tracker."""
    return [e for e in tracker["events"] if e["event"] == "user"]


def screen_answers(tracker: dict[str, Any]) -> dict[str, Any]:
    """The screening slots of a tracker."""
    return {slot: tracker["slots"].get(slot) for slot in SCREEN_SLOTS}


def screen_until_remedy(
    tracker: Callable[[], dict[str, Any]], answer_no: Callable[[], None]
) -> dict[str, Any]:
    """Answer "no" until remedy advice arrives; return the final tracker."""
    for _ in range(MAX_SCREENING_TURNS):
        current = tracker()
        if remedy_texts(current):
            return current
        answer_no()
    raise AssertionError(
        f"no remedy advice after {MAX_SCREENING_TURNS} answers; "
        f"slots: {tracker()['slots']}"
    )


# --- Telegram ---------------------------------------------------------------


def telegram_chat(chat_id: int) -> dict[str, Any]:
    """A private chat object."""
    return {"id": chat_id, "type": "private", "first_name": "Test"}


def telegram_message(chat_id: int, text: str) -> dict[str, Any]:
    """An Update carrying a text message."""
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": telegram_chat(chat_id),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "text": text,
        },
    }


def telegram_callback(chat_id: int, data: str) -> dict[str, Any]:
    """An Update carrying an inline-keyboard button press."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cb{next(_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "chat_instance": "42",
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": telegram_chat(chat_id),
                "text": "question",
            },
            "data": data,
        },
    }


# --- Twilio -----------------------------------------------------------------


def twilio_form(account_sid: str, sender: str, to: str, body: str) -> dict[str, str]:
    """The form Twilio posts for an inbound SMS or WhatsApp message."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": f"SM{next(_ids):032d}",
        "NumMedia": "0",
        "SmsSid": f"SM{next(_ids):032d}",
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "MessageSid": f"SM{next(_ids):032d}",
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


# --- Slack ------------------------------------------------------------------


def slack_event(user: str, text: str) -> bytes:
    """An Events API callback for a direct message, as raw JSON bytes."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": f"Ev{next(_ids)}",
            "event_time": int(time.time()),
            "authorizations": [{"user_id": "UBOT"}],
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{user}",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()


def slack_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict:
    """Headers Slack sends: timestamp and v0 HMAC-SHA256 signature."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(
        secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256
    ).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


# --- Messenger --------------------------------------------------------------


def messenger_event(psid: str, text: str) -> bytes:
    """A page webhook event with one text message, as raw JSON bytes."""
    now = int(time.time() * 1000)
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE1",
                    "time": now,
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": "PAGE1"},
                            "timestamp": now,
                            "message": {"mid": f"m_{next(_ids)}", "text": text},
                        }
                    ],
                }
            ],
        }
    ).encode()


def hub_signature(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """``<algorithm>=<hex HMAC>`` as Messenger signs webhook bodies."""
    digest = hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).hexdigest()
    return f"{algorithm}={digest}"
