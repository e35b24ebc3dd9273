"""Twilio SMS and WhatsApp end to end: signed webhooks in, Messages API calls out.

Runs the real Rasa server and action server with the trained model (see the
``stack`` fixture in conftest.py). A sender's messages are filed under the conversation
``twilio:<From>`` (``twilio:whatsapp:+1...`` on WhatsApp) and answered at ``<From>``.
"""

from __future__ import annotations

from typing import Any

import requests
from twilio.request_validator import RequestValidator

from tests.channels.helpers import (
    remedy_texts,
    screen_answers,
    screen_until_remedy,
    twilio_form,
    user_events,
)
from tests.channels.stack import Stack

OPTIONS = "1. Yes  2. No  3. Not sure"


def _post(
    stack: Stack, form: dict[str, str], *, auth_token: str | None = ""
) -> requests.Response:
    url = stack.env["TWILIO_WEBHOOK_URL"]
    headers = {}
    token = stack.env["TWILIO_AUTH_TOKEN"] if auth_token == "" else auth_token
    if token is not None:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            url, form
        )
    return requests.post(url, data=form, headers=headers, timeout=120)


def _text(stack: Stack, sender: str, body: str, to: str | None = None) -> None:
    form = twilio_form(
        stack.env["TWILIO_ACCOUNT_SID"], sender, to or stack.env["TWILIO_NUMBER"], body
    )
    answer = _post(stack, form)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/xml")


def _sent_to(stack: Stack, recipient: str, start: int) -> list[dict[str, Any]]:
    return [
        c.payload
        for c in stack.twilio.calls_since(start)
        if c.payload["To"] == recipient
    ]


def test_full_sms_screening_answered_in_words_ends_in_remedy_advice(
    stack: Stack,
) -> None:
    sender = "+15550100001"
    start, refused = stack.twilio.mark(), len(stack.twilio.refused)
    _text(stack, sender, "I've got a cramp in my hamstring")

    tracker = screen_until_remedy(
        lambda: stack.conversation("twilio", sender), lambda: _text(stack, sender, "no")
    )

    assert tracker["sender_id"] == "twilio:+15550100001"
    assert set(screen_answers(tracker).values()) == {"absent"}
    assert tracker["slots"]["triage_level"] == "self_care"
    # Every reply went to the number itself, none to the conversation id.
    assert {c.payload["To"] for c in stack.twilio.calls_since(start)} == {sender}
    sent = _sent_to(stack, sender, start)
    assert all(m["From"] == stack.env["TWILIO_NUMBER"] for m in sent)
    assert all(len(m["Body"]) <= 1600 for m in sent)
    assert any(m["Body"].endswith(OPTIONS) for m in sent)
    bodies = [m["Body"] for m in sent]
    for remedy in remedy_texts(tracker):
        assert remedy.strip() in bodies
    assert stack.twilio.refused[refused:] == []


def test_numbered_reply_2_answers_no(stack: Stack) -> None:
    sender = "+15550100002"
    start = stack.twilio.mark()
    _text(stack, sender, "I have a cramp in my hamstring")
    asked = stack.conversation("twilio", sender)["slots"]["requested_slot"]
    assert asked and asked.startswith("screen_")
    assert _sent_to(stack, sender, start)[-1]["Body"].endswith(OPTIONS)

    _text(stack, sender, "2")

    tracker = stack.conversation("twilio", sender)
    last_user = user_events(tracker)[-1]
    assert last_user["text"] == "/deny"
    assert last_user["parse_data"]["intent"]["name"] == "deny"
    assert tracker["slots"][asked] == "absent"


def test_whatsapp_red_flag_escalates_and_leads_with_the_number(stack: Stack) -> None:
    sender = "whatsapp:+15550100003"
    start = stack.twilio.mark()
    _text(
        stack,
        sender,
        "my leg cramped and now I have chest pain and I'm short of breath",
        to=stack.env["TWILIO_WHATSAPP_NUMBER"],
    )

    tracker = stack.conversation("twilio", sender)
    assert tracker["sender_id"] == "twilio:whatsapp:+15550100003"
    assert tracker["slots"]["triage_level"] == "emergency"
    assert remedy_texts(tracker) == []
    assert {c.payload["To"] for c in stack.twilio.calls_since(start)} == {sender}
    sent = _sent_to(stack, sender, start)
    assert sent, "no reply reached Twilio"
    assert sent[0]["Body"].startswith("Call 112 now")
    assert all(m["From"] == stack.env["TWILIO_WHATSAPP_NUMBER"] for m in sent)


def test_unsigned_or_forged_requests_are_refused_and_change_nothing(
    stack: Stack,
) -> None:
    sender = "+15550100004"
    start = stack.twilio.mark()
    form = twilio_form(
        stack.env["TWILIO_ACCOUNT_SID"], sender, stack.env["TWILIO_NUMBER"], "hello"
    )

    missing = _post(stack, form, auth_token=None)
    wrong_key = _post(stack, form, auth_token="someone-elses-token")
    signature = RequestValidator(stack.env["TWILIO_AUTH_TOKEN"]).compute_signature(
        stack.env["TWILIO_WEBHOOK_URL"], form
    )
    tampered = requests.post(
        stack.env["TWILIO_WEBHOOK_URL"],
        data={**form, "Body": "I have chest pain"},
        headers={"X-Twilio-Signature": signature},
        timeout=30,
    )

    assert (missing.status_code, wrong_key.status_code, tampered.status_code) == (
        401,
        403,
        403,
    )
    assert user_events(stack.conversation("twilio", sender)) == []
    assert _sent_to(stack, sender, start) == []
