"""Render nginx's configuration for N Rasa instances from ``deploy/nginx/*.template``.

The templates hold the policy (stickiness, limits, what is public); this module fills in
the instance list and options, and adds the safety console's server on its own port
where the console runs. ``deploy/nginx/compose.conf`` is the rendering used by
docker-compose; regenerate it with ``python -m deploy.nginx > deploy/nginx/compose.conf``
(a test fails when it drifts from the template).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "nginx"
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


@dataclasses.dataclass(frozen=True)
class NginxOptions:
    """What varies between deployments."""

    listen: str
    rasa_servers: tuple[str, ...]
    expose_rest: bool = False
    cors_origins: tuple[str, ...] = ()
    client_max_body_size: str = "16k"
    rate_limit: str = "20r/s"
    rate_burst: int = 40
    connections_per_client: int = 50
    # The safety console: nginx's port for it and the console's address, or None.
    console_listen: str | None = None
    console_server: str | None = None
    console_login_rate: str = "10r/m"


def _fill(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(replace, template)


def _origin_lines(origins: tuple[str, ...]) -> str:
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d+)?", origin):
            raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    return "".join(f'    "{origin}" 0;\n' for origin in origins)


def render_site(options: NginxOptions) -> str:
    """Return the http-level configuration (upstreams, limits, the server block)."""
    if not options.rasa_servers:
        raise ValueError("at least one Rasa server is needed")
    servers = "".join(
        f"    server {server} max_fails=2 fail_timeout=5s;\n"
        for server in options.rasa_servers
    )
    rest = (
        (TEMPLATES / "rest-location.template").read_text()
        if options.expose_rest
        else ""
    )
    limits = {
        "CLIENT_MAX_BODY_SIZE": options.client_max_body_size,
        "RATE_BURST": str(options.rate_burst),
        "CONNECTIONS_PER_CLIENT": str(options.connections_per_client),
    }
    site = _fill(
        (TEMPLATES / "rasa.conf.template").read_text(),
        {
            **limits,
            "LISTEN": options.listen,
            "RASA_SERVERS": servers,
            "ALLOWED_ORIGINS": _origin_lines(options.cors_origins),
            "RATE_LIMIT": options.rate_limit,
            "REST_LOCATION": _fill(rest, {"RATE_BURST": str(options.rate_burst)}),
        },
    )
    if (options.console_listen is None) != (options.console_server is None):
        raise ValueError("the console needs both its nginx port and its address")
    if options.console_listen is None or options.console_server is None:
        return site
    return site + _fill(
        (TEMPLATES / "console.conf.template").read_text(),
        {
            **limits,
            "CONSOLE_LISTEN": options.console_listen,
            "CONSOLE_SERVER": options.console_server,
            "CONSOLE_LOGIN_RATE": options.console_login_rate,
        },
    )


def render_main(
    *,
    site_config: Path,
    pid_file: Path,
    temp_dir: Path,
    log_dir: Path,
    user: str | None,
) -> str:
    """Return a complete nginx.conf for running nginx outside /etc (``make cluster``)."""
    return _fill(
        (TEMPLATES / "nginx-main.conf.template").read_text(),
        {
            "USER_LINE": f"user {user};\n" if user else "",
            "PID_FILE": str(pid_file),
            "ERROR_LOG": str(log_dir / "nginx-error.log"),
            "ACCESS_LOG": str(log_dir / "nginx-access.log"),
            "TEMP_DIR": str(temp_dir),
            "SITE_CONFIG": str(site_config),
        },
    )


COMPOSE_OPTIONS = NginxOptions(
    listen="8080",
    rasa_servers=("rasa-1:5005", "rasa-2:5005"),
    expose_rest=False,
    cors_origins=("https://clinic.example",),
    console_listen="8081",
    console_server="console:5620",
)
"""The docker-compose rendering: two instances, REST webhook private, the console on 8081."""


if __name__ == "__main__":
    sys.stdout.write(render_site(COMPOSE_OPTIONS))
