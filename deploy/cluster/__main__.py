"""``python -m deploy.cluster start|stop|status|install|console-user|rotate-audit-key``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import deploy.cluster as cluster_package
from deploy.cluster import (
    ClusterSettings,
    Secrets,
    install_debian_packages,
    rotate_audit_key,
    run_console_command,
    start_cluster,
    status,
    stop_cluster,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: start, stop, status."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.cluster", description=cluster_package.__doc__
    )
    parser.add_argument(
        "command",
        choices=[
            "start",
            "stop",
            "status",
            "install",
            "console-user",
            "rotate-audit-key",
        ],
    )
    parser.add_argument("name", nargs="?", help="console-user: the account to create")
    parser.add_argument("--role", choices=["reviewer", "admin"], default="reviewer")
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
    elif args.command == "console-user":
        if not args.name:
            parser.error("console-user needs the account's NAME")
        return run_console_command(
            settings,
            Secrets.load_or_create(settings.state_dir),
            ["create-user", args.name, "--role", args.role],
        )
    elif args.command == "rotate-audit-key":
        try:
            rotate_audit_key(settings, Secrets.load_or_create(settings.state_dir))
        except RuntimeError as error:
            logging.getLogger(__name__).error("%s", error)
            return 1
    elif args.command == "start":
        install_debian_packages()
        start_cluster(settings)
        print(
            f"cluster up: http://127.0.0.1:{settings.nginx_port}/ ({settings.instances} instances)"
        )
        if status(settings).get("console"):
            print(
                f"safety console: http://127.0.0.1:{settings.nginx_console_port}/ "
                "(first admin: make cluster-console-user NAME=<you> ROLE=admin)"
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
