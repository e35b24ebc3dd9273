"""A throw-away PostgreSQL server from Debian's packages, for the PostgreSQL tests.

``deploy/install-debs.sh`` installs the server (``make test-console`` runs it). The
cluster lives in a temporary folder, listens on 127.0.0.1 only and trusts local
connections; it is stopped and removed after the tests.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"{name} not found: run deploy/install-debs.sh")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    """Run as the ``postgres`` user when root (the server refuses to run as root)."""
    return (
        ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str]) -> None:
    result = subprocess.run(
        _as_postgres(command), check=False, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"{command[0]} failed: {result.stderr or result.stdout}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield the SQLAlchemy URL of its ``postgres`` database.

    The data folder is made outside pytest's (root-only) temporary folders, so that the
    ``postgres`` user can reach it.
    """
    work = Path(tempfile.mkdtemp(prefix="console-postgres-"))
    data = work / "pgdata"
    data.mkdir()
    if os.getuid() == 0:
        shutil.chown(work, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres(
            [
                _tool("initdb"),
                "-D",
                str(data),
                "--username=postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data}"
    )
    subprocess.run(
        _as_postgres(
            [
                _tool("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres(
                [_tool("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )
