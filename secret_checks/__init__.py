"""The one check of a presented secret, for both servers, and where a secret is read.

Rasa's channels (``channels/``: the REST bearer token, Telegram's secret header, the
Messenger signature and verify token) and the action server's plug-in
(``rasa_sdk_plugins/``: Rasa's token) compare what a caller sent with the configured
secret here. A configured secret comes from a variable or the file ``<variable>_FILE``
names (``configured_secret``), as Compose mounts its secrets. The module imports only
the standard library, so every server (Rasa, the action server, the safety console)
imports it without the others' dependencies.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from pathlib import Path


def secrets_match(expected: str, received: str | None) -> bool:
    """Compare a received secret with the expected one in constant time.

    An empty or missing secret on either side never matches.
    """
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def configured_secret(
    env: Mapping[str, str], name: str, *, may_be_empty: bool = False
) -> str:
    """A configured secret: the variable ``name``, or the file ``<name>_FILE`` names.

    Deployments give secrets as files (Compose mounts them under ``/run/secrets/``):
    ``docker inspect`` shows a container's environment, not its secrets. The file's
    surrounding white space is dropped; "" when neither is set. A file that is named
    but holds nothing is refused rather than read as "no secret": it is a deployment's
    mistake (a variable left out of ``deploy/.env``), and a server without its secret
    would start open (the action server) or sign with a key of its own (the widget).

    ``may_be_empty`` is for a list that starts empty (the console's retired audit
    keys before the first rotation): its empty file reads as "".

    Raises:
        ValueError: both are set, or the file cannot be read or is empty (unless
            ``may_be_empty``).
    """
    value = env.get(name, "")
    path = env.get(f"{name}_FILE", "")
    if value and path:
        raise ValueError(f"set {name} or {name}_FILE, not both")
    if not path:
        return value
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ValueError(f"{name}_FILE: cannot read {path}: {error}") from None
    if not secret and not may_be_empty:
        raise ValueError(f"{name}_FILE: {path} is empty")
    return secret
