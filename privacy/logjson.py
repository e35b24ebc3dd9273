"""JSON-lines log formatting that carries the conversation id and never message text.

Used by ``deploy/logging.yml`` (``rasa run --logging-config-file deploy/logging.yml``).
Each record becomes one JSON object: ``ts``, ``level``, ``logger``, ``msg``, and
``sender_id`` when the record names a conversation, taken from (in order) an ``extra``
attribute, a structlog event (Rasa renders those as JSON strings), or the message itself
("... sender_id 'abc' ...", "conversation 'abc'"). Fields that carry what people typed or
what the bot said are dropped from structlog events; at DEBUG, Rasa's own free-text
messages may still quote user text, which is why production runs at INFO.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import sys
from typing import Any

TEXT_FIELDS = frozenset(
    {
        "text",
        "user_text",
        "response_text",
        "message",
        "user_message",
        "json_message",
        "parse_data_text",
        "parse_data_entities",
        "tracker_latest_message",
        "slot_values",
        "rasa_event",
        "rasa_events",
        "prediction_events",
        "response",
        "entity",
        "token_text",
    }
)
"""Structlog keys that Rasa itself treats as personal data (see rasa.utils.log_utils)."""

_CONVERSATION_ID = re.compile(
    r"(?:sender_id|sender id|conversation_id|conversation id|conversation)"
    r"\s*[=:]?\s*'([^'\s]{1,255})'"
)
_UTC = datetime.timezone.utc


def _conversation_id_from(record: logging.LogRecord, message: str) -> str | None:
    for attribute in ("sender_id", "conversation_id"):
        value = getattr(record, attribute, None)
        if value:
            return str(value)
    match = _CONVERSATION_ID.search(message)
    return match.group(1) if match else None


class JsonLinesFormatter(logging.Formatter):
    """Format log records as single-line JSON objects with the conversation id."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one JSON line."""
        message = record.getMessage()
        entry: dict[str, Any] = {
            "ts": datetime.datetime.fromtimestamp(record.created, tz=_UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
        }
        structured = _structlog_event(message)
        if structured is not None:
            entry["msg"] = structured.get("event", "")
            entry.update(
                {
                    key: value
                    for key, value in structured.items()
                    if key not in TEXT_FIELDS and key not in ("event", "level")
                }
            )
        else:
            entry["msg"] = message
        sender_id = entry.get("sender_id") or _conversation_id_from(record, message)
        if sender_id:
            entry["sender_id"] = sender_id
        for key in ("events_deleted", "conversations"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _structlog_event(message: str) -> dict[str, Any] | None:
    """Parse a structlog JSON rendering, or return None for a plain message."""
    if not (message.startswith("{") and message.endswith("}")):
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and "event" in parsed else None


class JsonLinesHandler(logging.Handler):
    """Write records to stdout, and make this the only console handler of the root logger.

    The Rasa CLI installs a coloredlogs console handler *after* applying
    ``--logging-config-file``, replacing any ``StreamHandler`` the file configured. This
    handler is not a ``StreamHandler`` (so it survives), and on its first record it removes
    the other console handlers from the root logger, so the output stays pure JSON lines.
    """

    def __init__(self, level: int = logging.NOTSET, *, exclusive: bool = True) -> None:
        """Create the handler; ``exclusive`` removes other console handlers on first use."""
        super().__init__(level)
        self._exclusive = exclusive

    def emit(self, record: logging.LogRecord) -> None:
        """Write one JSON line to stdout."""
        if self._exclusive:
            self._exclusive = False
            root = logging.getLogger()
            for handler in list(root.handlers):
                if handler is not self and _writes_to_console(handler):
                    root.removeHandler(handler)
        try:
            line = self.format(record)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except Exception:  # noqa: BLE001 (logging must never raise)
            self.handleError(record)


def _writes_to_console(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return isinstance(handler, logging.StreamHandler) and stream in (
        sys.stdout,
        sys.stderr,
        sys.__stdout__,
        sys.__stderr__,
    )
