"""The trained assistant as the tests that start real servers configure it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supervisor.assistant import AssistantConfig

TRAINED_MODEL = Path(__file__).resolve().parents[2] / "models" / "hamstring.tar.gz"

needs_trained_model = pytest.mark.skipif(
    not TRAINED_MODEL.is_file(), reason=f"needs the trained model {TRAINED_MODEL}"
)
"""Skips a test when the model has not been trained yet (``make train``)."""


def trained_assistant(
    ports: tuple[int, int], *, token: str | None, log_dir: Path, **fields: Any
) -> AssistantConfig:
    """The assistant on the trained model, with Rasa and the action server on ``ports``.

    ``token`` is the HTTP API's token (``None``: no token) and ``log_dir`` gets the servers' logs and files;
    ``fields`` are any other :class:`AssistantConfig` fields (``model`` included).
    """
    rasa_port, actions_port = ports
    fields.setdefault("model", TRAINED_MODEL)
    return AssistantConfig(
        rasa_port=rasa_port,
        actions_port=actions_port,
        token=token,
        log_dir=log_dir,
        **fields,
    )
