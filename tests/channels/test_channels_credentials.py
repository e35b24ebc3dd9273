"""Credentials come only from the environment, and Rasa can read the result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rasa.shared.utils.io
from rasa.shared.exceptions import RasaException

from channels.credentials import channel_credentials, effective_credentials
from tests.helpers.paths import REPO_ROOT

TELEGRAM_ENV = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "s3cret-_x"}


def test_no_environment_means_only_rest_and_the_widget_socket() -> None:
    assert channel_credentials({}) == {}
    assert list(effective_credentials({})) == [
        "channels.rest.RestSecureInput",
        "channels.socketio.ClinicSocketIOInput",
    ]


def test_the_base_files_socket_settings_go_to_the_widgets_channel() -> None:
    """Rasa's own socket would let a client choose its conversation id."""
    base = {"rest": None, "socketio": {"session_persistence": True}}
    assert effective_credentials({}, base=base) == {
        "channels.rest.RestSecureInput": None,
        "channels.socketio.ClinicSocketIOInput": {"session_persistence": True},
    }


def test_a_channel_is_live_only_with_all_required_variables() -> None:
    half_twilio = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}
    live = channel_credentials({**TELEGRAM_ENV, **half_twilio})
    assert list(live) == ["channels.telegram.TelegramSecureInput"]


def test_secrets_are_written_as_placeholders() -> None:
    live = channel_credentials({**TELEGRAM_ENV, "TELEGRAM_API_BASE_URL": "http://x"})
    assert live["channels.telegram.TelegramSecureInput"] == {
        "access_token": "${TELEGRAM_BOT_TOKEN}",
        "secret_token": "${TELEGRAM_SECRET_TOKEN}",
        "api_base_url": "${TELEGRAM_API_BASE_URL}",
    }


def test_base_file_keeps_other_entries_but_not_insecure_connectors() -> None:
    base = {
        "rest": None,
        "socketio": {"session_persistence": False},
        "telegram": {"access_token": "${TELEGRAM_TOKEN}"},
        "channels.twilio.TwilioSecureInput": {"account_sid": "${X}"},
        "addons.pager.PagerInput": {"url": "http://localhost:5034/pager"},
    }
    result = effective_credentials({}, base=base)
    assert result == {
        "channels.rest.RestSecureInput": None,
        "channels.socketio.ClinicSocketIOInput": {"session_persistence": False},
        "addons.pager.PagerInput": {"url": "http://localhost:5034/pager"},
    }


def test_rasas_callback_channel_is_served_in_its_own_namespace() -> None:
    """Rasa's would file a caller's ``{"sender": "telegram:12345"}`` in that chat."""
    base = {"callback": {"url": "http://localhost:5034/bot"}}
    result = effective_credentials({}, base=base)
    assert "callback" not in result
    assert result["channels.callback.CallbackSecureInput"] == base["callback"]


def _write(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "channels.credentials",
            "--output",
            str(tmp_path / "build" / "credentials.yml"),
            "--print-live",
        ],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )


def test_cli_writes_a_file_rasa_expands_and_reports_live_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _write(tmp_path, {**TELEGRAM_ENV, "SLACK_BOT_TOKEN": "xoxb"})
    assert "telegram: live" in run.stdout
    assert "slack: NOT enabled, missing SLACK_SIGNING_SECRET" in run.stdout
    assert "twilio: off" in run.stdout
    written = (tmp_path / "build" / "credentials.yml").read_text()
    assert "123:abc" not in written and "s3cret" not in written

    for name, value in TELEGRAM_ENV.items():
        monkeypatch.setenv(name, value)
    credentials = rasa.shared.utils.io.read_config_file(
        tmp_path / "build" / "credentials.yml"
    )
    assert credentials["channels.telegram.TelegramSecureInput"] == {
        "access_token": "123:abc",
        "secret_token": "s3cret-_x",
    }
    assert set(credentials) == {
        "channels.rest.RestSecureInput",
        "channels.socketio.ClinicSocketIOInput",
        "channels.telegram.TelegramSecureInput",
    }


def test_rasa_refuses_the_file_when_a_variable_disappears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, TELEGRAM_ENV)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", "s3cret-_x")
    with pytest.raises(RasaException):
        rasa.shared.utils.io.read_config_file(tmp_path / "build" / "credentials.yml")
