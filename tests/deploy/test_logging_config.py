"""The production logging config (deploy/logging.yml): JSON lines, no message text."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import Any

from deploy import cluster
from privacy.logjson import JsonLinesFormatter


def test_logging_config_is_valid_and_writes_json_lines() -> None:
    script = (
        "import logging, rasa.utils.common as c;"
        "c.configure_logging_from_file('deploy/logging.yml');"
        "import rasa.utils.io as io; io.configure_colored_logging('INFO');"
        "logging.getLogger('rasa.core').info('Acquired lock for conversation %s', \"'abc-1'\");"
        "logging.getLogger('rasa.core').debug('debug text must not appear');"
        "logging.getLogger('privacy').info('conversation deleted', extra={'sender_id': 'x9'})"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cluster.REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(cluster.REPO), "PATH": "/usr/bin:/bin"},
    )

    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [line["sender_id"] for line in lines] == ["abc-1", "x9"]
    assert all(line["level"] == "INFO" for line in lines)
    assert "debug text" not in completed.stdout + completed.stderr
    assert "Acquired lock" not in completed.stderr, (
        "coloredlogs handler was not removed"
    )


def format_record(message: str, **extra: Any) -> dict[str, Any]:
    record = logging.LogRecord(
        "rasa.core", logging.INFO, __file__, 1, message, (), None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(JsonLinesFormatter().format(record))


def test_structlog_events_keep_their_fields_but_lose_message_text() -> None:
    entry = format_record(
        json.dumps(
            {
                "event": "rest.message.received.failure",
                "text": "my leg is swollen",
                "user_text": "my leg is swollen",
                "sender_id": "s-1",
                "level": "error",
                "intent": "report_symptom",
            }
        )
    )

    assert entry["msg"] == "rest.message.received.failure"
    assert entry["sender_id"] == "s-1"
    assert entry["intent"] == "report_symptom"
    assert "swollen" not in json.dumps(entry)


def test_plain_messages_without_a_conversation_have_no_sender_id() -> None:
    entry = format_record("Rasa server is up and running.")
    assert entry["msg"] == "Rasa server is up and running."
    assert "sender_id" not in entry
