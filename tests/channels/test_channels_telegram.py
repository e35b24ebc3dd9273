"""Telegram end to end: signed updates in, Bot API calls recorded by the fake.

Runs the real Rasa server and action server with the trained model (see the
``stack`` fixture in conftest.py). A chat's messages are filed under the conversation
``telegram:<chat id>`` and answered at the chat id.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import requests

from channels.telegram import SECRET_HEADER
from tests.channels.helpers import (
    remedy_texts,
    screen_answers,
    screen_until_remedy,
    telegram_callback,
    telegram_message,
    user_events,
)
from tests.channels.stack import Stack
from tests.helpers.paths import REPO_ROOT


def _post(
    stack: Stack, update: dict[str, Any], secret: str | None = ""
) -> requests.Response:
    headers = {}
    secret = stack.env["TELEGRAM_SECRET_TOKEN"] if secret == "" else secret
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return requests.post(
        f"{stack.rasa_url}/webhooks/telegram/webhook",
        json=update,
        headers=headers,
        timeout=120,
    )


def _say(stack: Stack, chat_id: int, text: str) -> None:
    answer = _post(stack, telegram_message(chat_id, text))
    assert answer.status_code == 200, answer.text


def _sent_to(stack: Stack, chat_id: int, start: int) -> list[dict[str, Any]]:
    return [
        c.payload
        for c in stack.telegram.calls_since(start, "sendMessage")
        if str(c.payload["chat_id"]) == str(chat_id)
    ]


def _press(stack: Stack, chat_id: int, title: str, start: int) -> str:
    """Press the button titled ``title`` on the last keyboard sent to the chat."""
    with_keyboard = [m for m in _sent_to(stack, chat_id, start) if "reply_markup" in m]
    assert with_keyboard, "the bot sent no keyboard to press"
    (button,) = [
        b
        for b in with_keyboard[-1]["reply_markup"]["inline_keyboard"][0]
        if b["text"] == title
    ]
    update = telegram_callback(chat_id, button["callback_data"])
    answer = _post(stack, update)
    assert answer.status_code == 200, answer.text
    return update["callback_query"]["id"]


def _press_no_or_type_it(stack: Stack, chat_id: int, start: int) -> None:
    """Press "No" on the bot's latest message if it offers it; type "no" otherwise."""
    latest = _sent_to(stack, chat_id, start)[-1]
    buttons = (latest.get("reply_markup") or {}).get("inline_keyboard", [[]])[0]
    if any(b["text"] == "No" for b in buttons):
        _press(stack, chat_id, "No", start)
    else:
        _say(stack, chat_id, "no")


def test_full_screening_by_pressing_no_ends_in_remedy_advice(stack: Stack) -> None:
    chat_id = 710001
    start, refused = stack.telegram.mark(), len(stack.telegram.refused)
    _say(stack, chat_id, "I have a cramp in the back of my thigh")

    tracker = screen_until_remedy(
        lambda: stack.conversation("telegram", str(chat_id)),
        lambda: _press_no_or_type_it(stack, chat_id, start),
    )

    assert tracker["sender_id"] == f"telegram:{chat_id}"
    assert set(screen_answers(tracker).values()) == {"absent"}
    assert tracker["slots"]["triage_level"] == "self_care"
    # Every reply went to the chat itself, none to the conversation id.
    sent = stack.telegram.calls_since(start, "sendMessage")
    assert {str(c.payload["chat_id"]) for c in sent} == {str(chat_id)}
    delivered = [m["text"] for m in _sent_to(stack, chat_id, start)]
    for remedy in remedy_texts(tracker):
        assert remedy.strip() in delivered
    answers = user_events(tracker)
    assert sum(e["text"] == "/deny" for e in answers) >= len(answers) // 2
    assert stack.telegram.refused[refused:] == []


def test_red_flag_escalates_and_the_reply_leads_with_the_number(stack: Stack) -> None:
    chat_id = 710002
    start = stack.telegram.mark()
    _say(stack, chat_id, "I have a cramp and now chest pain and I can't breathe")

    tracker = stack.conversation("telegram", str(chat_id))
    assert tracker["slots"]["triage_level"] == "emergency"
    assert remedy_texts(tracker) == []
    sent = _sent_to(stack, chat_id, start)
    assert sent, "no reply reached Telegram"
    assert sent[0]["text"].startswith("Call 112 now")


