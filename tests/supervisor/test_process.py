"""The supervisor's process handling, with real processes and a real HTTP server."""

from __future__ import annotations

import http.server
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from supervisor.process import (
    ServerError,
    Service,
    free_port,
    pid_alive,
    port_in_use,
    read_pid,
    wait_http,
)


class StatusHandler(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the server's ``status`` code."""

    def do_GET(self) -> None:
        """Reply with the configured status."""
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture
def status_server() -> Iterator[tuple[str, http.server.HTTPServer]]:
    """An HTTP server on loopback whose answer status a test can set."""
    server = http.server.HTTPServer(("127.0.0.1", 0), StatusHandler)
    server.status = 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", server
    server.shutdown()


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    """A server's children go with it (Rasa's workers, a shell's commands)."""
    child_pid = tmp_path / "child.pid"
    script = textwrap.dedent(
        f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(child_pid)!r}, "w").write(str(child.pid))
        time.sleep(60)
        """
    )
    service = Service(
        "parent", [sys.executable, "-c", script], log_path=tmp_path / "p.log"
    )
    service.start()
    deadline = time.monotonic() + 10
    while read_pid(child_pid) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    grandchild = read_pid(child_pid)
    assert pid_alive(service.pid) and pid_alive(grandchild)
    service.stop()
    time.sleep(0.5)
    assert not service.alive
    assert not pid_alive(grandchild)


def test_wait_http_returns_once_the_url_answers(status_server: tuple) -> None:
    """200 is ready."""
    url, _ = status_server
    wait_http(url, timeout=5)


def test_409_means_up_without_a_model(status_server: tuple) -> None:
    """Rasa's /status answers 409 when no model could be loaded: fail at once."""
    url, server = status_server
    server.status = 409
    started = time.monotonic()
    with pytest.raises(ServerError, match="without a model"):
        wait_http(url, timeout=30)
    assert time.monotonic() - started < 5


def test_an_early_exit_is_reported_with_the_log_tail(tmp_path: Path) -> None:
    """A server that dies while starting fails the wait with its last log lines."""
    service = Service(
        "broken",
        [sys.executable, "-c", "print('no model found here'); raise SystemExit(3)"],
        log_path=tmp_path / "broken.log",
    ).start()
    with pytest.raises(ServerError) as raised:
        wait_http(f"http://127.0.0.1:{free_port()}/", timeout=30, service=service)
    assert "exited with code 3" in str(raised.value)
    assert "no model found here" in str(raised.value)


def test_a_timeout_names_the_url(tmp_path: Path) -> None:
    """Nothing answering within the time is an error naming what was waited for."""
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(ServerError, match="did not answer"):
        wait_http(url, timeout=1.5, interval=0.2)


def test_port_in_use(status_server: tuple) -> None:
    """A listening port is taken; a free one is not."""
    _, server = status_server
    assert port_in_use(server.server_port)
    assert not port_in_use(free_port())
