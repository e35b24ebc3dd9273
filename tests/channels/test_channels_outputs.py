"""Each output channel against its fake platform: wire format, limits, buttons.

No Rasa server is needed: the output channels are driven directly and the
fakes check the requests the way the real APIs would.
"""

from __future__ import annotations

import asyncio

from channels.facebook import FacebookSecureOutput
from channels.slack import SlackSecureOutput
from channels.telegram import TelegramSecureOutput
from channels.telegram_api import TelegramBotApi
from channels.text import OfferedOptions
from channels.twilio import TwilioSecureOutput
from tests.channels.fakes import FakeTwilio

YES_NO_UNSURE = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Not sure", "payload": "/express_unsure"},
]
EMERGENCY = "Call 112 now. This needs emergency care straight away."
LONG_ADVICE = "\n\n".join(
    " ".join(["Stay still and keep the leg supported while you wait."] * 12)
    for _ in range(20)
)
# The emergency line first, then advice too long for one message on any platform.
EMERGENCY_REPLY = f"{EMERGENCY}\n\n{LONG_ADVICE}"


def _twilio(
    fake: FakeTwilio, sender: str, options: OfferedOptions
) -> TwilioSecureOutput:
    return TwilioSecureOutput(
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        api_base_url=fake.base_url,
        sender=sender,
        messaging_service_sid=None,
        options=options,
    )


def test_twilio_sms_reply_is_split_to_1600_and_leads_with_the_number(fakes) -> None:
    _, twilio, _, _ = fakes
    start, refused = twilio.mark(), len(twilio.refused)
    output = _twilio(twilio, "+15005550006", OfferedOptions())
    asyncio.run(output.send_text_message("+15550000001", EMERGENCY_REPLY))
    bodies = [c.payload["Body"] for c in twilio.calls_since(start)]
    assert len(bodies) >= 7
    assert bodies[0].startswith("Call 112 now.")
    assert all(len(b) <= 1600 for b in bodies)
    assert twilio.refused[refused:] == []


def test_twilio_whatsapp_reply_uses_the_whatsapp_limit(fakes) -> None:
    _, twilio, _, _ = fakes
    start = twilio.mark()
    output = _twilio(twilio, "whatsapp:+14155238886", OfferedOptions())
    asyncio.run(output.send_text_message("whatsapp:+15550000002", LONG_ADVICE))
    calls = twilio.calls_since(start)
    assert 1 < len(calls) < 7
    assert all(c.payload["From"] == "whatsapp:+14155238886" for c in calls)
    assert all(len(c.payload["Body"]) <= 4096 for c in calls)


def test_twilio_buttons_become_numbered_options_on_the_last_message(fakes) -> None:
    _, twilio, _, _ = fakes
    start = twilio.mark()
    options = OfferedOptions()
    output = _twilio(twilio, "+15005550006", options)
    asyncio.run(
        output.send_text_with_buttons("+15550000003", LONG_ADVICE, YES_NO_UNSURE)
    )
    bodies = [c.payload["Body"] for c in twilio.calls_since(start)]
    assert bodies[-1].endswith("\n\n1. Yes  2. No  3. Not sure")
    assert all(len(b) <= 1600 for b in bodies)
    assert options.take_answer("+15550000003", "3") == "/express_unsure"


def test_twilio_wrong_credentials_are_refused_by_the_fake(fakes) -> None:
    _, twilio, _, _ = fakes
    start, refused = twilio.mark(), len(twilio.refused)
    output = TwilioSecureOutput(
        account_sid=twilio.account_sid,
        auth_token="wrong",
        api_base_url=twilio.base_url,
        sender="+15005550006",
        messaging_service_sid=None,
        options=OfferedOptions(),
    )
    asyncio.run(output.send_text_message("+15550000004", "hello"))
    assert twilio.calls_since(start) == []
    assert twilio.refused[refused:] == [("Messages", 401)]


def test_telegram_long_reply_with_buttons_puts_keyboard_on_last_part(fakes) -> None:
    telegram, _, _, _ = fakes
    start = telegram.mark()
    api = TelegramBotApi(telegram.token, api_base_url=telegram.base_url)
    output = TelegramSecureOutput(api, options=OfferedOptions())
    text = f"{EMERGENCY_REPLY}\n\n{LONG_ADVICE}"
    asyncio.run(output.send_text_with_buttons("42", text, YES_NO_UNSURE))
    calls = telegram.calls_since(start, "sendMessage")
    assert len(calls) > 1
    assert calls[0].payload["text"].startswith("Call 112 now.")
    assert all(len(c.payload["text"]) <= 4096 for c in calls)
    assert all("reply_markup" not in c.payload for c in calls[:-1])
    keyboard = calls[-1].payload["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in keyboard] == [
        "/affirm",
        "/deny",
        "/express_unsure",
    ]


def test_slack_long_reply_is_split_to_3000(fakes) -> None:
    _, _, slack, _ = fakes
    start, refused = slack.mark(), len(slack.refused)
    output = SlackSecureOutput(slack.token, api_base_url=slack.api_url)
    asyncio.run(output.send_text_with_buttons("D123", EMERGENCY_REPLY, YES_NO_UNSURE))
    calls = slack.calls_since(start, "chat.postMessage")
    assert len(calls) >= 4
    assert calls[0].payload["text"].startswith("Call 112 now.")
    assert all(len(c.payload["text"]) <= 3000 for c in calls)
    assert "blocks" in calls[-1].payload
    assert slack.refused[refused:] == []


def test_messenger_buttons_use_a_template_with_at_most_640_chars(fakes) -> None:
    _, _, _, graph = fakes
    start, refused = graph.mark(), len(graph.refused)
    output = FacebookSecureOutput(graph.page_token, graph_base_url=graph.api_url)
    asyncio.run(output.send_text_with_buttons("psid-1", EMERGENCY_REPLY, YES_NO_UNSURE))
    messages = [c.payload["message"] for c in graph.calls_since(start)]
    assert messages[0]["text"].startswith("Call 112 now.")
    assert all(len(m.get("text", "")) <= 2000 for m in messages)
    template = messages[-1]["attachment"]["payload"]
    assert template["template_type"] == "button"
    assert len(template["text"]) <= 640
    assert [b["payload"] for b in template["buttons"]] == [
        "/affirm",
        "/deny",
        "/express_unsure",
    ]
    assert graph.refused[refused:] == []


def test_messenger_more_than_three_buttons_become_quick_replies(fakes) -> None:
    _, _, _, graph = fakes
    start = graph.mark()
    output = FacebookSecureOutput(graph.page_token, graph_base_url=graph.api_url)
    buttons = [{"title": f"Option {n}", "payload": f"/intent_{n}"} for n in range(4)]
    asyncio.run(output.send_text_with_buttons("psid-2", "Pick one", buttons))
    (call,) = graph.calls_since(start)
    assert len(call.payload["message"]["quick_replies"]) == 4
