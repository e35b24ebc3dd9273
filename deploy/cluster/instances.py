"""The Rasa instances and action servers of the cluster."""

from __future__ import annotations

import os
from pathlib import Path

from deploy.cluster.processes import snapshot_model, spawn
from deploy.cluster.settings import (
    DEPLOY,
    REPO,
    START_TIMEOUT_S,
    VENV_BIN,
    ClusterSettings,
    Secrets,
    give_secrets_as_files,
)
from supervisor.process import wait_http
from supervisor.rasa_entry import TOKEN_VARIABLE

# --------------------------------------------------------------------------- Rasa


def tracker_store_env(
    settings: ClusterSettings, cluster_secrets: Secrets
) -> dict[str, str]:
    """The tracker store's variables, as endpoints.prod.yml (and the console) read them.

    The password is a file, ``TRACKER_DB_PASSWORD_FILE``, as Compose gives it.
    """
    env = {
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": str(settings.postgres_port),
        "TRACKER_DB_NAME": "rasa",
        "TRACKER_DB_USER": "rasa",
    }
    give_secrets_as_files(
        env,
        settings.state_dir,
        {"TRACKER_DB_PASSWORD": cluster_secrets.tracker_db_password},
    )
    return env


def service_env(
    settings: ClusterSettings, cluster_secrets: Secrets, index: int
) -> dict[str, str]:
    """Environment for Rasa instance / action server ``index`` (what endpoints.prod.yml reads).

    Secrets are files named by ``<NAME>_FILE``, as Compose gives them
    (``give_secrets_as_files``).
    """
    env = dict(os.environ)
    env.pop("TRACKER_DB_PASSWORD", None)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
            # A lock left by an instance that died mid-turn blocks its conversation
            # this long (Rasa's default is 60 s); turns take well under a second.
            "TICKET_LOCK_LIFETIME": "30",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(REPO),
            **tracker_store_env(settings, cluster_secrets),
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(settings.redis_port),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{settings.actions_port(index)}/webhook",
            "SANIC_HOST": "127.0.0.1",
            # Pages allowed to open the widget's socket (channels/socketio.py).
            "WIDGET_ALLOWED_ORIGINS": ",".join(settings.cors_origins),
        }
    )
    give_secrets_as_files(
        env,
        settings.state_dir,
        {
            "REDIS_PASSWORD": cluster_secrets.redis_password,
            # Rasa sends it; the action server serves nobody else (rasa_sdk_plugins/).
            "ACTION_SERVER_TOKEN": cluster_secrets.action_server_token,
            # Every instance signs and checks the widget's conversation tokens alike.
            "WIDGET_SESSION_SECRET": cluster_secrets.widget_session_secret,
        },
    )
    env.pop("TRACKER_DB_URL", None)
    return env


def rasa_command(
    settings: ClusterSettings, cluster_secrets: Secrets, index: int, *, model: Path
) -> list[str]:
    """Command line of Rasa instance ``index``: API on with a token, no ``--cors``.

    The Socket.IO channel answers CORS for the allowed origins itself
    (``WIDGET_ALLOWED_ORIGINS``, channels/socketio.py); Rasa's ``--cors`` would add a
    second set of headers to its responses, which browsers refuse, and nothing else
    of Rasa is for browsers: the HTTP API and the REST webhook take tokens.
    """
    command = [
        str(VENV_BIN / "python"),
        "-m",
        "supervisor.rasa_entry",
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(DEPLOY / "endpoints.prod.yml"),
        "--credentials",
        str(DEPLOY / "credentials.prod.yml"),
        "--interface",
        "127.0.0.1",
        "--port",
        str(settings.rasa_port(index)),
        "--enable-api",
        "--logging-config-file",
        str(DEPLOY / "logging.yml"),
    ]
    return command


def start_rasa_instance(
    settings: ClusterSettings,
    cluster_secrets: Secrets,
    index: int,
    *,
    wait: bool = True,
) -> int:
    """Start Rasa instance ``index``; return its pid."""
    model = settings.state_dir / "model.tar.gz"
    if not model.exists():
        model = snapshot_model(settings.model, settings.state_dir)
    env = service_env(settings, cluster_secrets, index)
    give_secrets_as_files(
        env,
        settings.state_dir,
        {
            # Not in the command line (supervisor/rasa_entry.py).
            TOKEN_VARIABLE: cluster_secrets.rasa_api_token,
            # The REST webhook always needs its bearer token, routed by nginx or not.
            "REST_TOKEN": os.environ.get("REST_TOKEN") or cluster_secrets.rest_token,
        },
    )
    pid = spawn(
        f"rasa-{index}",
        rasa_command(settings, cluster_secrets, index, model=model),
        settings=settings,
        env=env,
    )
    if wait:
        wait_rasa(settings, cluster_secrets, index, pid=pid)
    return pid


def wait_rasa(
    settings: ClusterSettings,
    cluster_secrets: Secrets,
    index: int,
    *,
    pid: int | None = None,
) -> None:
    """Wait until instance ``index`` has loaded its model (GET /status answers)."""
    port = settings.rasa_port(index)
    wait_http(
        f"http://127.0.0.1:{port}/status?token={cluster_secrets.rasa_api_token}",
        timeout=START_TIMEOUT_S,
        pid=pid,
    )


def start_action_server(
    settings: ClusterSettings, cluster_secrets: Secrets, index: int
) -> int:
    """Start action server ``index``; return its pid."""
    return spawn(
        f"actions-{index}",
        [
            str(VENV_BIN / "rasa"),
            "run",
            "actions",
            "--port",
            str(settings.actions_port(index)),
            "--actions",
            settings.actions_package,
            "--logging-config-file",
            str(DEPLOY / "logging.yml"),
        ],
        settings=settings,
        env=service_env(settings, cluster_secrets, index),
    )
