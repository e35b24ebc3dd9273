"""The clinical safety console of the cluster, on loopback, reached through nginx.

It reads the conversations where Rasa writes them (the ``rasa`` database, through the
same ``TRACKER_DB_*`` variables, in read-only transactions), keeps its own tables in the
``console`` database under its own role, and seals its audit log with the cluster's
generated key (``secrets.json``), anchoring it in the state folder. It runs in its own environment (``console/.venv``,
Python 3.11) and starts when that exists, as with ``make run``; ``make cluster``
creates it. Secrets reach it as files its environment names, never on its command line.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from deploy.cluster.instances import tracker_store_env
from deploy.cluster.processes import spawn
from deploy.cluster.settings import (
    CONSOLE_PYTHON,
    REPO,
    ClusterSettings,
    Secrets,
    give_secrets_as_files,
)
from supervisor.process import wait_http

CONSOLE_START_TIMEOUT_S = 60.0


def console_installed() -> bool:
    """Whether the console's environment exists (``make console-install``)."""
    return CONSOLE_PYTHON.is_file()


def console_env(settings: ClusterSettings, cluster_secrets: Secrets) -> dict[str, str]:
    """The console's environment: both databases by their parts, its key, its port."""
    env = dict(os.environ)
    # A URL from the caller's shell would win over the parts below.
    for name in ("CONSOLE_TRACKER_URL", "CONSOLE_DATABASE_URL", "TRACKER_DB_URL"):
        env.pop(name, None)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            **tracker_store_env(settings, cluster_secrets),
            "CONSOLE_DB_HOST": "127.0.0.1",
            "CONSOLE_DB_PORT": str(settings.postgres_port),
            "CONSOLE_DB_NAME": "console",
            "CONSOLE_DB_USER": "console",
            # Its anchors, outside PostgreSQL and apart from make run's console's.
            "CONSOLE_AUDIT_ANCHOR_FILE": str(
                settings.state_dir / "console-audit-anchors.log"
            ),
            "CONSOLE_HOST": "127.0.0.1",
            "CONSOLE_PORT": str(settings.console_port),
            # nginx is the only client; its X-Forwarded-For names the real one.
            "CONSOLE_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "CONSOLE_SECURE_COOKIES": "1",
        }
    )
    # Files, as Compose gives them (its password and key, and the tracker store's).
    env.pop("TRACKER_DB_PASSWORD", None)
    give_secrets_as_files(
        env,
        settings.state_dir,
        {
            "CONSOLE_DB_PASSWORD": cluster_secrets.console_db_password,
            "CONSOLE_AUDIT_KEY": cluster_secrets.console_audit_key,
        },
    )
    return env


def start_console(settings: ClusterSettings, cluster_secrets: Secrets) -> int:
    """Start the console (it migrates its tables first); wait for it; return its pid.

    Raises:
        FileNotFoundError: the console's environment is missing.
    """
    if not console_installed():
        raise FileNotFoundError(f"{CONSOLE_PYTHON} missing: make console-install")
    pid = spawn(
        "console",
        [str(CONSOLE_PYTHON), "-m", "console", "serve"],
        settings=settings,
        env=console_env(settings, cluster_secrets),
    )
    wait_http(
        f"http://127.0.0.1:{settings.console_port}/healthz",
        timeout=CONSOLE_START_TIMEOUT_S,
        pid=pid,
    )
    return pid


def run_console_command(
    settings: ClusterSettings,
    cluster_secrets: Secrets,
    arguments: Sequence[str],
    *,
    stdin_text: str | None = None,
) -> int:
    """Run ``python -m console <arguments>`` on the cluster's databases; its exit status.

    For ``create-user`` (``make cluster-console-user``) and ``verify-audit``; without
    ``stdin_text`` the command talks to this terminal (password prompts).
    """
    return subprocess.run(
        [str(CONSOLE_PYTHON), "-m", "console", *arguments],
        cwd=REPO,
        env=console_env(settings, cluster_secrets),
        input=stdin_text,
        text=True,
        check=False,
    ).returncode
