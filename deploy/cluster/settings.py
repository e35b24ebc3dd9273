"""Where and how the local cluster runs: ports, folders, generated secrets."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from deploy import nginx

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
CONSOLE_PYTHON = REPO / "console" / ".venv" / "bin" / "python"
"""The safety console's own environment (Python 3.11, ``make console-install``)."""
DEPLOY = REPO / "deploy"
SERVICE_ROOT = Path("/var/lib/hamstring-assistant")
"""Where, when run as root, the services' own users keep their files (see service_dir)."""
START_TIMEOUT_S = 420.0
"""Rasa loads TensorFlow, spaCy and the model: minutes on a busy 2-core machine."""


NGINX_DEFAULTS: dict[str, Any] = {
    field.name: field.default
    for field in dataclasses.fields(nginx.NginxOptions)
    if field.default is not dataclasses.MISSING
}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclasses.dataclass
class ClusterSettings:
    """Where and how the local cluster runs."""

    state_dir: Path = REPO / "var" / "cluster"
    instances: int = 2
    rasa_base_port: int = 5505
    actions_base_port: int = 5555
    nginx_port: int = 5580
    postgres_port: int = 5532
    redis_port: int = 6479
    console_port: int = 5590
    nginx_console_port: int = 5581
    model: Path = REPO / "models" / "hamstring.tar.gz"
    actions_package: str = "actions"
    expose_rest: bool = False
    cors_origins: tuple[str, ...] = ()
    # nginx's policy: the defaults are nginx.NginxOptions's, declared once there.
    client_max_body_size: str = NGINX_DEFAULTS["client_max_body_size"]
    rate_limit: str = NGINX_DEFAULTS["rate_limit"]
    rate_burst: int = NGINX_DEFAULTS["rate_burst"]
    connections_per_client: int = NGINX_DEFAULTS["connections_per_client"]

    @classmethod
    def from_env(cls, **overrides: object) -> ClusterSettings:
        """Build settings from the environment, then apply ``overrides``."""
        settings = cls(
            instances=_env_int("RASA_INSTANCES", cls.instances),
            rasa_base_port=_env_int("RASA_BASE_PORT", cls.rasa_base_port),
            actions_base_port=_env_int("ACTIONS_BASE_PORT", cls.actions_base_port),
            nginx_port=_env_int("NGINX_PORT", cls.nginx_port),
            postgres_port=_env_int("POSTGRES_PORT", cls.postgres_port),
            redis_port=_env_int("REDIS_PORT", cls.redis_port),
            console_port=_env_int("CONSOLE_SERVER_PORT", cls.console_port),
            nginx_console_port=_env_int("NGINX_CONSOLE_PORT", cls.nginx_console_port),
            model=Path(os.environ.get("RASA_MODEL") or cls.model),
            expose_rest=os.environ.get("EXPOSE_REST", "0") in ("1", "true", "yes"),
            cors_origins=tuple(os.environ.get("CORS_ORIGINS", "").split()),
            client_max_body_size=os.environ.get("CLIENT_MAX_BODY_SIZE")
            or cls.client_max_body_size,
            rate_limit=os.environ.get("RATE_LIMIT") or cls.rate_limit,
        )
        return dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]

    def rasa_port(self, index: int) -> int:
        """Port of Rasa instance ``index`` (0-based)."""
        return self.rasa_base_port + index

    def actions_port(self, index: int) -> int:
        """Port of action server ``index`` (0-based)."""
        return self.actions_base_port + index

    @property
    def service_dir(self) -> Path:
        """Folder of the files PostgreSQL, Redis and nginx's workers write.

        The state folder itself, unless we are root: then each service runs as its own
        user (postgres, redis, www-data), who may not be able to enter the checkout (a
        home directory, a ``mktemp -d`` folder). Their files then live under
        ``SERVICE_ROOT`` (or ``$SERVICE_DATA_ROOT``), one folder per state folder.
        """
        if os.geteuid() != 0:
            return self.state_dir
        root = Path(os.environ.get("SERVICE_DATA_ROOT") or SERVICE_ROOT)
        key = hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:16]
        return root / key

    @property
    def run_dir(self) -> Path:
        """Folder of pid files."""
        return self.state_dir / "run"

    @property
    def log_dir(self) -> Path:
        """Folder of process logs."""
        return self.state_dir / "logs"


@dataclasses.dataclass(frozen=True)
class Secrets:
    """Generated once per state folder; never committed (var/ is ignored)."""

    postgres_superuser_password: str
    tracker_db_password: str
    redis_password: str
    rasa_api_token: str
    rest_token: str
    action_server_token: str
    widget_session_secret: str
    console_db_password: str
    console_audit_key: str
    console_audit_keys_retired: str = ""
    """The keys ``console_audit_key`` replaced, one a line (``make
    cluster-rotate-audit-key``); none are generated."""
    console_audit_key_next: str = ""
    """The key a rotation hands the audit log over to, kept here while it runs."""

    @classmethod
    def load_or_create(cls, state_dir: Path) -> Secrets:
        """Read ``secrets.json`` from ``state_dir``, creating what is missing.

        Fields with a default (the retired audit keys) start empty, not generated.
        """
        path = state_dir / "secrets.json"
        known = json.loads(path.read_text()) if path.exists() else {}
        values = {
            field.name: known.get(field.name)
            or (
                secrets.token_urlsafe(24)
                if field.default is dataclasses.MISSING
                else field.default
            )
            for field in dataclasses.fields(cls)
        }
        found = cls(**values)
        if values != known:
            found.save(state_dir)
        return found

    def save(self, state_dir: Path) -> None:
        """Write ``secrets.json`` in ``state_dir`` (owner-only), replacing it whole."""
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / "secrets.json"
        staged = path.with_name("secrets.json.new")
        staged.unlink(missing_ok=True)
        staged.touch(mode=0o600)
        staged.write_text(json.dumps(dataclasses.asdict(self)))
        os.replace(staged, path)


def give_secrets_as_files(
    env: MutableMapping[str, str], state_dir: Path, values: Mapping[str, str]
) -> None:
    """Give each secret ``NAME`` of ``values`` to a process as ``NAME_FILE``.

    As Compose mounts its secrets: each value goes into an owner-only file under
    ``state_dir/secrets/``, ``env`` names the file, and the process reads it through
    the code deployments run (``supervisor/rasa_entry.py``,
    ``secret_checks.configured_secret``), so the value is in no process's
    environment. ``NAME`` itself is removed from ``env`` (a caller's shell may have
    it, and a secret given both ways is refused). Files are replaced whole, so a
    process starting meanwhile never reads half of one.
    """
    folder = state_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    for name, value in values.items():
        path = folder / name.lower()
        staged = folder / f".{path.name}.{os.getpid()}"
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(value + "\n")
        staged.replace(path)
        env.pop(name, None)
        env[f"{name}_FILE"] = str(path)
