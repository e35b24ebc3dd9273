"""PostgreSQL (tracker store) and Redis (lock store) from Debian's packages, on loopback."""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from deploy.cluster.processes import _as_service_user, _give_to
from deploy.cluster.settings import ClusterSettings, Secrets
from supervisor.process import pid_alive, read_pid

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- PostgreSQL


def postgres_bin(tool: str) -> str:
    """Path of a PostgreSQL server tool from Debian's newest installed major version."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"),
        key=lambda p: int(Path(p).parts[4]),
    )
    if not candidates:
        raise FileNotFoundError(f"{tool} not found: run deploy/install-debs.sh")
    return candidates[-1]


@dataclasses.dataclass
class Postgres:
    """A PostgreSQL server in ``data_dir`` on 127.0.0.1:``port``."""

    data_dir: Path
    port: int
    superuser_password: str

    def initialize(self) -> None:
        """Create the cluster with initdb if ``data_dir`` is empty (idempotent)."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        _give_to(self.data_dir, "postgres")
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.pw"
        pwfile.write_text(self.superuser_password + "\n")
        pwfile.chmod(0o600)
        _give_to(pwfile, "postgres")
        try:
            subprocess.run(
                _as_service_user(
                    "postgres",
                    [
                        postgres_bin("initdb"),
                        "-D",
                        str(self.data_dir),
                        "--username=postgres",
                        f"--pwfile={pwfile}",
                        "--auth-local=peer",
                        "--auth-host=scram-sha-256",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                    ],
                ),
                check=True,
                capture_output=True,
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self, log_file: Path) -> None:
        """Start the server (waits until it accepts connections)."""
        self.initialize()
        if self.is_running():
            return
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.touch()
        _give_to(log_file, "postgres")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.data_dir} -c max_connections=200"
        )
        self._pg_ctl("-l", str(log_file), "-o", options, "-w", "-t", "60", "start")

    def is_running(self) -> bool:
        """Tell whether the postmaster of ``data_dir`` runs."""
        return pid_alive(read_pid(self.data_dir / "postmaster.pid"))

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        if not self.is_running():
            return
        self._pg_ctl("-m", "fast", "-w", "stop", check=False)

    def _pg_ctl(self, *arguments: str, check: bool = True) -> None:
        """Run ``pg_ctl`` on ``data_dir`` as the ``postgres`` user."""
        subprocess.run(
            _as_service_user(
                "postgres",
                [postgres_bin("pg_ctl"), "-D", str(self.data_dir), *arguments],
            ),
            check=check,
            capture_output=True,
        )

    def ensure_database(self, name: str, owner: str, password: str) -> None:
        """Create role ``owner`` with ``password`` and database ``name`` (idempotent)."""
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            password=self.superuser_password,
            dbname="postgres",
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,))
                verb = "ALTER" if cursor.fetchone() else "CREATE"
                cursor.execute(
                    sql.SQL("{} ROLE {} LOGIN PASSWORD %s").format(
                        sql.SQL(verb), sql.Identifier(owner)
                    ),
                    (password,),
                )
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(name), sql.Identifier(owner)
                        )
                    )
        finally:
            connection.close()


# --------------------------------------------------------------------------- Redis


@dataclasses.dataclass
class Redis:
    """A Redis server with its config and data in ``data_dir`` on 127.0.0.1:``port``."""

    data_dir: Path
    port: int
    password: str

    @property
    def pid_file(self) -> Path:
        """Where redis-server writes its pid."""
        return self.data_dir / "redis.pid"

    def start(self, log_file: Path) -> None:
        """Write the config and start redis-server (daemonized); wait for PING."""
        if pid_alive(read_pid(self.pid_file)):
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _give_to(self.data_dir, "redis")
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.touch()
        _give_to(log_file, "redis")
        config = self.data_dir / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    "# Generated by deploy/cluster/data.py",
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    "protected-mode yes",
                    f"requirepass {self.password}",
                    "daemonize yes",
                    f"pidfile {self.pid_file}",
                    f"logfile {log_file}",
                    f"dir {self.data_dir}",
                    # Locks are short-lived: no persistence needed.
                    'save ""',
                    "appendonly no",
                    "maxmemory 128mb",
                    "",
                ]
            )
        )
        config.chmod(0o600)
        _give_to(config, "redis")
        subprocess.run(
            _as_service_user("redis", ["redis-server", str(config)]),
            check=True,
            capture_output=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        """Wait until the server answers PING."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server."""
        pid = read_pid(self.pid_file)
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)


