"""Run the deployment topology on this machine from Debian's packages, on loopback.

The same parts as ``deploy/docker-compose.yml``: PostgreSQL (tracker store), Redis (lock
store), N Rasa instances and N action servers, nginx in front. Data and logs live under
``var/cluster/`` (PostgreSQL's files are owned by the ``postgres`` user, Redis's by
``redis``, when started as root). Used by ``make cluster`` / ``make cluster-stop``, by the
deployment tests (on their own ports and directories) and by ``bench/load.py``::

    python -m deploy.cluster start --instances 2 [--expose-rest]
    python -m deploy.cluster status
    python -m deploy.cluster stop

Ports come from the environment (defaults in brackets): RASA_BASE_PORT [5505],
ACTIONS_BASE_PORT [5555], NGINX_PORT [5580], POSTGRES_PORT [5532], REDIS_PORT [6479].
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from deploy import nginx

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
DEPLOY = REPO / "deploy"
SERVICE_ROOT = Path("/var/lib/hamstring-assistant")
"""Where, when run as root, the services' own users keep their files (see service_dir)."""
START_TIMEOUT_S = 420.0
"""Rasa loads TensorFlow, spaCy and the model: minutes on a busy 2-core machine."""


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
    model: Path = REPO / "models" / "hamstring.tar.gz"
    actions_package: str = "actions"
    expose_rest: bool = False
    cors_origins: tuple[str, ...] = ()
    client_max_body_size: str = "16k"
    rate_limit: str = "20r/s"
    rate_burst: int = 40
    connections_per_client: int = 50

    @classmethod
    def from_env(cls, **overrides: object) -> ClusterSettings:
        """Build settings from the environment, then apply ``overrides``."""
        settings = cls(
            instances=_env_int("RASA_INSTANCES", 2),
            rasa_base_port=_env_int("RASA_BASE_PORT", 5505),
            actions_base_port=_env_int("ACTIONS_BASE_PORT", 5555),
            nginx_port=_env_int("NGINX_PORT", 5580),
            postgres_port=_env_int("POSTGRES_PORT", 5532),
            redis_port=_env_int("REDIS_PORT", 6479),
            model=Path(
                os.environ.get("RASA_MODEL") or REPO / "models" / "hamstring.tar.gz"
            ),
            expose_rest=os.environ.get("EXPOSE_REST", "0") in ("1", "true", "yes"),
            cors_origins=tuple(os.environ.get("CORS_ORIGINS", "").split()),
            client_max_body_size=os.environ.get("CLIENT_MAX_BODY_SIZE", "16k"),
            rate_limit=os.environ.get("RATE_LIMIT", "20r/s"),
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

    @classmethod
    def load_or_create(cls, state_dir: Path) -> Secrets:
        """Read ``secrets.json`` from ``state_dir``, creating it on first use."""
        path = state_dir / "secrets.json"
        if path.exists():
            return cls(**json.loads(path.read_text()))
        state_dir.mkdir(parents=True, exist_ok=True)
        created = cls(*(secrets.token_urlsafe(24) for _ in range(4)))
        path.touch(mode=0o600)
        path.write_text(json.dumps(dataclasses.asdict(created)))
        return created


# --------------------------------------------------------------------------- processes


def _as_service_user(user: str, command: Sequence[str]) -> list[str]:
    """Run ``command`` as ``user`` when we are root (databases refuse to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *command]
    return list(command)


def _give_to(path: Path, user: str) -> None:
    """Make ``path`` owned by ``user`` when we are root."""
    if os.geteuid() == 0:
        shutil.chown(path, user=user, group=user)


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def pid_alive(pid: int | None) -> bool:
    """Tell whether a process with this id exists (and is not a zombie)."""
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


def spawn(
    name: str,
    command: Sequence[str],
    *,
    settings: ClusterSettings,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``command`` in its own session, log to ``logs/<name>.log``; return its pid."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    log = open(settings.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (child keeps it)
    process = subprocess.Popen(
        list(command),
        cwd=REPO,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    (settings.run_dir / f"{name}.pid").write_text(f"{process.pid}\n")
    return process.pid


def stop_pid(pid: int | None, *, timeout_s: float = 20.0, kill: bool = False) -> None:
    """Stop the process group led by ``pid`` (TERM, then KILL after ``timeout_s``)."""
    if not pid_alive(pid):
        return
    assert pid is not None
    sig = signal.SIGKILL if kill else signal.SIGTERM
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    if pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_named(name: str, settings: ClusterSettings, *, kill: bool = False) -> None:
    """Stop the process recorded in ``run/<name>.pid`` and forget it."""
    pid_file = settings.run_dir / f"{name}.pid"
    stop_pid(_read_pid(pid_file), kill=kill)
    pid_file.unlink(missing_ok=True)


def wait_http(url: str, *, timeout_s: float, pid: int | None = None) -> None:
    """Wait until ``url`` answers 200 (fail early if process ``pid`` died)."""
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while time.monotonic() < deadline:
        if pid is not None and not pid_alive(pid):
            raise RuntimeError(f"process {pid} exited before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code == 409:  # Rasa's /status: up, but no model could be loaded
                raise RuntimeError(
                    f"{url}: server up without a model (see its log)"
                ) from error
            last_error = str(error)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last_error = str(error)
        time.sleep(1.0)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f}s ({last_error})")


def snapshot_model(source: Path, state_dir: Path, *, attempts: int = 30) -> Path:
    """Copy the model into ``state_dir`` once it reads as a complete archive.

    ``make train`` rewrites ``models/hamstring.tar.gz`` in place; a Rasa instance that
    starts (or restarts) while it is half-written would run without a model. Every
    instance of a cluster loads the same verified copy instead.
    """
    import tarfile

    target = state_dir / "model.tar.gz"
    state_dir.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        size = source.stat().st_size
        shutil.copyfile(source, target)
        try:
            with tarfile.open(target) as archive:
                for _member in archive:
                    pass
        except (tarfile.TarError, EOFError, OSError):
            time.sleep(10.0)
            continue
        if source.stat().st_size == size:
            return target
        time.sleep(10.0)
    raise RuntimeError(f"{source} never read as a complete model archive")


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
        subprocess.run(
            _as_service_user(
                "postgres",
                [
                    postgres_bin("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ),
            check=True,
            capture_output=True,
        )

    def is_running(self) -> bool:
        """Tell whether the postmaster of ``data_dir`` runs."""
        return pid_alive(_read_pid(self.data_dir / "postmaster.pid"))

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        if not self.is_running():
            return
        subprocess.run(
            _as_service_user(
                "postgres",
                [
                    postgres_bin("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
            ),
            check=False,
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
        if pid_alive(_read_pid(self.pid_file)):
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
                    "# Generated by deploy/cluster.py",
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
        pid = _read_pid(self.pid_file)
        if pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)


# --------------------------------------------------------------------------- Rasa


def service_env(
    settings: ClusterSettings, cluster_secrets: Secrets, index: int
) -> dict[str, str]:
    """Environment for Rasa instance / action server ``index`` (what endpoints.prod.yml reads)."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
            # A lock left by an instance that died mid-turn blocks its conversation
            # this long (Rasa's default is 60 s); turns take well under a second.
            "TICKET_LOCK_LIFETIME": "30",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(REPO),
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": str(settings.postgres_port),
            "TRACKER_DB_NAME": "rasa",
            "TRACKER_DB_USER": "rasa",
            "TRACKER_DB_PASSWORD": cluster_secrets.tracker_db_password,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(settings.redis_port),
            "REDIS_PASSWORD": cluster_secrets.redis_password,
            "ACTION_SERVER_URL": f"http://127.0.0.1:{settings.actions_port(index)}/webhook",
        }
    )
    env.pop("TRACKER_DB_URL", None)
    return env


