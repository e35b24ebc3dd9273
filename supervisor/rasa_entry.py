"""Run Rasa's command line with the HTTP API token taken from the environment.

``python -m supervisor.rasa_entry run --enable-api ...`` is ``rasa run --enable-api
... --auth-token=<token>`` where the token comes from ``RASA_AUTH_TOKEN``: process
arguments are readable by every user of the machine (``ps``, ``/proc/<pid>/cmdline``),
a process's environment only by its owner. The variable is removed before Rasa starts,
so nothing Rasa spawns inherits it.

In a container, ``RASA_AUTH_TOKEN_FILE`` may name a file holding the token instead
(Docker Compose mounts its secrets under ``/run/secrets/``): ``docker inspect`` shows a
container's environment, not its secrets. So may ``<NAME>_FILE`` for the secrets Rasa
reads from its environment (``SECRET_VARIABLES``): they are put into this process's
environment, where Rasa looks for them, and not into the container's.

Modules that a dependency imports only when they are installed, for work the server
never does (``UNUSED_OPTIONAL_MODULES``), are marked unavailable before Rasa starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import Any

from secret_checks import configured_secret

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"
TOKEN_FILE_VARIABLE = f"{TOKEN_VARIABLE}_FILE"
SECRET_VARIABLES = ("TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "ACTION_SERVER_TOKEN")
"""Secrets Rasa itself reads from its environment (``deploy/endpoints.prod.yml``, the
delivery log of ``channels/replay.py``) that a deployment may give as files. The
project's channels read theirs (``WIDGET_SESSION_SECRET``, ``REST_TOKEN``) through
``secret_checks.configured_secret``, files included."""


UNUSED_OPTIONAL_MODULES = ("jax",)
"""TensorFlow imports JAX when it is installed (``tensorflow/lite/python/util.py``, in a
``try``/``except ImportError``) only to convert JAX functions to TFLite, which the
server never does; JAX and jaxlib add 65 MB to the server's resident memory
(``make bench-memory``). TensorFlow 2.12 requires the package, so it stays installed."""


def skip_unused_modules(modules: MutableMapping[str, Any]) -> None:
    """Mark ``UNUSED_OPTIONAL_MODULES`` not yet imported as unavailable in ``modules``.

    Python raises ``ImportError`` for a name that ``sys.modules`` maps to ``None``,
    which the optional imports expect when the package is not installed.
    """
    for name in UNUSED_OPTIONAL_MODULES:
        modules.setdefault(name, None)


def rasa_arguments(argv: list[str], environ: MutableMapping[str, str]) -> list[str]:
    """Rasa's arguments: ``argv`` plus ``--auth-token`` with the token from ``environ``.

    Pops both variables from ``environ``. Refused: a token on the command line as well
    (it would be the one that leaks), both variables at once, and ``--enable-api``
    without a token (an empty secret would open the HTTP API to anyone).
    """
    try:
        token = configured_secret(environ, TOKEN_VARIABLE)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    finally:
        environ.pop(TOKEN_VARIABLE, None)
        environ.pop(TOKEN_FILE_VARIABLE, None)
    # Rasa's argparse takes -t, -t<token>, --auth-token <token> and --auth-token=<token>.
    if any(argument.startswith(("-t", "--auth-token")) for argument in argv):
        raise SystemExit(f"give the token in {TOKEN_VARIABLE}, not as --auth-token")
    if "--enable-api" in argv and not token:
        raise SystemExit(
            f"--enable-api needs a token in {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE}"
        )
    # One argument, so that a token starting with "-" (token_urlsafe makes one in
    # 64) is not read as an option.
    return [*argv, f"--auth-token={token}"] if token else list(argv)


def secrets_from_files(environ: MutableMapping[str, str]) -> None:
    """Each of ``SECRET_VARIABLES`` given as ``<NAME>_FILE``: read into ``<NAME>``.

    Raises:
        SystemExit: a variable is set both ways, or its file cannot be read.
    """
    for name in SECRET_VARIABLES:
        if environ.get(f"{name}_FILE"):
            try:
                environ[name] = configured_secret(environ, name)
            except ValueError as error:
                raise SystemExit(str(error)) from None
            del environ[f"{name}_FILE"]


def main() -> None:
    """Entry point: ``python -m supervisor.rasa_entry <rasa arguments>``."""
    skip_unused_modules(sys.modules)
    from rasa.__main__ import main as rasa_main

    secrets_from_files(os.environ)
    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
