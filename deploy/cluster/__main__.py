"""``python -m deploy.cluster start|stop|status|install``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import deploy.cluster as cluster_package
from deploy.cluster import (
    ClusterSettings,
    install_debian_packages,
    start_cluster,
    status,
    stop_cluster,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: start, stop, status."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.cluster", description=cluster_package.__doc__
    )
    parser.add_argument("command", choices=["start", "stop", "status", "install"])
    parser.add_argument("--instances", type=int, default=None)
    parser.add_argument("--expose-rest", action="store_true", default=None)
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    overrides: dict[str, object] = {}
    if args.instances is not None:
        overrides["instances"] = args.instances
    if args.expose_rest:
        overrides["expose_rest"] = True
    if args.state_dir is not None:
        overrides["state_dir"] = args.state_dir.resolve()
    settings = ClusterSettings.from_env(**overrides)
    if args.command == "install":
        install_debian_packages()
    elif args.command == "start":
        install_debian_packages()
        start_cluster(settings)
        print(
            f"cluster up: http://127.0.0.1:{settings.nginx_port}/ ({settings.instances} instances)"
        )
        print(f"secrets and logs: {settings.state_dir}")
    elif args.command == "stop":
        stop_cluster(settings)
        print("cluster stopped")
    else:
        for part, running in status(settings).items():
            print(f"{part:12} {'running' if running else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
