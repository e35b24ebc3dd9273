"""The REST webhook as the deployments run it: nothing without the bearer token.

The stack's Rasa runs the REST channel with the deployments' settings
(``deploy/credentials.prod.yml``: ``require_token``) and its token in a secret file
(``REST_TOKEN_FILE``), as Compose and ``make cluster`` give it. Each refusal has a twin
with the token that does change the conversation, so the refusals can fail.
"""

from __future__ import annotations

import pytest
import requests

from tests.channels.helpers import user_events
from tests.channels.stack import REST_TOKEN, Stack


def rest_post(
    stack: Stack, sender: str, text: str, authorization: str | None
) -> requests.Response:
    """POST one message to the REST webhook with the given Authorization header."""
    headers = {} if authorization is None else {"Authorization": authorization}
    return requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=headers,
        timeout=120,
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token",
        f"Bearer {REST_TOKEN}x",
        f"Basic {REST_TOKEN}",
        REST_TOKEN,
    ],
)
def test_a_request_without_the_token_is_refused_and_changes_nothing(
    stack: Stack, authorization: str | None
) -> None:
    answer = rest_post(stack, "rest-intruder", "I have chest pain", authorization)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized"}
    assert user_events(stack.conversation("rest", "rest-intruder")) == []


def test_a_request_with_the_token_is_answered_in_its_conversation(
    stack: Stack,
) -> None:
    answer = rest_post(stack, "rest-client", "hello", f"Bearer {REST_TOKEN}")
    assert answer.status_code == 200
    replies = answer.json()
    assert replies and {reply["recipient_id"] for reply in replies} == {"rest-client"}
    texts = [e["text"] for e in user_events(stack.conversation("rest", "rest-client"))]
    assert texts == ["hello"]
