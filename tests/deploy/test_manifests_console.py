"""The safety console's deployment files: Compose, Kubernetes, nginx, its image.

The console runs beside the assistant (console/README.md, deploy/README.md): behind
nginx on a port of its own, its own database and role, its secrets from the
environment or the Secret and never on its command line. Checked here as files, and
the PostgreSQL script on a real server; tests/deploy/test_cluster_console.py runs it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import cluster, nginx
from tests.deploy.manifests import (
    DEPLOY,
    K8S,
    copied_sources,
    dockerfile_instructions,
    imported_modules,
    k8s_documents,
    locations,
    servers,
    sets_pythonpath,
    workloads,
)

CONSOLE_SECRETS = ("TRACKER_DB_PASSWORD", "CONSOLE_DB_PASSWORD", "CONSOLE_AUDIT_KEY")
COMPOSE_CONSOLE_SECRETS = (*CONSOLE_SECRETS, "CONSOLE_AUDIT_KEYS_RETIRED")
"""Compose mounts the retired audit keys too, set and empty until a rotation
(Kubernetes reads them from the Secret when it has them: optional)."""
"""What the safety console holds: Rasa's database password (it reads the tracker
store), its own database's, and the key that seals its audit log."""


def no_secret_words(words: list[str]) -> list[str]:
    """The words of a command line that name a variable or a secret."""
    return [
        word
        for word in map(str, words)
        if "$" in word or re.search(r"PASSWORD|TOKEN|KEY|SECRET", word, re.IGNORECASE)
    ]


def test_nginx_serves_the_console_on_its_own_port_only_where_it_runs() -> None:
    plain = nginx.NginxOptions(listen="80", rasa_servers=("a:5005",))
    assert "upstream console" not in nginx.render_site(plain)
    with pytest.raises(ValueError, match="console"):
        nginx.render_site(dataclasses.replace(plain, console_listen="81"))
    site = nginx.render_site(
        dataclasses.replace(plain, console_listen="81", console_server="c:5620")
    )
    console = servers(site)["81"]
    assert locations(console) == {"/login", "/"}
    assert "server c:5620" in site and "server_tokens off;" in console
    assert re.search(r"client_max_body_size \S+;", console)
    assert "limit_req zone=console_login" in console
    # Replaced, not appended: a client cannot put another address in the audit log.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in console
    assert "/socket.io/" not in console and "/webhooks/" not in console


