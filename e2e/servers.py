"""Start and stop a Rasa server and its action server for tests, and always clean up.

Reusable by any team that needs the real assistant running::

    # run a command against freshly started servers; they are stopped afterwards,
    # whatever happens, and the command's exit code is returned
    python -m e2e.servers run --model models/hamstring.tar.gz \\
        --rasa-port 5205 --actions-port 5255 --token secret -- \\
        python -m e2e run --url http://127.0.0.1:5205 --token secret

    # or keep them running between commands
    python -m e2e.servers start --state-file build/e2e/servers.json ...
    python -m e2e.servers stop --state-file build/e2e/servers.json

From Python, :class:`Assistant` is a context manager. Each server runs in its own
process group, so stopping it also stops anything it spawned. The servers get their
own endpoints and credentials files (REST channel only) in a temporary folder, listen
on 127.0.0.1 only, and log to ``<log dir>/rasa.log`` and ``<log dir>/actions.log``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """A server did not start, exited early, or its port was already taken."""


@dataclass
class AssistantConfig:
    """How to start the assistant: model, ports, token and where the actions live.

    ``actions_dir`` is the folder that contains the ``actions`` package (the project
    by default; a copy for tests that run modified actions). ``env`` is added to the
    servers' environment (for example ``CLINIC_NAME``).
    """

    model: Path
    rasa_port: int
    actions_port: int
    token: str
    project_dir: Path = field(default_factory=Path.cwd)
    actions_dir: Path | None = None
    actions_package: str = "actions"
    log_dir: Path = Path("build/e2e")
    startup_timeout: float = 600.0
    env: dict[str, str] = field(default_factory=dict)
    python: Path = field(default_factory=lambda: Path(sys.executable))

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Base URL of the action server."""
        return f"http://{HOST}:{self.actions_port}"


def port_in_use(port: int) -> bool:
    """Whether something already listens on ``127.0.0.1:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def http_ok(url: str, *, timeout: float = 2.0) -> bool:
    """Whether ``GET url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(
            path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        )
    except OSError:
        return "(no log)"


def stop_process_group(pid: int, *, grace: float = 15.0) -> None:
    """Stop the process group led by ``pid`` (a server this module started).

    SIGTERM first, SIGKILL after ``grace`` seconds. Unknown or finished ids are ignored.
    """
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        try:  # reap it if it is our child, so it does not linger as a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return


class Assistant:
    """The action server and the Rasa server, started together and stopped together."""

    def __init__(self, config: AssistantConfig) -> None:
        """Prepare to run the assistant described by ``config``."""
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

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

    def _env(self, pythonpath: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.config.env)
        env["RASA_TELEMETRY_ENABLED"] = "false"
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(pythonpath), env.get("PYTHONPATH", "")) if p
        )
        return env

    def _spawn(
        self, name: str, args: list[str], *, cwd: Path, pythonpath: Path
    ) -> None:
        log_path = self.config.log_dir / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                args,
                cwd=cwd,
                env=self._env(pythonpath),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.processes[name] = process
        logger.info("started %s server (pid %d), log %s", name, process.pid, log_path)

    def _wait(self, name: str, url: str) -> None:
        deadline = time.monotonic() + self.config.startup_timeout
        process = self.processes[name]
        log_path = self.config.log_dir / f"{name}.log"
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(
                    f"{name} server exited with code {process.returncode} while starting; "
                    f"last lines of {log_path}:\n{_tail(log_path)}"
                )
            if http_ok(url):
                logger.info("%s server ready", name)
                return
            time.sleep(1.0)
        raise ServerError(
            f"{name} server not ready after {self.config.startup_timeout:.0f}s; "
            f"last lines of {log_path}:\n{_tail(log_path)}"
        )

    def start(self) -> None:
        """Start the action server, then the Rasa server; return once both answer."""
        config = self.config
        for port in (config.actions_port, config.rasa_port):
            if port_in_use(port):
                raise ServerError(f"port {port} is already in use; choose another one")
        if not Path(config.model).is_file():
            raise ServerError(f"model {config.model} not found (train it first)")
        self._tmp = tempfile.TemporaryDirectory(prefix="e2e-servers-")
        tmp = Path(self._tmp.name)
        endpoints = tmp / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "{config.actions_url}/webhook"\n',
            encoding="utf-8",
        )
        credentials = tmp / "credentials.yml"
        credentials.write_text("rest:\n", encoding="utf-8")

        rasa = [str(config.python), "-m", "rasa"]
        actions_dir = (config.actions_dir or config.project_dir).resolve()
        self._spawn(
            "actions",
            [
                *rasa,
                "run",
                "actions",
                "--port",
                str(config.actions_port),
                "--actions",
                config.actions_package,
            ],
            cwd=actions_dir,
            pythonpath=actions_dir,
        )
        self._spawn(
            "rasa",
            [
                *rasa,
                "run",
                "--model",
                str(Path(config.model).resolve()),
                "--enable-api",
                "--auth-token",
                config.token,
                "--interface",
                HOST,
                "--port",
                str(config.rasa_port),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(credentials),
            ],
            cwd=config.project_dir.resolve(),
            pythonpath=config.project_dir.resolve(),
        )
        self._wait("actions", f"{config.actions_url}/health")
        self._wait("rasa", f"{config.url}/status?token={config.token}")

    def stop(self) -> None:
        """Stop both servers (and anything they spawned); safe to call twice."""
        for name in ("rasa", "actions"):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            stop_process_group(process.pid)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                logger.warning("%s server (pid %d) did not exit", name, process.pid)
            logger.debug("stopped %s server", name)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _config_from_args(args: argparse.Namespace) -> AssistantConfig:
    return AssistantConfig(
        model=Path(args.model),
        rasa_port=args.rasa_port,
        actions_port=args.actions_port,
        token=args.token,
        actions_dir=Path(args.actions_dir) if args.actions_dir else None,
        log_dir=Path(args.log_dir),
        startup_timeout=args.timeout,
    )