def rasa_command(
    settings: ClusterSettings, cluster_secrets: Secrets, index: int, *, model: Path
) -> list[str]:
    """Command line of Rasa instance ``index``: API on with a token, CORS as configured."""
    command = [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(DEPLOY / "endpoints.prod.yml"),
        "--credentials",
        str(DEPLOY / "credentials.prod.yml"),
        "--interface",
        "127.0.0.1",
        "--port",
        str(settings.rasa_port(index)),
        "--enable-api",
        "--auth-token",
        cluster_secrets.rasa_api_token,
        "--logging-config-file",
        str(DEPLOY / "logging.yml"),
    ]
    if settings.cors_origins:
        command += ["--cors", *settings.cors_origins]
    return command


def start_rasa_instance(
    settings: ClusterSettings,
    cluster_secrets: Secrets,
    index: int,
    *,
    wait: bool = True,
) -> int:
    """Start Rasa instance ``index``; return its pid."""
    model = settings.state_dir / "model.tar.gz"
    if not model.exists():
        model = snapshot_model(settings.model, settings.state_dir)
    pid = spawn(
        f"rasa-{index}",
        rasa_command(settings, cluster_secrets, index, model=model),
        settings=settings,
        env=service_env(settings, cluster_secrets, index),
    )
    if wait:
        wait_rasa(settings, cluster_secrets, index, pid=pid)
    return pid


