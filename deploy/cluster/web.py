"""nginx in front of the Rasa instances."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from deploy import nginx
from deploy.cluster.data import prepare_service_dir
from deploy.cluster.processes import _give_to
from deploy.cluster.settings import ClusterSettings
from supervisor.process import pid_alive, read_pid, wait_http

# --------------------------------------------------------------------------- nginx


def nginx_paths(settings: ClusterSettings) -> tuple[Path, Path]:
    """Return (main config, pid file) of the cluster's nginx."""
    folder = settings.state_dir / "nginx"
    return folder / "nginx.conf", folder / "nginx.pid"


def write_nginx_config(settings: ClusterSettings, *, instances: Sequence[int]) -> Path:
    """Render nginx's config for the given instance indexes; return its path.

    The safety console gets its server on ``nginx_console_port`` while it runs.
    """
    config, pid_file = nginx_paths(settings)
    folder = config.parent
    folder.mkdir(parents=True, exist_ok=True)
    temp_dir = prepare_service_dir(settings) / "nginx-tmp"
    temp_dir.mkdir(exist_ok=True)
    _give_to(temp_dir, "www-data")
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    console = pid_alive(read_pid(settings.run_dir / "console.pid"))
    options = nginx.NginxOptions(
        listen=f"127.0.0.1:{settings.nginx_port}",
        rasa_servers=tuple(f"127.0.0.1:{settings.rasa_port(i)}" for i in instances),
        expose_rest=settings.expose_rest,
        cors_origins=settings.cors_origins,
        client_max_body_size=settings.client_max_body_size,
        rate_limit=settings.rate_limit,
        rate_burst=settings.rate_burst,
        connections_per_client=settings.connections_per_client,
        console_listen=f"127.0.0.1:{settings.nginx_console_port}" if console else None,
        console_server=f"127.0.0.1:{settings.console_port}" if console else None,
    )
    site = folder / "rasa.conf"
    site.write_text(nginx.render_site(options))
    config.write_text(
        nginx.render_main(
            site_config=site,
            pid_file=pid_file,
            temp_dir=temp_dir,
            log_dir=settings.log_dir,
            user="www-data" if os.geteuid() == 0 else None,
        )
    )
    return config


def start_nginx(settings: ClusterSettings, *, instances: Sequence[int]) -> None:
    """Start nginx, or reload it with a new upstream list if it runs."""
    config, pid_file = nginx_paths(settings)
    write_nginx_config(settings, instances=instances)
    prefix = str(config.parent)
    subprocess.run(["nginx", "-t", "-q", "-c", str(config), "-p", prefix], check=True)
    if pid_alive(read_pid(pid_file)):
        subprocess.run(
            ["nginx", "-c", str(config), "-p", prefix, "-s", "reload"],
            check=True,
            capture_output=True,
        )
        time.sleep(1.0)  # old workers finish; new ones use the new upstreams
    else:
        subprocess.run(["nginx", "-c", str(config), "-p", prefix], check=True)
    wait_http(f"http://127.0.0.1:{settings.nginx_port}/healthz", timeout=30)


def stop_nginx(settings: ClusterSettings) -> None:
    """Stop nginx gracefully."""
    _, pid_file = nginx_paths(settings)
    pid = read_pid(pid_file)
    if pid_alive(pid):
        assert pid is not None
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
