"""A REST client that names another channel's conversation can neither write nor read it.

A real Rasa server with the trained model, the project's REST channel and its Telegram
and Twilio connectors, which talk to local fakes of the platforms' APIs
(tests/channels/fakes.py). A person writes on Telegram and on WhatsApp; then a REST
client sends messages whose ``sender`` is that person's conversation id
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
from twilio.request_validator import RequestValidator

from channels.conversation_id import conversation_id
from channels.telegram import SECRET_HEADER
from supervisor.assistant import Assistant
from supervisor.process import free_port
from tests.channels.fakes import FakePlatform, FakeServers, FakeTelegram, FakeTwilio
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


@pytest.fixture(scope="module")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platforms]:
    telegram = FakeTelegram(port=free_port())
    twilio = FakeTwilio(port=free_port())
    fakes = FakeServers([telegram, twilio])
    fakes.start()
    config = assistant_config(tmp_path_factory.mktemp("namespaces"), API_TOKEN)
    webhook = f"{config.url}/webhooks/twilio/webhook"
    config = dataclasses.replace(
        config,
        credentials_text=(
            "channels.rest.RestSecureInput:\n"
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
            yield Platforms(config.url, telegram, twilio, webhook)
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


def test_a_rest_sender_naming_a_telegram_chat_stays_out_of_it(
    platforms: Platforms,
) -> None:
    chat_id = 4242
    telegram = conversation_id("telegram", str(chat_id))
    answer = requests.post(
        f"{platforms.rasa}/webhooks/telegram/webhook",
        json=telegram_message(chat_id, "hello"),
        headers={SECRET_HEADER: TELEGRAM_SECRET},
        timeout=120,
    )
    assert answer.status_code == 200
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
