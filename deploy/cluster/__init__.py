"""Run the deployment topology on this machine from Debian's packages, on loopback.

The same parts as ``deploy/docker-compose.yml``: PostgreSQL (tracker store), Redis (lock
store), N Rasa instances and N action servers, the clinical safety console, nginx in
front (the console on its own port). Logs, pid files and
secrets live under ``var/cluster/``; the services' own files too, unless we run as root
(then under ``/var/lib/hamstring-assistant/``, owned by ``postgres`` and ``redis``: see
``ClusterSettings.service_dir``). Processes start and stop through ``supervisor/``.
Used by ``make cluster`` / ``make cluster-stop``, by the deployment tests (on their own
ports and directories) and by ``bench/load.py``::

    python -m deploy.cluster start --instances 2 [--expose-rest]
    python -m deploy.cluster status
    python -m deploy.cluster console-user NAME [--role admin]
    python -m deploy.cluster rotate-audit-key   (the console's audit key)
    python -m deploy.cluster stop

Ports come from the environment (defaults in brackets): RASA_BASE_PORT [5505],
ACTIONS_BASE_PORT [5555], NGINX_PORT [5580], POSTGRES_PORT [5532], REDIS_PORT [6479],
CONSOLE_SERVER_PORT [5590] (the console, loopback), NGINX_CONSOLE_PORT [5581] (nginx's
port for the console).
"""

from __future__ import annotations

import logging
import subprocess

from deploy.cluster.console import (
    console_env,
    console_installed,
    rotate_audit_key,
    run_console_command,
    start_console,
)
from deploy.cluster.data import (
    Postgres,
    Redis,
    data_services,
    postgres_bin,
    prepare_service_dir,
    remove_state,
    start_data_services,
)
from deploy.cluster.instances import (
    rasa_command,
    service_env,
    start_action_server,
    start_rasa_instance,
    wait_rasa,
)
from deploy.cluster.processes import snapshot_model, spawn, stop_named
from deploy.cluster.settings import (
    DEPLOY,
    REPO,
    SERVICE_ROOT,
    START_TIMEOUT_S,
    VENV_BIN,
    ClusterSettings,
    Secrets,
)
from deploy.cluster.web import nginx_paths, start_nginx, stop_nginx, write_nginx_config
from supervisor.process import pid_alive, read_pid, stop_process_group, wait_http

__all__ = [
    "DEPLOY",
    "REPO",
    "SERVICE_ROOT",
    "START_TIMEOUT_S",
    "VENV_BIN",
    "ClusterSettings",
    "Postgres",
    "Redis",
    "Secrets",
    "console_env",
    "console_installed",
    "data_services",
    "install_debian_packages",
    "nginx_paths",
    "pid_alive",
    "postgres_bin",
    "prepare_service_dir",
    "rasa_command",
    "read_pid",
    "remove_state",
    "rotate_audit_key",
    "run_console_command",
    "service_env",
    "snapshot_model",
    "spawn",
    "start_action_server",
    "start_cluster",
    "start_console",
    "start_data_services",
    "start_nginx",
    "start_rasa_instance",
    "status",
    "stop_cluster",
    "stop_named",
    "stop_nginx",
    "stop_process_group",
    "wait_http",
    "wait_rasa",
    "write_nginx_config",
]

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- cluster


def install_debian_packages() -> None:
    """Install PostgreSQL, Redis and nginx from Debian if missing (idempotent)."""
    subprocess.run(["sh", str(DEPLOY / "install-debs.sh")], check=True)


def start_cluster(settings: ClusterSettings) -> Secrets:
    """Start the whole topology; return the secrets clients need."""
    if not settings.model.exists():
        raise FileNotFoundError(f"model {settings.model} missing: train it first")
    cluster_secrets = Secrets.load_or_create(settings.state_dir)
    if not any(status(settings).get(f"rasa-{i}") for i in range(settings.instances)):
        snapshot_model(
            settings.model, settings.state_dir
        )  # a fresh start takes the newest
    start_data_services(settings, cluster_secrets)
    pids = {}
    for index in range(settings.instances):
        if not pid_alive(read_pid(settings.run_dir / f"actions-{index}.pid")):
            start_action_server(settings, cluster_secrets, index)
        rasa_pid = read_pid(settings.run_dir / f"rasa-{index}.pid")
        if not pid_alive(rasa_pid):
            rasa_pid = start_rasa_instance(settings, cluster_secrets, index, wait=False)
        pids[index] = rasa_pid
    for index, pid in pids.items():
        wait_rasa(settings, cluster_secrets, index, pid=pid)
        wait_http(
            f"http://127.0.0.1:{settings.actions_port(index)}/health", timeout=120
        )
    if not console_installed():
        logger.warning("no console/.venv: the safety console does not start")
    elif not pid_alive(read_pid(settings.run_dir / "console.pid")):
        start_console(settings, cluster_secrets)
    start_nginx(settings, instances=range(settings.instances))
    return cluster_secrets


def stop_cluster(settings: ClusterSettings) -> None:
    """Stop everything this state folder started (only those processes, by pid)."""
    stop_nginx(settings)
    for pid_file in (
        sorted(settings.run_dir.glob("*.pid")) if settings.run_dir.exists() else []
    ):
        stop_named(pid_file.stem, settings)
    if (settings.state_dir / "secrets.json").exists():
        postgres, redis_server = data_services(
            settings, Secrets.load_or_create(settings.state_dir)
        )
        redis_server.stop()
        postgres.stop()


def status(settings: ClusterSettings) -> dict[str, bool]:
    """Which parts of the cluster run."""
    result: dict[str, bool] = {}
    if (settings.state_dir / "secrets.json").exists():
        postgres, redis_server = data_services(
            settings, Secrets.load_or_create(settings.state_dir)
        )
        result["postgres"] = postgres.is_running()
        result["redis"] = pid_alive(read_pid(redis_server.pid_file))
    result["nginx"] = pid_alive(read_pid(nginx_paths(settings)[1]))
    if settings.run_dir.exists():
        for pid_file in sorted(settings.run_dir.glob("*.pid")):
            result[pid_file.stem] = pid_alive(read_pid(pid_file))
    return result