def wait_rasa(
    settings: ClusterSettings,
    cluster_secrets: Secrets,
    index: int,
    *,
    pid: int | None = None,
) -> None:
    """Wait until instance ``index`` has loaded its model (GET /status answers)."""
    port = settings.rasa_port(index)
    wait_http(
        f"http://127.0.0.1:{port}/status?token={cluster_secrets.rasa_api_token}",
        timeout_s=START_TIMEOUT_S,
        pid=pid,
    )


def start_action_server(
    settings: ClusterSettings, cluster_secrets: Secrets, index: int
) -> int:
    """Start action server ``index``; return its pid."""
    return spawn(
        f"actions-{index}",
        [
            str(VENV_BIN / "rasa"),
            "run",
            "actions",
            "--port",
            str(settings.actions_port(index)),
            "--actions",
            settings.actions_package,
            "--logging-config-file",
            str(DEPLOY / "logging.yml"),
        ],
        settings=settings,
        env=service_env(settings, cluster_secrets, index),
    )


# --------------------------------------------------------------------------- nginx


def nginx_paths(settings: ClusterSettings) -> tuple[Path, Path]:
    """Return (main config, pid file) of the cluster's nginx."""
    folder = settings.state_dir / "nginx"
    return folder / "nginx.conf", folder / "nginx.pid"


def write_nginx_config(settings: ClusterSettings, *, instances: Sequence[int]) -> Path:
    """Render nginx's config for the given instance indexes; return its path."""
    config, pid_file = nginx_paths(settings)
    folder = config.parent
    folder.mkdir(parents=True, exist_ok=True)
    temp_dir = prepare_service_dir(settings) / "nginx-tmp"
    temp_dir.mkdir(exist_ok=True)
    _give_to(temp_dir, "www-data")
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    options = nginx.NginxOptions(
        listen=f"127.0.0.1:{settings.nginx_port}",
        rasa_servers=tuple(f"127.0.0.1:{settings.rasa_port(i)}" for i in instances),
        expose_rest=settings.expose_rest,
        cors_origins=settings.cors_origins,
        client_max_body_size=settings.client_max_body_size,
        rate_limit=settings.rate_limit,
        rate_burst=settings.rate_burst,
        connections_per_client=settings.connections_per_client,
    )
    site = folder / "rasa.conf"
    site.write_text(nginx.render_site(options))
    config.write_text(
        nginx.render_main(
            site_config=site,
            pid_file=pid_file,
            temp_dir=temp_dir,
            log_dir=settings.log_dir,
            user="www-data" if os.geteuid() == 0 else None,
        )
    )
    return config


