"""REST and callback clients that name another channel's conversation stay out of it.

A real Rasa server with the trained model, the project's REST channel, its Telegram
and Twilio connectors, which talk to local fakes of the platforms' APIs
(tests/channels/fakes.py), and the callback channel as ``make run`` serves a base
credentials file's ``callback:`` (channels/credentials.py), posting to a fake callback
server. A person writes on Telegram and on WhatsApp; then a REST or callback client
sends messages whose ``sender`` is that person's conversation id
(``telegram:<chat id>``, ``twilio:whatsapp:+...``) or bare platform id (as ids were
before they were namespaced by channel, channels/conversation_id.py).
"""

from __future__ import annotations

import dataclasses
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import yaml
from twilio.request_validator import RequestValidator

from channels.conversation_id import conversation_id
from channels.credentials import effective_credentials
from channels.telegram import SECRET_HEADER
from supervisor.assistant import Assistant
from supervisor.process import free_port
from tests.channels.fakes import (
    FakeCallback,
    FakePlatform,
    FakeServers,
    FakeTelegram,
    FakeTwilio,
)
from tests.channels.helpers import telegram_message, twilio_form
from tests.security.servers import assistant_config, user_texts

API_TOKEN = "namespace-test-api-token"
TELEGRAM_SECRET = "namespace-test-secret"
TWILIO_NUMBER = "whatsapp:+14155238886"


@dataclasses.dataclass
class Platforms:
    """The running assistant and the fakes of the platforms it answers on."""

    rasa: str
    telegram: FakeTelegram
    twilio: FakeTwilio
    twilio_webhook: str
    callback: FakeCallback


@pytest.fixture(scope="module")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platforms]:
    telegram = FakeTelegram(port=free_port())
    twilio = FakeTwilio(port=free_port())
    callback = FakeCallback(port=free_port())
    fakes = FakeServers([telegram, twilio, callback])
    fakes.start()
    config = assistant_config(tmp_path_factory.mktemp("namespaces"), API_TOKEN)
    webhook = f"{config.url}/webhooks/twilio/webhook"
    # What make run's credentials file serves for a base file's `callback:` entry.
    served = effective_credentials({}, base={"callback": {"url": callback.url}})
    callback_entry = {
        key: value for key, value in served.items() if "callback" in key.lower()
    }
    config = dataclasses.replace(
        config,
        credentials_text=(
            yaml.safe_dump(callback_entry) + "channels.rest.RestSecureInput:\n"
            "channels.telegram.TelegramSecureInput:\n"
            f'  access_token: "{telegram.token}"\n'
            f'  secret_token: "{TELEGRAM_SECRET}"\n'
            f'  api_base_url: "{telegram.base_url}"\n'
            "channels.twilio.TwilioSecureInput:\n"
            f'  account_sid: "{twilio.account_sid}"\n'
            f'  auth_token: "{twilio.auth_token}"\n'
            f'  webhook_url: "{webhook}"\n'
            f'  whatsapp_number: "{TWILIO_NUMBER}"\n'
            f'  api_base_url: "{twilio.base_url}"\n'
        ),
    )
    try:
        with Assistant(config):
            yield Platforms(config.url, telegram, twilio, webhook, callback)
    finally:
        fakes.stop()


