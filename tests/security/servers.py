"""What the security probes share: free ports, the real assistant, a tracker's turns."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from supervisor.assistant import AssistantConfig
from supervisor.process import free_port
from tests.helpers.assistant import TRAINED_MODEL, trained_assistant


def assistant_config(log_dir: Path, api_token: str, **settings: Any) -> AssistantConfig:
    """The trained assistant on free loopback ports, the HTTP API behind ``api_token``."""
    if not TRAINED_MODEL.is_file():
        pytest.fail(f"{TRAINED_MODEL} is missing: train the model first")
    return trained_assistant(
        (free_port(), free_port()), token=api_token, log_dir=log_dir, **settings
    )


def user_texts(rasa_url: str, sender: str, api_token: str) -> list[str]:
    """The user messages Rasa stored for ``sender`` (read through the HTTP API)."""
    url = f"{rasa_url}/conversations/{sender}/tracker?token={api_token}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        events = json.loads(answer.read())["events"]
    return [e.get("text") or "" for e in events if e.get("event") == "user"]