def _run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("error: give the command to run after --", file=sys.stderr)
        return 2
    config = _config_from_args(args)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        with Assistant(config):
            print(
                f"servers ready: rasa {config.url}, actions {config.actions_url}",
                flush=True,
            )
            env = dict(os.environ, E2E_URL=config.url, E2E_TOKEN=config.token)
            return subprocess.call(command, env=env)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130


def _start(args: argparse.Namespace) -> int:
    config = _config_from_args(args)
    assistant = Assistant(config)
    try:
        assistant.start()
    except ServerError as error:
        assistant.stop()
        print(f"error: {error}", file=sys.stderr)
        return 2
    state = {name: process.pid for name, process in assistant.processes.items()}
    state_file = Path(args.state_file)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state), encoding="utf-8")
    # Leave the servers running; `stop` ends them by the ids written above. The
    # temporary endpoints/credentials files were read at start-up, so keep nothing.
    assistant.processes.clear()
    print(
        f"servers ready: rasa {config.url}, actions {config.actions_url} (state {state_file})"
    )
    return 0


def _stop(args: argparse.Namespace) -> int:
    state_file = Path(args.state_file)
    if not state_file.is_file():
        print(f"nothing to stop: {state_file} not found")
        return 0
    for name, pid in json.loads(state_file.read_text(encoding="utf-8")).items():
        stop_process_group(int(pid))
        print(f"stopped {name} (pid {pid})")
    state_file.unlink()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m e2e.servers`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m e2e.servers",
        description="Start/stop the Rasa and action servers.",
    )
    commands = parser.add_subparsers(dest="action", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--model", default="models/hamstring.tar.gz")
        sub.add_argument(
            "--rasa-port",
            type=int,
            default=int(os.environ.get("E2E_RASA_PORT", "5205")),
        )
        sub.add_argument(
            "--actions-port",
            type=int,
            default=int(os.environ.get("E2E_ACTIONS_PORT", "5255")),
        )
        sub.add_argument(
            "--token", default=os.environ.get("E2E_TOKEN", "e2e-local-token")
        )
        sub.add_argument(
            "--actions-dir", default=None, help="folder holding the actions package"
        )
        sub.add_argument("--log-dir", default="build/e2e")
        sub.add_argument(
            "--timeout", type=float, default=600.0, help="seconds to wait for start-up"
        )

    run = commands.add_parser("run", help="start servers, run a command, stop servers")
    common(run)
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run")
    start = commands.add_parser("start", help="start servers and leave them running")
    common(start)
    start.add_argument("--state-file", default="build/e2e/servers.json")
    stop = commands.add_parser("stop", help="stop servers started with 'start'")
    stop.add_argument("--state-file", default="build/e2e/servers.json")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m e2e.servers``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.action == "run":
        return _run(args)
    if args.action == "start":
        return _start(args)
    return _stop(args)


if __name__ == "__main__":
    sys.exit(main())