def rest(rasa: str, sender: str, message: str, **extra: Any) -> list[dict[str, Any]]:
    """Post a REST message (no token is configured here) and return the replies."""
    body = json.dumps({"sender": sender, "message": message, **extra}).encode()
    request = urllib.request.Request(
        f"{rasa}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 200
        return json.loads(answer.read())


def assert_rest_stays_out(
    platforms: Platforms, platform: FakePlatform, conversation: str, senders: list[str]
) -> None:
    """REST messages from each of ``senders`` stay in ``rest:<sender>``.

    ``conversation`` (a person's, on ``platform``) keeps what it had, and nothing is
    sent to ``platform``; the REST client gets its replies, addressed to its sender.
    """
    before = user_texts(platforms.rasa, conversation, API_TOKEN)
    start = platform.mark()
    for sender in senders:
        replies = rest(platforms.rasa, sender, "I can't walk")
        assert replies, "the REST client is answered, in its own conversation"
        assert {reply["recipient_id"] for reply in replies} == {sender}
        own = conversation_id("rest", sender)
        assert user_texts(platforms.rasa, own, API_TOKEN) == ["I can't walk"]
    assert user_texts(platforms.rasa, conversation, API_TOKEN) == before
    assert platform.calls_since(start) == []


def telegram_chat_says_hello(platforms: Platforms, chat_id: int) -> str:
    """A Telegram chat's genuine message (signed as Telegram would); its conversation id."""
    answer = requests.post(
        f"{platforms.rasa}/webhooks/telegram/webhook",
        json=telegram_message(chat_id, "hello"),
        headers={SECRET_HEADER: TELEGRAM_SECRET},
        timeout=120,
    )
    assert answer.status_code == 200
    return conversation_id("telegram", str(chat_id))


def test_a_rest_sender_naming_a_telegram_chat_stays_out_of_it(
    platforms: Platforms,
) -> None:
    chat_id = 4242
    telegram = telegram_chat_says_hello(platforms, chat_id)
    assert user_texts(platforms.rasa, telegram, API_TOKEN) == ["hello"]
    assert_rest_stays_out(platforms, platforms.telegram, telegram, [telegram, "4242"])


def test_a_rest_sender_naming_a_whatsapp_number_stays_out_of_it(
    platforms: Platforms,
) -> None:
    number = "whatsapp:+447700900123"
    whatsapp = conversation_id("twilio", number)
    form = twilio_form(platforms.twilio.account_sid, number, TWILIO_NUMBER, "hello")
    signature = RequestValidator(platforms.twilio.auth_token).compute_signature(
        platforms.twilio_webhook, form
    )
    answer = requests.post(
        platforms.twilio_webhook,
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=120,
    )
    assert answer.status_code == 200
    assert user_texts(platforms.rasa, whatsapp, API_TOKEN) == ["hello"]
    assert_rest_stays_out(platforms, platforms.twilio, whatsapp, [whatsapp, number])


def test_a_callback_sender_naming_another_channels_conversation_stays_out_of_it(
    platforms: Platforms,
) -> None:
    """As an attacker would: the callback webhook, a Telegram chat's or a tab's id."""
    chat_id = 4343
    telegram = telegram_chat_says_hello(platforms, chat_id)
    web = conversation_id("socketio", "0123456789abcdef0123456789abcdef")
    start_telegram = platforms.telegram.mark()
    start_callback = platforms.callback.mark()
    senders = [telegram, str(chat_id), web]
    for sender in senders:
        answer = requests.post(
            f"{platforms.rasa}/webhooks/callback/webhook",
            json={"sender": sender, "message": "I can't walk"},
            timeout=120,
        )
        assert answer.status_code == 200
        own = conversation_id("callback", sender)
        assert user_texts(platforms.rasa, own, API_TOKEN) == ["I can't walk"]
    assert user_texts(platforms.rasa, telegram, API_TOKEN) == ["hello"]
    assert user_texts(platforms.rasa, web, API_TOKEN) == []
    assert platforms.telegram.calls_since(start_telegram) == []
    # The caller is answered at its callback URL, addressed to its own sender.
    replies = platforms.callback.calls_since(start_callback)
    assert {call.payload["recipient_id"] for call in replies} == set(senders)


def test_a_callback_request_without_a_sender_is_refused(platforms: Platforms) -> None:
    """Rasa's channel would file it under one shared ``default`` conversation."""
    answer = requests.post(
        f"{platforms.rasa}/webhooks/callback/webhook",
        json={"message": "I can't walk"},
        timeout=30,
    )
    assert answer.status_code == 400
    assert "sender" in answer.json()["error"]
    assert user_texts(platforms.rasa, "default", API_TOKEN) == []


def test_a_rest_client_cannot_claim_another_input_channel(
    platforms: Platforms,
) -> None:
    """The console counts conversations by input channel; REST is always ``rest``."""
    rest(platforms.rasa, "claims-telegram", "hello", input_channel="telegram")
    url = (
        f"{platforms.rasa}/conversations/{conversation_id('rest', 'claims-telegram')}"
        f"/tracker?token={API_TOKEN}"
    )
    events = requests.get(url, timeout=30).json()["events"]
    assert [e["input_channel"] for e in events if e["event"] == "user"] == ["rest"]