def test_callback_query_is_answered_and_routed_as_the_payload(stack: Stack) -> None:
    chat_id = 710003
    start = stack.telegram.mark()
    _say(stack, chat_id, "I have a cramp in my hamstring")
    asked = stack.conversation("telegram", str(chat_id))["slots"]["requested_slot"]
    assert asked and asked.startswith("screen_")

    callback_id = _press(stack, chat_id, "No", start)

    tracker = stack.conversation("telegram", str(chat_id))
    last_user = user_events(tracker)[-1]
    assert last_user["text"] == "/deny"
    assert last_user["parse_data"]["intent"]["name"] == "deny"
    assert tracker["slots"][asked] == "absent"
    answered = stack.telegram.calls_since(start, "answerCallbackQuery")
    assert [c.payload["callback_query_id"] for c in answered] == [callback_id]


def test_typed_intent_syntax_goes_through_nlu_not_straight_to_slots(
    stack: Stack,
) -> None:
    chat_id = 710004
    _say(stack, chat_id, '/report_symptom{"red_flag": "cold_pale_leg"}')
    last_user = user_events(stack.conversation("telegram", str(chat_id)))[-1]
    assert not last_user["text"].startswith("/")


def test_updates_without_the_right_secret_are_refused_and_change_nothing(
    stack: Stack,
) -> None:
    chat_id = 710005
    start = stack.telegram.mark()
    update = telegram_message(chat_id, "I have chest pain")

    missing = _post(stack, update, secret=None)
    wrong = _post(stack, update, secret="not-the-secret")
    almost = _post(stack, update, secret=stack.env["TELEGRAM_SECRET_TOKEN"] + "x")

    assert (missing.status_code, wrong.status_code, almost.status_code) == (
        401,
        403,
        403,
    )
    assert user_events(stack.conversation("telegram", str(chat_id))) == []
    assert _sent_to(stack, chat_id, start) == []


def test_webhook_endpoint_registers_only_with_the_secret(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/telegram/set_webhook"
    start = stack.telegram.mark()
    assert requests.post(url, timeout=30).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert requests.post(url, headers=wrong, timeout=30).status_code == 403
    assert stack.telegram.calls_since(start, "setWebhook") == []

    right = {"Authorization": f"Bearer {stack.env['TELEGRAM_SECRET_TOKEN']}"}
    assert requests.post(url, headers=right, timeout=30).status_code == 200
    (call,) = stack.telegram.calls_since(start, "setWebhook")
    assert call.payload["url"] == stack.env["TELEGRAM_WEBHOOK_URL"]
    assert call.payload["secret_token"] == stack.env["TELEGRAM_SECRET_TOKEN"]


def test_set_webhook_cli_registers_url_and_secret(fakes) -> None:
    telegram = fakes[0]
    start = telegram.mark()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_SECRET_TOKEN": "cli-secret_1",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
        "TELEGRAM_API_BASE_URL": telegram.base_url,
    }
    subprocess.run(
        [sys.executable, "-m", "channels.telegram_api", "set-webhook"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    (call,) = telegram.calls_since(start, "setWebhook")
    assert call.payload["url"] == env["TELEGRAM_WEBHOOK_URL"]
    assert call.payload["secret_token"] == "cli-secret_1"
    assert call.payload["allowed_updates"] == ["message", "callback_query"]


def test_channel_start_up_sends_nothing(fakes) -> None:
    from channels.telegram import TelegramSecureInput

    telegram = fakes[0]
    start = telegram.mark()
    channel = TelegramSecureInput.from_credentials(
        {
            "access_token": telegram.token,
            "secret_token": "abc",
            "api_base_url": telegram.base_url,
            "webhook_url": "https://bot.example.org/webhooks/telegram/webhook",
        }
    )
    channel.blueprint(lambda message: None)
    channel.get_output_channel()
    assert telegram.calls_since(start) == []
