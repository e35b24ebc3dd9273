"""The action server's plug-in: only the Rasa server may run actions.

rasa-sdk 3.6 imports a top-level ``rasa_sdk_plugins`` package at start-up and calls
:func:`init_hooks`; the hook below adds a request middleware to the action server.
When ``ACTION_SERVER_TOKEN`` is set (or ``ACTION_SERVER_TOKEN_FILE`` names a file
holding it, as Compose mounts its secrets), every request except ``GET /health`` must
carry it as the ``token`` query parameter, which is how Rasa's ``action_endpoint``
sends a ``token:`` (endpoints.yml); anything else gets 401. Without either the server
accepts any caller and says so in its log: it then listens on 127.0.0.1 only
(``SANIC_HOST``, set by ``make run`` and the tests).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from secret_checks import configured_secret, secrets_match

logger = logging.getLogger(__name__)

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})
hookimpl = pluggy.HookimplMarker("rasa_sdk")


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Register this module's hook implementations (called by rasa-sdk)."""
    manager.register(sys.modules[__name__])


def required_token(environ: Mapping[str, str]) -> str:
    """The token callers must present: ``ACTION_SERVER_TOKEN`` or its file; "" if none.

    Raises:
        ValueError: the token is given both as the variable and as a file, or its
            file cannot be read or is empty (the server then does not start).
    """
    return configured_secret(environ, TOKEN_ENV)


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Refuse requests without the shared token (when one is configured)."""
    expected = required_token(os.environ)
    if not expected:
        logger.warning("%s is not set: the action server accepts any caller", TOKEN_ENV)
        return

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if secrets_match(expected, request.args.get("token")):
            return None
        logger.warning("Refused an action server request without the right token.")
        return response.json({"error": "unauthorized"}, status=401)

    logger.info("Action server requests need the shared token (%s).", TOKEN_ENV)
