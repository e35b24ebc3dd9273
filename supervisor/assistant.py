"""The assistant: its action server and its Rasa server, started and stopped together.

:class:`Assistant` is a context manager::

    config = AssistantConfig(model=Path("models/hamstring.tar.gz"), rasa_port=5205,
                             actions_port=5255, token="secret")
    with Assistant(config) as assistant:
        ...  # both servers answer; assistant.url is Rasa's base URL

The servers listen on ``config.interface`` (127.0.0.1 unless told otherwise), log to
``<log dir>/actions.log`` and ``<log dir>/rasa.log``, and get their endpoints and
credentials files in the log folder (given ones are used as they are).
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from supervisor.process import HOST, ServerError, Service, port_in_use, wait_http
from supervisor.rasa_entry import TOKEN_VARIABLE

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]


@dataclass
class AssistantConfig:
    """How to start the assistant.

    ``actions_dir`` is the folder that contains the ``actions`` package (the project by
    default; a copy for tests that run modified actions). ``env`` is added to both
    servers' environment (for example ``CLINIC_NAME``). ``credentials`` and
    ``endpoints`` are files to use as they are, or ``None``: then a REST-only
    credentials file and an endpoints file naming the action server and the lock
    store of ``endpoints.yml`` (plus ``endpoints_extra``, e.g. a tracker store) are
    written to the log folder.
    """

    model: Path
    rasa_port: int
    actions_port: int
    token: str | None
    project_dir: Path = REPO
    actions_dir: Path | None = None
    actions_package: str = "actions"
    log_dir: Path = REPO / "build" / "e2e"
    startup_timeout: float = 600.0
    env: dict[str, str] = field(default_factory=dict)
    python: Path = field(default_factory=lambda: Path(sys.executable))
    interface: str = HOST
    credentials: Path | None = None
    credentials_text: str = "channels.rest.RestSecureInput:\n"
    endpoints: Path | None = None
    endpoints_extra: str = ""
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Base URL of the action server."""
        return f"http://{HOST}:{self.actions_port}"

    @property
    def ready_url(self) -> str:
        """What answers 200 once Rasa has loaded the model."""
        if self.token:
            return f"{self.url}/status?token={self.token}"
        return f"{self.url}/"


class Assistant:
    """The action server and the Rasa server of one :class:`AssistantConfig`."""

    def __init__(self, config: AssistantConfig) -> None:
        """Prepare to run the assistant described by ``config``."""
        self.config = config
        self.services: dict[str, Service] = {}

    def __enter__(self) -> Assistant:  # noqa: PYI034 - typing.Self needs Python 3.11
        """Start both servers and wait until they answer."""
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop both servers."""
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return self.config.url

    def environment(self, pythonpath: Path) -> dict[str, str]:
        """The servers' environment: ours, the config's, telemetry off, the code path."""
        env = dict(os.environ)
        env.update(self.config.env)
        env["RASA_TELEMETRY_ENABLED"] = "false"
        # The action server listens on loopback and runs actions only for Rasa,
        # which sends this token (rasa_sdk_plugins/, the endpoints' token).
        env["SANIC_HOST"] = HOST
        env["ACTION_SERVER_TOKEN"] = self.config.action_token
        paths = (str(pythonpath), str(REPO), env.get("PYTHONPATH", ""))
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        return env

    def config_files(self) -> tuple[Path, Path]:
        """(endpoints, credentials): the given files, or ones written to the log folder."""
        config = self.config
        config.log_dir.mkdir(parents=True, exist_ok=True)
        endpoints = config.endpoints
        if endpoints is None:
            endpoints = config.log_dir / "endpoints.yml"
            endpoints.write_text(
                f'action_endpoint:\n  url: "{config.actions_url}/webhook"\n'
                "  token: ${ACTION_SERVER_TOKEN}\n"
                # As make run: the cached check of action replies (stores/).
                "lock_store:\n  type: stores.in_memory_lock_store.InMemoryLockStore\n"
                + config.endpoints_extra,
                encoding="utf-8",
            )
        credentials = config.credentials
        if credentials is None:
            credentials = config.log_dir / "credentials.yml"
            credentials.write_text(config.credentials_text, encoding="utf-8")
        return endpoints, credentials

    def actions_service(self) -> Service:
        """The action server."""
        config = self.config
        actions_dir = (config.actions_dir or config.project_dir).resolve()
        command = [str(config.python), "-m", "rasa", "run", "actions"]
        command += ["--port", str(config.actions_port)]
        command += ["--actions", config.actions_package]
        return Service(
            "actions",
            command,
            log_path=config.log_dir / "actions.log",
            cwd=actions_dir,
            env=self.environment(actions_dir),
        )

    def rasa_service(self, *, append_log: bool = False) -> Service:
        """The Rasa server (REST and the configured channels, HTTP API with a token).

        No ``--cors``, as in the deployments (``deploy/cluster/instances.py``): the
        widget's socket channel answers CORS for ``WIDGET_ALLOWED_ORIGINS`` itself, and
        Sanic-CORS would add a second set of headers, which browsers refuse.
        """
        config = self.config
        endpoints, credentials = self.config_files()
        # The API token goes by environment, never on the command line (ps shows it).
        command = [str(config.python), "-m", "supervisor.rasa_entry", "run"]
        command += ["--model", str(Path(config.model).resolve())]
        command += ["--interface", config.interface, "--port", str(config.rasa_port)]
        command += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
        project = config.project_dir.resolve()
        env = self.environment(project)
        if config.token:
            command += ["--enable-api"]
            env[TOKEN_VARIABLE] = config.token
        return Service(
            "rasa",
            command,
            log_path=config.log_dir / "rasa.log",
            cwd=project,
            env=env,
            append_log=append_log,
        )

    def start(self) -> None:
        """Start the action server, then the Rasa server; return once both answer."""
        config = self.config
        for port in (config.actions_port, config.rasa_port):
            if port_in_use(port):
                raise ServerError(f"port {port} is already in use; choose another one")
        if not Path(config.model).is_file():
            raise ServerError(f"model {config.model} not found (train it first)")
        self.services["actions"] = self.actions_service().start()
        self.services["rasa"] = self.rasa_service().start()
        wait_http(
            f"{config.actions_url}/health",
            timeout=config.startup_timeout,
            service=self.services["actions"],
        )
        wait_http(
            config.ready_url,
            timeout=config.startup_timeout,
            service=self.services["rasa"],
        )

    def restart_rasa(self, *, kill: bool = False) -> None:
        """Stop the Rasa server (``kill``: as a crash would) and start it again."""
        self.services["rasa"].stop(kill=kill)
        self.services["rasa"] = self.rasa_service(append_log=True).start()
        wait_http(
            self.config.ready_url,
            timeout=self.config.startup_timeout,
            service=self.services["rasa"],
        )

    def stop(self) -> None:
        """Stop both servers (and anything they spawned); safe to call twice."""
        for name in ("rasa", "actions"):
            service = self.services.pop(name, None)
            if service is not None:
                service.stop()
                logger.debug("stopped %s server", name)