def data_services(
    settings: ClusterSettings, cluster_secrets: Secrets
) -> tuple[Postgres, Redis]:
    """The PostgreSQL and Redis servers of this cluster."""
    return (
        Postgres(
            settings.service_dir / "pg",
            settings.postgres_port,
            cluster_secrets.postgres_superuser_password,
        ),
        Redis(
            settings.service_dir / "redis",
            settings.redis_port,
            cluster_secrets.redis_password,
        ),
    )


def prepare_service_dir(settings: ClusterSettings) -> Path:
    """Create the services' folder, enterable (not listable) by their users."""
    folder = settings.service_dir
    if folder != settings.state_dir:
        folder.parent.mkdir(mode=0o711, parents=True, exist_ok=True)
        folder.parent.chmod(0o711)
        folder.mkdir(mode=0o711, exist_ok=True)
        folder.chmod(0o711)
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    return folder


def remove_state(settings: ClusterSettings) -> None:
    """Delete a stopped cluster's state folder and its services' folder."""
    for folder in {settings.service_dir, settings.state_dir}:
        shutil.rmtree(folder, ignore_errors=True)


OWNER_FILE = "owner"
"""In the services' folder: which secrets it was created with (a digest, not them)."""


def forget_orphaned_service_dir(
    settings: ClusterSettings, cluster_secrets: Secrets
) -> bool:
    """Delete a services' folder left by an earlier state folder; True if it did.

    As root the services' files live outside the state folder, so deleting the state
    folder (a new checkout at the same path) leaves a PostgreSQL created with the old
    superuser password, which the new secrets cannot open. The folder records a digest
    of the secrets it was made with; another digest means it is not this cluster's.
    """
    folder = settings.service_dir
    if folder == settings.state_dir or not folder.exists():
        return False
    owner = folder / OWNER_FILE
    if not owner.exists():
        return False  # made before folders recorded their owner: kept as it is
    if owner.read_text().strip() == _secrets_digest(cluster_secrets):
        return False
    logger.warning("removing %s: made for another state folder's secrets", folder)
    shutil.rmtree(folder, ignore_errors=True)
    return True


def _secrets_digest(cluster_secrets: Secrets) -> str:
    secret = cluster_secrets.postgres_superuser_password.encode()
    return hashlib.sha256(b"hamstring-cluster-owner:" + secret).hexdigest()


def start_data_services(settings: ClusterSettings, cluster_secrets: Secrets) -> None:
    """Start PostgreSQL (the ``rasa`` and ``console`` databases) and Redis."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    forget_orphaned_service_dir(settings, cluster_secrets)
    folder = prepare_service_dir(settings)
    if folder != settings.state_dir:
        owner = folder / OWNER_FILE
        owner.write_text(_secrets_digest(cluster_secrets) + "\n")
        owner.chmod(0o600)
    postgres, redis_server = data_services(settings, cluster_secrets)
    postgres.start(settings.service_dir / "logs" / "postgres.log")
    postgres.ensure_database("rasa", "rasa", cluster_secrets.tracker_db_password)
    # The safety console's own tables, under its own role (deploy/cluster/console.py).
    postgres.ensure_database("console", "console", cluster_secrets.console_db_password)
    redis_server.start(settings.service_dir / "logs" / "redis.log")
