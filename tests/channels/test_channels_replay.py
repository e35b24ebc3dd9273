"""A webhook delivered twice (a platform retry, a captured request replayed) is handled once.

The unit tests pin :class:`channels.replay.DeliveryLog`; the others send the same signed
request twice to the real Rasa server (see the ``stack`` fixture in conftest.py) and
count the conversation's user turns. Each posts a first copy that must be handled, so a
connector that dropped everything would fail too.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from twilio.request_validator import RequestValidator

from channels.replay import DeliveryLog
from channels.telegram import SECRET_HEADER
from tests.channels.helpers import (
    hub_signature,
    messenger_event,
    slack_event,
    slack_headers,
    telegram_message,
    twilio_form,
    user_events,
)
from tests.channels.stack import Stack


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_delivery_id_is_handled_once_per_channel() -> None:
    log = DeliveryLog()
    assert log.first_time("telegram", 17)
    assert not log.first_time("telegram", 17)
    assert not log.first_time("telegram", "17")
    assert log.first_time("twilio", 17)


def test_deliveries_without_an_id_are_always_handled() -> None:
    log = DeliveryLog()
    assert all(log.first_time("slack", None) for _ in range(3))
    assert all(log.first_time("slack", "") for _ in range(3))


def test_ids_are_forgotten_after_the_ttl() -> None:
    clock = Clock()
    log = DeliveryLog(ttl=60, clock=clock)
    assert log.first_time("facebook", "m_1")
    clock.now = 59
    assert not log.first_time("facebook", "m_1")
    clock.now = 61
    assert log.first_time("facebook", "m_1")


def test_the_log_is_bounded_oldest_first() -> None:
    log = DeliveryLog(max_entries=2)
    for mid in ("a", "b", "c"):
        assert log.first_time("facebook", mid)
    assert log.first_time("facebook", "a")  # dropped to keep two
    assert not log.first_time("facebook", "c")


def _turns(
    stack: Stack, channel: str, sender: str, expected: int, timeout: float = 60
) -> int:
    """The number of user turns once ``expected`` arrived (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while True:
        count = len(user_events(stack.conversation(channel, sender)))
        if count >= expected or time.monotonic() > deadline:
            time.sleep(2)  # a duplicate handled in the background would show now
            return len(user_events(stack.conversation(channel, sender)))
        time.sleep(0.5)


def _twice(url: str, **request: Any) -> list[int]:
    return [requests.post(url, timeout=120, **request).status_code for _ in range(2)]


def test_a_repeated_telegram_update_is_handled_once(stack: Stack) -> None:
    chat_id = 880_001
    statuses = _twice(
        f"{stack.rasa_url}/webhooks/telegram/webhook",
        json=telegram_message(chat_id, "hello"),
        headers={SECRET_HEADER: stack.env["TELEGRAM_SECRET_TOKEN"]},
    )
    assert statuses == [200, 200]
    assert _turns(stack, "telegram", str(chat_id), 1) == 1


def test_a_repeated_twilio_message_is_handled_once(stack: Stack) -> None:
    sender = "+15005550077"
    url = stack.env["TWILIO_WEBHOOK_URL"]
    form = twilio_form(
        stack.env["TWILIO_ACCOUNT_SID"], sender, stack.env["TWILIO_NUMBER"], "hello"
    )
    signature = RequestValidator(stack.env["TWILIO_AUTH_TOKEN"]).compute_signature(
        url, form
    )
    statuses = _twice(url, data=form, headers={"X-Twilio-Signature": signature})
    assert statuses == [200, 200]
    assert _turns(stack, "twilio", sender, 1) == 1


def test_a_repeated_messenger_message_is_handled_once(stack: Stack) -> None:
    psid = "psid-replayed"
    body = messenger_event(psid, "hello")
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": hub_signature(stack.env["FACEBOOK_APP_SECRET"], body),
    }
    statuses = _twice(
        f"{stack.rasa_url}/webhooks/facebook/webhook", data=body, headers=headers
    )
    assert statuses == [200, 200]
    assert _turns(stack, "facebook", psid, 1) == 1


def test_a_repeated_slack_event_is_handled_once(stack: Stack) -> None:
    user = "USLACKREPLAY"
    body = slack_event(user, "hello")
    headers = slack_headers(stack.env["SLACK_SIGNING_SECRET"], body)
    statuses = _twice(
        f"{stack.rasa_url}/webhooks/slack/webhook", data=body, headers=headers
    )
    assert statuses == [200, 200]
    assert _turns(stack, "slack", user, 1) == 1
