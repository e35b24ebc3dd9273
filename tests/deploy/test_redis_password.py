"""Redis's password in compose and Kubernetes: from a secret file, and enforced.

It is never in a process's arguments or the container's environment. The compose command is run for real with Debian's redis-server (the one
``make test-deploy`` installs), the secret file standing in for the compose secret.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from supervisor.process import free_port
from tests.helpers.paths import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
PASSWORD = "redis-s3cret-for-the-test"


def compose_redis() -> dict[str, Any]:
    """The redis service of deploy/docker-compose.yml."""
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return compose["services"]["redis"]


def k8s_redis_container() -> dict[str, Any]:
    """The redis container of deploy/k8s/redis.yaml, with its pod's volumes."""
    (deployment,) = [
        doc
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / "redis.yaml").read_text())
        if doc and doc.get("kind") == "Deployment"
    ]
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    return {**container, "pod_volumes": spec.get("volumes", [])}


def test_compose_reads_the_redis_password_from_a_secret_file() -> None:
    service = compose_redis()
    assert service["secrets"] == ["redis_password"]
    assert "REDIS_PASSWORD" not in (service.get("environment") or {})
    words = " ".join([*service["command"], *service["healthcheck"]["test"]])
    assert "--requirepass" not in words and "-a " not in words
    assert "/run/secrets/redis_password" in words


def test_k8s_mounts_the_redis_password_instead_of_passing_it() -> None:
    container = k8s_redis_container()
    assert not any(e["name"] == "REDIS_PASSWORD" for e in container.get("env", []))
    assert "--requirepass" not in " ".join(container["args"])
    (volume,) = container["pod_volumes"]
    assert volume["secret"]["items"] == [
        {"key": "REDIS_PASSWORD", "path": "REDIS_PASSWORD"}
    ]
    (mount,) = container["volumeMounts"]
    assert mount["name"] == volume["name"] and mount["readOnly"] is True
    assert f"{mount['mountPath']}/REDIS_PASSWORD" in container["args"][0]


@pytest.fixture()
def compose_redis_running(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """The compose redis command, run by sh as in the container; (port, pid)."""
    secret = tmp_path / "redis_password"
    secret.write_text(PASSWORD)
    shell, flag, script = compose_redis()["command"]
    port = free_port()
    # Compose turns $$ into $; the secret file and the port are this test's own.
    script = script.replace("$$", "$").replace(
        "/run/secrets/redis_password", str(secret)
    )
    script = script.replace("redis-server -", f"redis-server - --port {port}")
    server = subprocess.Popen([shell, flag, script], cwd=tmp_path)
    try:
        for _ in range(100):
            if ping(port, PASSWORD) == "PONG":
                break
            time.sleep(0.1)
        pids = subprocess.run(
            ["pgrep", "-f", f"redis-server .*:{port}"],
            check=False,
            capture_output=True,
            text=True,
        ).stdout.split()
        yield port, int(pids[0])
    finally:
        subprocess.run(
            ["redis-cli", "-p", str(port), "-a", PASSWORD, "shutdown"],
            check=False,
            capture_output=True,
        )
        server.wait(timeout=10)


def ping(port: int, password: str | None) -> str:
    """redis-cli PING, authenticated through REDISCLI_AUTH when a password is given."""
    env = {"REDISCLI_AUTH": password} if password else {}
    done = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    return (done.stdout + done.stderr).strip()


def test_the_compose_command_enforces_the_password_without_showing_it(
    compose_redis_running: tuple[int, int],
) -> None:
    port, pid = compose_redis_running
    assert ping(port, PASSWORD) == "PONG"
    assert "NOAUTH" in ping(port, None)
    assert "WRONGPASS" in ping(port, "not-the-password")
    arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    environment = Path(f"/proc/{pid}/environ").read_bytes().decode()
    assert PASSWORD not in arguments and PASSWORD not in environment
