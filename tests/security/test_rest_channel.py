"""The REST webhook probed as an attacker would: bad input is refused, never a 500.

A real Rasa server with the trained model and the project's REST channel
(channels/rest.py), started by the supervisor with a REST token configured.
"""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from channels.conversation_id import conversation_id
from supervisor.assistant import Assistant
from tests.security.servers import assistant_config, user_texts

REST_TOKEN = "rest-test-token"
API_TOKEN = "rest-test-api-token"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """Rasa and the action server, REST behind ``REST_TOKEN``."""
    config = assistant_config(
        tmp_path_factory.mktemp("rest"), API_TOKEN, env={"REST_TOKEN": REST_TOKEN}
    )
    with Assistant(config) as running:
        yield running


@pytest.fixture(scope="module")
def rasa(assistant: Assistant) -> str:
    """The Rasa server's URL."""
    return assistant.url


def post(url: str, body: bytes, token: str | None = REST_TOKEN) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.parametrize(
    "body",
    [
        b'["hi"]',
        b'"hi"',
        b"not json",
        b'{"message": "hi"}',
        b'{"sender": "", "message": "hi"}',
        b'{"sender": ["x"], "message": "hi"}',
        b'{"sender": "a b", "message": "hi"}',
        b'{"sender": "probe", "message": ["hi"]}',
        b'{"sender": "probe", "message": {"text": "hi"}}',
        b'{"sender": "probe", "message": 42}',
        b'{"sender": "probe", "message": null}',
        b'{"sender": "probe", "message": "hi", "metadata": [1]}',
    ],
)
def test_malformed_requests_get_400_with_a_reason(rasa: str, body: bytes) -> None:
    status, answer = post(f"{rasa}/webhooks/rest/webhook", body)
    assert status == 400
    assert isinstance(answer, dict) and answer["error"]


def test_a_huge_message_is_refused(rasa: str) -> None:
    body = json.dumps({"sender": "probe", "message": "a" * 1_000_000}).encode()
    status, _ = post(f"{rasa}/webhooks/rest/webhook", body)
    assert status == 400


@pytest.mark.parametrize("token", [None, "", "wrong", REST_TOKEN + "x"])
def test_without_the_token_nothing_is_written(rasa: str, token: str | None) -> None:
    body = json.dumps({"sender": "victim", "message": "I can't walk"}).encode()
    status, answer = post(f"{rasa}/webhooks/rest/webhook", body, token=token)
    assert status == 401
    assert answer == {"error": "unauthorized"}
    assert user_texts(rasa, conversation_id("rest", "victim"), API_TOKEN) == []


def test_a_well_formed_request_is_answered(rasa: str) -> None:
    for message in ("hi", "", "🤷"):
        body = json.dumps({"sender": "owner", "message": message}).encode()
        status, answer = post(f"{rasa}/webhooks/rest/webhook", body)
        assert status == 200
        assert answer and all("text" in reply for reply in answer)
        assert {reply["recipient_id"] for reply in answer} == {"owner"}
    assert len(user_texts(rasa, conversation_id("rest", "owner"), API_TOKEN)) == 3


def test_a_streamed_request_is_answered_in_its_own_conversation(rasa: str) -> None:
    """``?stream=true`` (as ``rasa shell`` asks) files and addresses replies the same."""
    body = json.dumps({"sender": "streamer", "message": "hi"}).encode()
    request = urllib.request.Request(
        f"{rasa}/webhooks/rest/webhook?stream=true",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {REST_TOKEN}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        replies = [json.loads(line) for line in answer.read().splitlines() if line]
    assert replies and {reply["recipient_id"] for reply in replies} == {"streamer"}
    assert user_texts(rasa, conversation_id("rest", "streamer"), API_TOKEN) == ["hi"]


def process_group(pid: int) -> int | None:
    """The process group of ``pid``, None when it has exited meanwhile."""
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_the_api_token_is_in_no_process_arguments(assistant: Assistant) -> None:
    """``ps`` shows every user each process's arguments: the token is not among them."""
    leader = assistant.services["rasa"].pid
    assert leader is not None
    group = [
        proc
        for proc in Path("/proc").iterdir()
        if proc.name.isdigit() and process_group(int(proc.name)) == leader
    ]
    assert group, "the Rasa server's processes were not found"
    for proc in group:
        cmdline = (proc / "cmdline").read_bytes()
        assert API_TOKEN.encode() not in cmdline, cmdline
    # It is served all the same.
    with urllib.request.urlopen(f"{assistant.url}/status?token={API_TOKEN}") as answer:
        assert answer.status == 200


def test_logs_are_readable_by_their_owner_only(assistant: Assistant) -> None:
    """The servers' logs (and the folder) are not readable by other users."""
    log_dir = assistant.config.log_dir
    assert stat.S_IMODE(log_dir.stat().st_mode) & 0o077 == 0
    logs = list(log_dir.glob("*.log"))
    assert {p.name for p in logs} >= {"rasa.log", "actions.log"}
    for path in logs:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
