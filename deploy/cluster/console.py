"""The clinical safety console of the cluster, on loopback, reached through nginx.

It reads the conversations where Rasa writes them (the ``rasa`` database, through the
same ``TRACKER_DB_*`` variables, in read-only transactions), keeps its own tables in the
``console`` database under its own role, and seals its audit log with the cluster's
generated key (``secrets.json``), anchoring it in the state folder. It runs in its own environment (``console/.venv``,
Python 3.11) and starts when that exists, as with ``make run``; ``make cluster``
creates it. Secrets reach it as files its environment names, never on its command line.
``make cluster-rotate-audit-key`` hands its audit log over to a new key
(:func:`rotate_audit_key`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import subprocess
from collections.abc import Sequence

from deploy.cluster.instances import tracker_store_env
from deploy.cluster.processes import spawn, stop_named
from deploy.cluster.settings import (
    CONSOLE_PYTHON,
    REPO,
    ClusterSettings,
    Secrets,
    give_secrets_as_files,
)
from supervisor.process import pid_alive, read_pid, wait_http

logger = logging.getLogger(__name__)

CONSOLE_START_TIMEOUT_S = 60.0


def console_installed() -> bool:
    """Whether the console's environment exists (``make console-install``)."""
    return CONSOLE_PYTHON.is_file()


def console_env(settings: ClusterSettings, cluster_secrets: Secrets) -> dict[str, str]:
    """The console's environment: both databases by their parts, its key, its port."""
    env = dict(os.environ)
    # A URL from the caller's shell would win over the parts below (its key files are
    # replaced by the cluster's, below).
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
            # Empty until the first rotation (make cluster-rotate-audit-key).
            "CONSOLE_AUDIT_KEYS_RETIRED": cluster_secrets.console_audit_keys_retired,
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

    For ``create-user`` (``make cluster-console-user``), ``verify-audit`` and
    ``rotate-audit-key``; without ``stdin_text`` the command talks to this terminal
    (password prompts).
    """
    return subprocess.run(
        [str(CONSOLE_PYTHON), "-m", "console", *arguments],
        cwd=REPO,
        env=console_env(settings, cluster_secrets),
        input=stdin_text,
        text=True,
        check=False,
    ).returncode


def _handed_over(cluster_secrets: Secrets) -> Secrets:
    """The secrets once the log is sealed with ``console_audit_key_next``.

    The new key in use, the old one first among the retired ones.
    """
    retired = [cluster_secrets.console_audit_key]
    retired += cluster_secrets.console_audit_keys_retired.splitlines()
    return dataclasses.replace(
        cluster_secrets,
        console_audit_key=cluster_secrets.console_audit_key_next,
        console_audit_keys_retired="\n".join(key for key in retired if key),
        console_audit_key_next="",
    )


def rotate_audit_key(settings: ClusterSettings, cluster_secrets: Secrets) -> Secrets:
    """Hand the console's audit log over to a new key; restart the console with it.

    The new key is kept in ``secrets.json`` before the log is handed over
    (``python -m console rotate-audit-key``, the key on its standard input), and put
    in use there after, the old one retired: no key that sealed an entry is ever only
    in memory. A rotation cut short after the handover is finished by the next run
    (the log verifies with the kept key). A running console is restarted, as it can
    no longer write its audit log with the old key.

    Returns:
        The secrets with the new key in use.

    Raises:
        RuntimeError: the log was not handed over (broken, or not the cluster's key).
    """
    state_dir = settings.state_dir
    if cluster_secrets.console_audit_key_next:
        handed_over = _handed_over(cluster_secrets)
        if run_console_command(settings, handed_over, ["verify-audit"]) == 0:
            logger.info("finishing a rotation cut short after its handover")
            handed_over.save(state_dir)
            cluster_secrets = handed_over
    staged = dataclasses.replace(
        cluster_secrets, console_audit_key_next=secrets.token_urlsafe(32)
    )
    staged.save(state_dir)
    status = run_console_command(
        settings,
        staged,
        ["rotate-audit-key", "--new-key-stdin"],
        stdin_text=staged.console_audit_key_next + "\n",
    )
    if status != 0:
        cluster_secrets.save(state_dir)
        raise RuntimeError("the console's audit key was not rotated (see above)")
    rotated = _handed_over(staged)
    rotated.save(state_dir)
    logger.info("the console's audit key is rotated: %s", state_dir / "secrets.json")
    if pid_alive(read_pid(settings.run_dir / "console.pid")):
        stop_named("console", settings)
        start_console(settings, rotated)
        logger.info("the console runs with the new key")
    return rotated
