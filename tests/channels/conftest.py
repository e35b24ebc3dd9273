"""Fixtures: fake platform servers, and the real Rasa + action servers wired to them.

The ``stack`` fixture (session scope) starts the fakes in this process, writes
a temporary credentials file with ``python -m channels.credentials`` from a
test environment on top of the deployments' ``deploy/credentials.prod.yml`` (so the
REST channel requires its bearer token, given as a secret file as Compose gives it),
starts ``rasa run actions`` and ``rasa run`` with the trained model on the channel
ports, and stops everything afterwards.

Ports come from the environment: CHANNELS_RASA_PORT (5405),
CHANNELS_ACTIONS_PORT (5455) and CHANNELS_FAKE_PORT_BASE (5480; the fakes use
the next four ports).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervisor.assistant import Assistant
from tests.channels.fakes import (
    FakeGraph,
    FakeServers,
    FakeSlack,
    FakeTelegram,
    FakeTwilio,
)
from tests.channels.stack import API_TOKEN, REST_TOKEN, Stack
from tests.helpers.assistant import TRAINED_MODEL, trained_assistant
from tests.helpers.paths import REPO_ROOT

MODEL = Path(os.environ.get("CHANNELS_MODEL", TRAINED_MODEL))
RASA_PORT = int(os.environ.get("CHANNELS_RASA_PORT", "5405"))
ACTIONS_PORT = int(os.environ.get("CHANNELS_ACTIONS_PORT", "5455"))
FAKE_PORT_BASE = int(os.environ.get("CHANNELS_FAKE_PORT_BASE", "5480"))
STARTUP_TIMEOUT = float(os.environ.get("CHANNELS_STARTUP_TIMEOUT", "600"))
EMERGENCY_NUMBER = "112"


def _channel_env(
    telegram: FakeTelegram, twilio: FakeTwilio, slack: FakeSlack, graph: FakeGraph
) -> dict[str, str]:
    rasa_url = f"http://localhost:{RASA_PORT}"
    return {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_SECRET_TOKEN": "tg-test-secret_0123456789",
        "TELEGRAM_WEBHOOK_URL": f"{rasa_url}/webhooks/telegram/webhook",
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_WEBHOOK_URL": f"{rasa_url}/webhooks/twilio/webhook",
        "TWILIO_NUMBER": "+15005550006",
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": "slack-test-signing-secret",
        "SLACK_API_BASE_URL": slack.api_url,
        "FACEBOOK_VERIFY_TOKEN": "fb-test-verify-token",
        "FACEBOOK_APP_SECRET": "fb-test-app-secret",
        "FACEBOOK_PAGE_ACCESS_TOKEN": graph.page_token,
        "FACEBOOK_GRAPH_BASE_URL": graph.api_url,
    }


@pytest.fixture(scope="session")
def fakes() -> Iterator[tuple[FakeTelegram, FakeTwilio, FakeSlack, FakeGraph]]:
    """The four fake platforms, listening."""
    platforms = (
        FakeTelegram(port=FAKE_PORT_BASE + 1),
        FakeTwilio(port=FAKE_PORT_BASE + 2),
        FakeSlack(port=FAKE_PORT_BASE + 3),
        FakeGraph(port=FAKE_PORT_BASE + 4),
    )
    servers = FakeServers(list(platforms))
    servers.start()
    yield platforms
    servers.stop()


@pytest.fixture(scope="session")
def stack(
    fakes: tuple[FakeTelegram, FakeTwilio, FakeSlack, FakeGraph],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """Rasa and the action server on the channel ports, configured for the fakes."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: the end-to-end channel tests need it.")
    telegram, twilio, slack, graph = fakes
    workdir = tmp_path_factory.mktemp("channels-stack")
    rest_token_file = workdir / "rest_token"
    rest_token_file.write_text(f"{REST_TOKEN}\n", encoding="utf-8")
    rest_token_file.chmod(0o600)
    # The file wins: a REST_TOKEN of the caller's shell must not be set as well.
    rest_env = {"REST_TOKEN": "", "REST_TOKEN_FILE": str(rest_token_file)}
    channel_env = _channel_env(telegram, twilio, slack, graph)
    env = {
        **os.environ,
        **channel_env,
        "RASA_TELEMETRY_ENABLED": "false",
        "EMERGENCY_NUMBER": EMERGENCY_NUMBER,
        "PYTHONPATH": str(REPO_ROOT),
    }
    credentials = workdir / "credentials.yml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "channels.credentials",
            "--base",
            str(REPO_ROOT / "deploy" / "credentials.prod.yml"),
            "--output",
            str(credentials),
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    config = trained_assistant(
        (RASA_PORT, ACTIONS_PORT),
        token=API_TOKEN,
        log_dir=workdir,
        model=MODEL,
        startup_timeout=STARTUP_TIMEOUT,
        env={**channel_env, **rest_env, "EMERGENCY_NUMBER": EMERGENCY_NUMBER},
        credentials=credentials,
    )
    with Assistant(config):
        rasa_url = f"http://localhost:{RASA_PORT}"
        yield Stack(rasa_url, telegram, twilio, slack, graph, channel_env)