def start_nginx(settings: ClusterSettings, *, instances: Sequence[int]) -> None:
    """Start nginx, or reload it with a new upstream list if it runs."""
    config, pid_file = nginx_paths(settings)
    write_nginx_config(settings, instances=instances)
    prefix = str(config.parent)
    subprocess.run(["nginx", "-t", "-q", "-c", str(config), "-p", prefix], check=True)
    if pid_alive(_read_pid(pid_file)):
        subprocess.run(
            ["nginx", "-c", str(config), "-p", prefix, "-s", "reload"],
            check=True,
            capture_output=True,
        )
        time.sleep(1.0)  # old workers finish; new ones use the new upstreams
    else:
        subprocess.run(["nginx", "-c", str(config), "-p", prefix], check=True)
    wait_http(f"http://127.0.0.1:{settings.nginx_port}/healthz", timeout_s=30)


def stop_nginx(settings: ClusterSettings) -> None:
    """Stop nginx gracefully."""
    _, pid_file = nginx_paths(settings)
    pid = _read_pid(pid_file)
    if pid_alive(pid):
        assert pid is not None
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)


# --------------------------------------------------------------------------- cluster


def install_debian_packages() -> None:
    """Install PostgreSQL, Redis and nginx from Debian if missing (idempotent)."""
    subprocess.run(["sh", str(DEPLOY / "install-debs.sh")], check=True)


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


def start_data_services(settings: ClusterSettings, cluster_secrets: Secrets) -> None:
    """Start PostgreSQL (with the ``rasa`` database) and Redis."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    prepare_service_dir(settings)
    postgres, redis_server = data_services(settings, cluster_secrets)
    postgres.start(settings.service_dir / "logs" / "postgres.log")
    postgres.ensure_database("rasa", "rasa", cluster_secrets.tracker_db_password)
    redis_server.start(settings.service_dir / "logs" / "redis.log")


def start_cluster(settings: ClusterSettings) -> Secrets:
    """Start the whole topology; return the secrets clients need."""
    if not settings.model.exists():
        raise FileNotFoundError(f"model {settings.model} missing: train it first")
    cluster_secrets = Secrets.load_or_create(settings.state_dir)
    if not any(status(settings).get(f"rasa-{i}") for i in range(settings.instances)):
        snapshot_model(
            settings.model, settings.state_dir
        )  # a fresh start takes the newest
    start_data_services(settings, cluster_secrets)
    pids = {}
    for index in range(settings.instances):
        if not pid_alive(_read_pid(settings.run_dir / f"actions-{index}.pid")):
            start_action_server(settings, cluster_secrets, index)
        rasa_pid = _read_pid(settings.run_dir / f"rasa-{index}.pid")
        if not pid_alive(rasa_pid):
            rasa_pid = start_rasa_instance(settings, cluster_secrets, index, wait=False)
        pids[index] = rasa_pid
    for index, pid in pids.items():
        wait_rasa(settings, cluster_secrets, index, pid=pid)
        wait_http(
            f"http://127.0.0.1:{settings.actions_port(index)}/health", timeout_s=120
        )
    start_nginx(settings, instances=range(settings.instances))
    return cluster_secrets


def stop_cluster(settings: ClusterSettings) -> None:
    """Stop everything this state folder started (only those processes, by pid)."""
    stop_nginx(settings)
    for pid_file in (
        sorted(settings.run_dir.glob("*.pid")) if settings.run_dir.exists() else []
    ):
        stop_named(pid_file.stem, settings)
    if (settings.state_dir / "secrets.json").exists():
        postgres, redis_server = data_services(
            settings, Secrets.load_or_create(settings.state_dir)
        )
        redis_server.stop()
        postgres.stop()


def status(settings: ClusterSettings) -> dict[str, bool]:
    """Which parts of the cluster run."""
    result: dict[str, bool] = {}
    if (settings.state_dir / "secrets.json").exists():
        postgres, redis_server = data_services(
            settings, Secrets.load_or_create(settings.state_dir)
        )
        result["postgres"] = postgres.is_running()
        result["redis"] = pid_alive(_read_pid(redis_server.pid_file))
    result["nginx"] = pid_alive(_read_pid(nginx_paths(settings)[1]))
    if settings.run_dir.exists():
        for pid_file in sorted(settings.run_dir.glob("*.pid")):
            result[pid_file.stem] = pid_alive(_read_pid(pid_file))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: start, stop, status."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.cluster", description=__doc__
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