def test_compose_runs_the_console_behind_nginx_on_loopback(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    console = services["console"]
    assert console["build"]["target"] == "console"
    assert "ports" not in console and console["networks"] == ["backend"]
    assert "/healthz" in " ".join(console["healthcheck"]["test"])
    assert console["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert (
        "127.0.0.1:${CONSOLE_PUBLISHED_PORT:-8081}:8081" in (services["nginx"]["ports"])
    )
    assert services["nginx"]["depends_on"]["console"]["condition"] == "service_healthy"
    assert nginx.COMPOSE_OPTIONS.console_listen == "8081"
    assert nginx.COMPOSE_OPTIONS.console_server == "console:5620"
    assert console["environment"]["CONSOLE_SECURE_COOKIES"] == "1"


def test_compose_gives_the_console_its_secrets_as_files(
    compose: dict[str, Any],
) -> None:
    """As secret files, each from the variable of its name in deploy/.env."""
    console = compose["services"]["console"]
    environment = console["environment"]
    example = (DEPLOY / "compose.env.example").read_text()
    for key in COMPOSE_CONSOLE_SECRETS:
        assert key not in environment, key  # docker inspect shows it
        assert environment[f"{key}_FILE"] == f"/run/secrets/{key.lower()}", key
        assert compose["secrets"][key.lower()] == {"environment": key}, key
        assert f"\n{key}=" in example, key
    assert sorted(console["secrets"]) == sorted(
        key.lower() for key in COMPOSE_CONSOLE_SECRETS
    )
    for where in ("entrypoint", "command"):
        assert no_secret_words(console[where]) == [], where
    postgres = compose["services"]["postgres"]
    assert "CONSOLE_DB_PASSWORD" not in postgres["environment"]
    assert (
        postgres["environment"]["CONSOLE_DB_PASSWORD_FILE"]
        == "/run/secrets/console_db_password"
    )
    assert "console_db_password" in postgres["secrets"]
    assert (
        "./postgres/console-db.sh:/docker-entrypoint-initdb.d/console-db.sh:ro"
        in postgres["volumes"]
    )


def k8s_console() -> tuple[dict[str, Any], dict[str, Any]]:
    """The console's pod spec and container in deploy/k8s."""
    (template,) = [template for name, template in workloads() if name == "console"]
    (container,) = template["spec"]["containers"]
    return template["spec"], container


def test_k8s_declares_the_console_with_its_secrets_from_the_secret() -> None:
    spec, container = k8s_console()
    assert container["command"] == ["python", "-m", "console"]
    assert container["args"] == ["serve"]
    assert no_secret_words(container["command"] + container["args"]) == []
    environment = {item["name"]: item for item in container["env"]}
    for key in CONSOLE_SECRETS:
        assert environment[key] == {
            "name": key,
            "valueFrom": {"secretKeyRef": {"name": "hamstring-secrets", "key": key}},
        }
    assert {"configMapRef": {"name": "hamstring-config"}} in container["envFrom"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz", probe
    assert "livenessProbe" in container


def test_the_console_anchors_its_audit_log_on_a_volume_of_its_own(
    compose: dict[str, Any],
) -> None:
    """Outside PostgreSQL, kept across restarts, writable by the console's user."""
    console = compose["services"]["console"]
    anchors = console["environment"]["CONSOLE_AUDIT_ANCHOR_FILE"]
    assert anchors == "/var/lib/console/audit-anchors.log"
    assert "console-anchors:/var/lib/console" in console["volumes"]
    assert "console-anchors" in compose["volumes"]
    assert ("RUN", "mkdir -p /var/lib/console && chown 1001 /var/lib/console") in (
        dockerfile_instructions("console")
    )

    spec, container = k8s_console()
    environment = {item["name"]: item for item in container["env"]}
    assert environment["CONSOLE_AUDIT_ANCHOR_FILE"]["value"] == anchors
    assert environment["CONSOLE_AUDIT_KEYS_RETIRED"]["valueFrom"]["secretKeyRef"] == {
        "name": "hamstring-secrets",
        "key": "CONSOLE_AUDIT_KEYS_RETIRED",
        "optional": True,
    }
    (mount,) = container["volumeMounts"]
    (volume,) = spec["volumes"]
    assert mount == {"name": volume["name"], "mountPath": "/var/lib/console"}
    claim = volume["persistentVolumeClaim"]["claimName"]
    claims = [
        d
        for _, d in k8s_documents()
        if d.get("kind") == "PersistentVolumeClaim" and d["metadata"]["name"] == claim
    ]
    assert len(claims) == 1
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsUser"]
    (deployment,) = [
        d
        for _, d in k8s_documents()
        if d.get("kind") == "Deployment" and d["metadata"]["name"] == "console"
    ]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}


def test_k8s_routes_the_console_through_the_ingress_only() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert {"console.yaml", "ingress-console.yaml"} <= set(kustomization["resources"])
    (ingress,) = [d for f, d in k8s_documents() if f == "ingress-console.yaml"]
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    annotations = ingress["metadata"]["annotations"]
    for limit in ("proxy-body-size", "limit-rps", "whitelist-source-range"):
        assert f"nginx.ingress.kubernetes.io/{limit}" in annotations, limit
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["backend"]["service"]["name"] == "console"
    policies = {
        d["metadata"]["name"]: d
        for _, d in k8s_documents()
        if d["kind"] == "NetworkPolicy"
    }
    (allowed,) = policies["console-clients"]["spec"]["ingress"]
    assert allowed["from"] == [
        {
            "namespaceSelector": {
                "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
            }
        }
    ]
    (postgres,) = policies["postgres-clients"]["spec"]["ingress"]
    (clients,) = postgres["from"][0]["podSelector"]["matchExpressions"]
    assert "console" in clients["values"]


def test_k8s_postgres_makes_the_consoles_database_with_the_compose_script() -> None:
    documents = {
        (d["kind"], d["metadata"]["name"]): d
        for _, d in k8s_documents()
        if "metadata" in d
    }
    script = (DEPLOY / "postgres" / "console-db.sh").read_text()
    assert documents["ConfigMap", "postgres-init"]["data"]["console-db.sh"] == script
    spec = documents["StatefulSet", "postgres"]["spec"]["template"]["spec"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == "init"]
    assert volume["configMap"] == {"name": "postgres-init", "defaultMode": 0o755}
    (container,) = spec["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["init"] == "/docker-entrypoint-initdb.d"
    environment = {item["name"]: item for item in container["env"]}
    assert environment["CONSOLE_DB_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "hamstring-secrets",
        "key": "CONSOLE_DB_PASSWORD",
    }


@pytest.mark.parametrize("given_as", ["variable", "file"])
def test_the_console_database_script_makes_a_role_that_owns_its_database(
    data_services: Any, tmp_path: Path, given_as: str
) -> None:
    """deploy/postgres/console-db.sh on a real server: twice, with an awkward password.

    The password as Kubernetes gives it (a variable) or as Compose does (a file).
    """
    import psycopg2

    suffix = uuid.uuid4().hex[:8]
    password = 'it\'s a "hard" one; $x %s'
    secret = tmp_path / "console_db_password"
    secret.write_text(password)
    given = (
        {"CONSOLE_DB_PASSWORD": password}
        if given_as == "variable"
        else {"CONSOLE_DB_PASSWORD_FILE": str(secret)}
    )
    env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(data_services.settings.postgres_port),
        "PGPASSWORD": data_services.secrets.postgres_superuser_password,
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "postgres",
        "CONSOLE_DB_USER": f"console_{suffix}",
        "CONSOLE_DB_NAME": f"console_{suffix}",
        **given,
    }
    for _ in range(2):
        completed = subprocess.run(
            ["sh", str(DEPLOY / "postgres" / "console-db.sh")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
    connection = psycopg2.connect(
        host="127.0.0.1",
        port=data_services.settings.postgres_port,
        user=f"console_{suffix}",
        password=password,
        dbname=f"console_{suffix}",
    )
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE t (id integer)")
    finally:
        connection.close()


def dockerfile_bases() -> dict[str, str]:
    """The base image of each stage of deploy/Dockerfile."""
    text = (DEPLOY / "Dockerfile").read_text()
    return {
        stage: image
        for image, stage in re.findall(r"^FROM (\S+) AS (\S+)$", text, re.MULTILINE)
    }


def test_console_image_is_python_311_non_root_with_its_own_pins() -> None:
    assert dockerfile_bases()["console"].startswith("python:3.11")
    instructions = dockerfile_instructions("console")
    assert ("RUN", "pip install --no-cache-dir -r /app/console/requirements.txt") in (
        instructions
    )
    (user,) = [
        arguments for instruction, arguments in instructions if instruction == "USER"
    ]
    assert user not in ("root", "0")
    assert sets_pythonpath(instructions)
    sources = copied_sources(instructions)
    # What the console imports from the repository, and what those import in turn.
    needed: set[str] = set()
    packages = {"console"}
    while packages - needed:
        needed |= packages
        code = [p for package in needed for p in (cluster.REPO / package).glob("*.py")]
        packages = {
            module.split(".")[0]
            for module in imported_modules(*code)
            if (cluster.REPO / module.split(".")[0]).is_dir()
        }
    assert needed - {"console"} == {"privacy", "secret_checks"}
    assert needed - {"console"} <= sources
    for part in (
        "console/*.py",
        "console/routes",
        "console/templates",
        "console/static",
    ):
        assert part in sources, part
    assert any(
        instruction == "COPY"
        and arguments.endswith("/app/console/static/vendor/chart.umd.min.js")
        for instruction, arguments in instructions
    )
