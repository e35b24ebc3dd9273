"""The action server as an attacker would meet it: loopback only, a token required.

A real ``rasa run actions`` with the project's plug-in (rasa_sdk_plugins/), started by
the supervisor as ``make run`` starts it.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from supervisor.assistant import Assistant
from supervisor.process import free_port, wait_http
from tests.helpers.assistant import trained_assistant

TOKEN = "action-server-test-token"


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def action_call(action: str, sender: str) -> dict:
    """What Rasa posts to run ``action`` for conversation ``sender``."""
    return {
        "next_action": action,
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "hi", "intent": {}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        },
        "domain": {},
        "version": "3.6.2",
    }


@pytest.fixture(scope="module")
def actions_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An action server with the shared token configured."""
    config = trained_assistant(
        (free_port(), free_port()),
        token=None,
        log_dir=tmp_path_factory.mktemp("actions"),
        action_token=TOKEN,
    )
    service = Assistant(config).actions_service().start()
    try:
        wait_http(f"{config.actions_url}/health", timeout=120, service=service)
        yield config.actions_url
    finally:
        service.stop()


def test_health_is_open(actions_url: str) -> None:
    with urllib.request.urlopen(f"{actions_url}/health", timeout=10) as answer:
        assert answer.status == 200


@pytest.mark.parametrize("query", ["", "?token=", "?token=guess", f"?token={TOKEN}x"])
def test_a_forged_action_call_is_refused(actions_url: str, query: str) -> None:
    """Deleting someone's conversation without the token: 401, nothing run."""
    status, body = post(
        f"{actions_url}/webhook{query}",
        action_call("action_delete_conversation", "someone-else"),
    )
    assert status == 401
    assert body == {"error": "unauthorized"}


def test_the_action_list_needs_the_token(actions_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{actions_url}/actions", timeout=10)
    assert refused.value.code == 401


def test_rasa_with_the_token_is_served(actions_url: str) -> None:
    status, body = post(
        f"{actions_url}/webhook?token={TOKEN}",
        action_call("action_session_start", "me"),
    )
    assert status == 200
    assert any(e.get("event") == "session_started" for e in body["events"])


def test_it_listens_on_loopback_only(actions_url: str) -> None:
    port = int(actions_url.rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))  # no packet is sent
        outward = probe.getsockname()[0]
    if outward.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex((outward, port)) != 0
