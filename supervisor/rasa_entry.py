"""Run Rasa's command line with the HTTP API token taken from the environment.

``python -m supervisor.rasa_entry run --enable-api ...`` is ``rasa run --enable-api
... --auth-token=<token>`` where the token comes from ``RASA_AUTH_TOKEN``: process
arguments are readable by every user of the machine (``ps``, ``/proc/<pid>/cmdline``),
a process's environment only by its owner. The variable is removed before Rasa starts,
so nothing Rasa spawns inherits it.

In a container, ``RASA_AUTH_TOKEN_FILE`` may name a file holding the token instead
(Docker Compose mounts its secrets under ``/run/secrets/``): ``docker inspect`` shows a
container's environment, not its secrets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"
TOKEN_FILE_VARIABLE = "RASA_AUTH_TOKEN_FILE"


def rasa_arguments(argv: list[str], environ: MutableMapping[str, str]) -> list[str]:
    """Rasa's arguments: ``argv`` plus ``--auth-token`` with the token from ``environ``.

    Pops both variables from ``environ``. Refused: a token on the command line as well
    (it would be the one that leaks), both variables at once, and ``--enable-api``
    without a token (an empty secret would open the HTTP API to anyone).
    """
    token = environ.pop(TOKEN_VARIABLE, "")
    token_file = environ.pop(TOKEN_FILE_VARIABLE, "")
    # Rasa's argparse takes -t, -t<token>, --auth-token <token> and --auth-token=<token>.
    if any(argument.startswith(("-t", "--auth-token")) for argument in argv):
        raise SystemExit(f"give the token in {TOKEN_VARIABLE}, not as --auth-token")
    if token and token_file:
        raise SystemExit(f"set {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE}, not both")
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SystemExit(
                f"{TOKEN_FILE_VARIABLE}: cannot read {token_file}: {error}"
            ) from None
    if "--enable-api" in argv and not token:
        raise SystemExit(
            f"--enable-api needs a token in {TOKEN_VARIABLE} or {TOKEN_FILE_VARIABLE}"
        )
    # One argument, so that a token starting with "-" (token_urlsafe makes one in
    # 64) is not read as an option.
    return [*argv, f"--auth-token={token}"] if token else list(argv)


def main() -> None:
    """Entry point: ``python -m supervisor.rasa_entry <rasa arguments>``."""
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
