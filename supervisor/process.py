"""One server process: started in its own process group, logged to a file, waited for, stopped.

Every part of the project that runs servers (``make run``, the e2e runner, the
benchmarks, the channel and widget tests, the local cluster) starts them through
:class:`Service` and waits for them with :func:`wait_http`, so all of them stop a
server the same way (the whole process group, TERM then KILL), report an early exit
with the tail of its log, and know that Rasa's ``/status`` answering 409 means "up,
but no model could be loaded".
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
STOP_GRACE_S = 15.0
PRIVATE_UMASK = 0o077
"""Servers create files readable by their owner only."""


class ServerError(RuntimeError):
    """A server did not start, exited early, or its port was already taken."""


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = HOST) -> int:
    """A port nothing listens on at the moment, on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists and is not a zombie."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def read_pid(pid_file: Path) -> int | None:
    """The process id written in ``pid_file``, or None."""
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_process_group(
    pid: int | None, *, grace: float = STOP_GRACE_S, kill: bool = False
) -> None:
    """Stop the process group led by ``pid``: TERM (or KILL), then KILL after ``grace``.

    Unknown or finished ids are ignored; a child of ours is reaped.
    """
    if not pid_alive(pid):
        return
    assert pid is not None
    first = signal.SIGKILL if kill else signal.SIGTERM
    try:
        os.killpg(pid, first)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, first)
    deadline = time.monotonic() + grace
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    _reap(pid)


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class Service:
    """One server process in its own session, with stdout and stderr in ``log_path``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        log_path: Path,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        append_log: bool = False,
    ) -> None:
        """Describe the process; :meth:`start` runs it."""
        self.name = name
        self.command = list(command)
        self.log_path = log_path
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.append_log = append_log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """Process id (leader of its process group) once started."""
        return self.process.pid if self.process is not None else None

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> Service:
        """Start the process; return self."""
        self.log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = (
            os.O_WRONLY | os.O_CREAT | (os.O_APPEND if self.append_log else os.O_TRUNC)
        )
        # Logs and whatever the server writes (its SQLite conversations, its own
        # logs) are the owner's alone: conversations are health data.
        descriptor = os.open(self.log_path, flags, 0o600)
        os.chmod(self.log_path, 0o600)
        with os.fdopen(descriptor, "ab" if self.append_log else "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=PRIVATE_UMASK,
            )
        logger.info("started %s (pid %d), log %s", self.name, self.pid, self.log_path)
        return self

    def stop(self, *, kill: bool = False) -> None:
        """Stop the process and everything it spawned; safe to call twice."""
        if self.process is None:
            return
        stop_process_group(self.process.pid, kill=kill)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            logger.warning("%s (pid %d) did not exit", self.name, self.process.pid)

    def tail(self, lines: int = 30) -> str:
        """The last lines of the log."""
        return tail(self.log_path, lines)


def wait_http(
    url: str,
    *,
    timeout: float,
    service: Service | None = None,
    pid: int | None = None,
    interval: float = 1.0,
) -> None:
    """Wait until ``GET url`` answers 200; raise :class:`ServerError` otherwise.

    Fails early when ``service`` (or process ``pid``) exits, and at once when Rasa's
    ``/status`` answers 409 (the server runs but could not load a model). The error
    carries the tail of the service's log.
    """

    def log_tail() -> str:
        return (
            f"; last lines of {service.log_path}:\n{service.tail()}" if service else ""
        )

    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if service is not None and service.process is not None and not service.alive:
            raise ServerError(
                f"{service.name} exited with code {service.process.returncode} "
                f"before {url} answered{log_tail()}"
            )
        if pid is not None and not pid_alive(pid):
            raise ServerError(f"process {pid} exited before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code == 409:
                raise ServerError(
                    f"{url}: server up without a model{log_tail()}"
                ) from error
            last_error = str(error)
        except (urllib.error.URLError, OSError, ValueError) as error:
            last_error = str(error)
        time.sleep(interval)
    raise ServerError(
        f"{url} did not answer within {timeout:.0f}s ({last_error}){log_tail()}"
    )
