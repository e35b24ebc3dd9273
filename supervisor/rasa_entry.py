"""Run Rasa's command line with the HTTP API token taken from the environment.

``python -m supervisor.rasa_entry run --enable-api ...`` is ``rasa run --enable-api
... --auth-token <token>`` where the token comes from ``RASA_AUTH_TOKEN``: process
arguments are readable by every user of the machine (``ps``, ``/proc/<pid>/cmdline``),
a process's environment only by its owner. The variable is removed before Rasa starts,
so nothing Rasa spawns inherits it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


def rasa_arguments(argv: list[str], environ: MutableMapping[str, str]) -> list[str]:
    """Rasa's arguments: ``argv`` plus ``--auth-token`` from ``environ`` when it is set.

    Pops the variable from ``environ``. A token on the command line as well is refused:
    it would be the one that leaks.
    """
    token = environ.pop(TOKEN_VARIABLE, "")
    if "--auth-token" in argv:
        raise SystemExit(f"give the token in {TOKEN_VARIABLE}, not as --auth-token")
    return [*argv, "--auth-token", token] if token else list(argv)


def main() -> None:
    """Entry point: ``python -m supervisor.rasa_entry <rasa arguments>``."""
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
