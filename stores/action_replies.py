"""Rasa's check of the action server's replies, with its validator built once.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on
every reply of the action server. That function first checks the schema itself against
its meta-schema and builds a new validator, every time; with Rasa's schema of all
event kinds this costs tens of milliseconds per reply, several replies per message
(``make profile``: the largest share of the Rasa server's time under load). Here the
schema is checked and the validator built once per action class, then reused. The
reply is checked against the same schema, the same error (jsonschema's best match) is
raised with the same message, so an invalid reply is still refused as before.

:func:`install` puts the check in place; the project's lock stores call it when Rasa
creates them from ``endpoints.yml`` (``stores/in_memory_lock_store.py``,
``stores/redis_lock_store.py``), the one place where Rasa 3.6 loads project code into
the server at start-up whatever the tracker store.
"""

from __future__ import annotations

import logging
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)

_validators: dict[type[RemoteAction], Any] = {}


def reply_validator(action_class: type[RemoteAction]) -> Any:
    """The validator of ``action_class``'s reply schema, built and checked once."""
    validator = _validators.get(action_class)
    if validator is None:
        schema = action_class.action_response_format_spec()
        validator_class = validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = validator_class(schema)
        _validators[action_class] = validator
    return validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the cached validator.

    Returns True for a valid reply; raises jsonschema's ``ValidationError`` (its best
    match, as ``jsonschema.validate`` does) with Rasa's message otherwise.
    """
    error = best_match(reply_validator(type(self)).iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Make every ``RemoteAction`` check replies with the cached validator (idempotent)."""
    if RemoteAction._validate_action_result is not validate_action_result:
        RemoteAction._validate_action_result = validate_action_result
        logger.debug("Action server replies are checked with a cached validator.")
