"""Slack and Messenger: signed requests reach the bot, others are refused.

Runs the real Rasa server and action server with the trained model (see the
``stack`` fixture in conftest.py). Each refusal test has a signed twin that
does change the conversation, so the refusal assertions can fail. Messages are filed
under ``slack:<user>`` and ``messenger:<PSID>`` and answered at the platform's ids.
"""

from __future__ import annotations

import time

import requests

from tests.channels.helpers import (
    hub_signature,
    messenger_event,
    slack_event,
    slack_headers,
    user_events,
)
from tests.channels.stack import Stack


def _wait_for_user_event(
    stack: Stack, channel: str, sender: str, timeout: float = 60
) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = user_events(stack.conversation(channel, sender))
        if events:
            return events
        time.sleep(0.5)
    return []


# --- Slack ------------------------------------------------------------------


def _slack_post(stack: Stack, body: bytes, headers: dict) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/slack/webhook",
        data=body,
        headers=headers,
        timeout=60,
    )


def test_signed_slack_message_reaches_the_bot_and_gets_a_reply(stack: Stack) -> None:
    user = "USLACK1"
    start = stack.slack.mark()
    body = slack_event(user, "hello")
    answer = _slack_post(
        stack, body, slack_headers(stack.env["SLACK_SIGNING_SECRET"], body)
    )
    assert answer.status_code == 200

    assert [e["text"] for e in _wait_for_user_event(stack, "slack", user)] == ["hello"]
    calls = stack.slack.wait_for(
        lambda calls: any(c.payload.get("channel") == f"D{user}" for c in calls),
        start=start,
        timeout=60,
    )
    assert all(c.method == "chat.postMessage" for c in calls)
    assert {c.payload.get("channel") for c in calls} == {f"D{user}"}


def test_slack_requests_with_bad_signatures_are_refused_with_401(stack: Stack) -> None:
    user = "USLACK2"
    start = stack.slack.mark()
    secret = stack.env["SLACK_SIGNING_SECRET"]
    body = slack_event(user, "I have chest pain")
    missing = {"Content-Type": "application/json"}
    wrong = slack_headers("not-the-signing-secret", body)
    stale = slack_headers(secret, body, timestamp=int(time.time()) - 3600)
    tampered = slack_headers(secret, slack_event(user, "hello"))

    statuses = [
        _slack_post(stack, body, h).status_code
        for h in (missing, wrong, stale, tampered)
    ]

    assert statuses == [401, 401, 401, 401]
    time.sleep(2)  # Rasa's Slack connector handles messages in the background.
    assert user_events(stack.conversation("slack", user)) == []
    assert stack.slack.calls_since(start) == []


def test_a_slack_turn_is_kept_when_slack_refuses_the_replies(stack: Stack) -> None:
    """Slack answers 429 to every attempt: the turn is stored all the same.

    Rasa stores a turn after its replies are sent, so a send that raised lost the
    person's message (and anything it told the assistant) with the replies.
    """
    user = "USLACKBUSY"
    refused = len(stack.slack.refused)
    stack.slack.rate_limited.add(f"D{user}")
    try:
        body = slack_event(user, "hello")
        answer = _slack_post(
            stack, body, slack_headers(stack.env["SLACK_SIGNING_SECRET"], body)
        )
        assert answer.status_code == 200
        events = _wait_for_user_event(stack, "slack", user)
    finally:
        stack.slack.rate_limited.discard(f"D{user}")
    assert [e["text"] for e in events] == ["hello"]
    # Every reply was tried the attempts PLATFORM_SEND_ATTEMPTS allows (3), no more.
    refusals = stack.slack.refused[refused:]
    assert refusals and set(refusals) == {("chat.postMessage", 429)}
    assert len(refusals) % 3 == 0


# --- Messenger --------------------------------------------------------------


def _fb_post(stack: Stack, body: bytes, headers: dict) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/facebook/webhook",
        data=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=120,
    )


def test_signed_messenger_message_reaches_the_bot_and_gets_a_reply(
    stack: Stack,
) -> None:
    psid = "psid-signed-1"
    start = stack.graph.mark()
    body = messenger_event(psid, "hello")
    signature = hub_signature(stack.env["FACEBOOK_APP_SECRET"], body)
    answer = _fb_post(stack, body, {"X-Hub-Signature-256": signature})
    assert answer.status_code == 200

    assert [e["text"] for e in user_events(stack.conversation("facebook", psid))] == [
        "hello"
    ]
    sent = stack.graph.calls_since(start)
    assert sent
    assert {c.payload["recipient"]["id"] for c in sent} == {psid}


def test_legacy_sha1_signature_alone_is_refused(stack: Stack) -> None:
    """SHA-1 is not trusted: without the SHA-256 header nothing is processed."""
    psid = "psid-signed-2"
    body = messenger_event(psid, "hello")
    signature = hub_signature(stack.env["FACEBOOK_APP_SECRET"], body, "sha1")
    assert _fb_post(stack, body, {"X-Hub-Signature": signature}).status_code == 401
    assert user_events(stack.conversation("facebook", psid)) == []


def test_messenger_requests_with_bad_signatures_are_refused(stack: Stack) -> None:
    psid = "psid-forged"
    start = stack.graph.mark()
    secret = stack.env["FACEBOOK_APP_SECRET"]
    body = messenger_event(psid, "I have chest pain")
    cases = {
        "missing": {},
        "wrong secret": {"X-Hub-Signature-256": hub_signature("nope", body)},
        "other body": {
            "X-Hub-Signature-256": hub_signature(secret, messenger_event(psid, "hi"))
        },
        "md5 chosen by caller": {
            "X-Hub-Signature-256": hub_signature(secret, body, "md5")
        },
        "sha1 in the 256 header": {
            "X-Hub-Signature-256": hub_signature(secret, body, "sha1")
        },
    }

    statuses = {name: _fb_post(stack, body, h).status_code for name, h in cases.items()}

    assert statuses == {
        "missing": 401,
        "wrong secret": 403,
        "other body": 403,
        "md5 chosen by caller": 403,
        "sha1 in the 256 header": 403,
    }
    assert user_events(stack.conversation("facebook", psid)) == []
    assert stack.graph.calls_since(start) == []


def test_messenger_subscription_needs_the_verify_token(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/facebook/webhook"
    right = {
        "hub.mode": "subscribe",
        "hub.verify_token": stack.env["FACEBOOK_VERIFY_TOKEN"],
        "hub.challenge": "1158201444",
    }
    ok = requests.get(url, params=right, timeout=30)
    refused = requests.get(url, params={**right, "hub.verify_token": "x"}, timeout=30)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert refused.status_code == 403
