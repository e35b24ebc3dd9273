"""Secrets in the deployment files.

The API token is never on a command line nor in a container's environment, Compose
gives every secret (passwords, tokens, keys) as a secret file that the service's own
code reads, Kubernetes takes every one from the Secret, and no real secret is
committed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from channels.socketio import session_secret
from privacy.store import postgres_url, tracker_db_url
from rasa_sdk_plugins import required_token
from secret_checks import configured_secret
from supervisor import rasa_entry
from tests.deploy.manifests import (
    DEPLOY,
    endpoint_variables,
    k8s_documents,
    k8s_rasa_container,
    workloads,
)


def command_lines(compose: dict[str, Any]) -> dict[str, list[str]]:
    """Every command line of the compose file and the manifests, by where it is."""
    found = {}
    for name, service in compose["services"].items():
        for key in ("entrypoint", "command"):
            found[f"compose {name} {key}"] = service.get(key, [])
        found[f"compose {name} healthcheck"] = service.get("healthcheck", {}).get(
            "test", []
        )
    for name, template in workloads():
        spec = template["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            words = [*container.get("command", []), *container.get("args", [])]
            found[f"k8s {name} {container['name']}"] = words
    return found


def token_words(words: list[str]) -> list[str]:
    """The words of a command line that pass an API token or a variable holding one."""
    leak = re.compile(r"(?:^|\s)(?:-t|--auth-token)|\$+[{(]?\w*TOKEN")
    return [word for word in map(str, words) if leak.search(word)]


def test_no_manifest_puts_a_token_in_the_process_arguments(
    compose: dict[str, Any],
) -> None:
    lines = command_lines(compose)
    assert {"compose rasa-1 command", "k8s rasa rasa"} <= set(lines)
    leaks = {where: token_words(words) for where, words in lines.items()}
    assert {where: words for where, words in leaks.items() if words} == {}


def test_the_token_check_finds_a_token_on_a_command_line() -> None:
    assert token_words(["run", "--auth-token", "${RASA_API_TOKEN:?set it}"]) == [
        "--auth-token",
        "${RASA_API_TOKEN:?set it}",
    ]
    assert token_words(["--auth-token=$(RASA_API_TOKEN)", "--port"]) == [
        "--auth-token=$(RASA_API_TOKEN)"
    ]
    assert token_words(["sh", "-c", "rasa run -t $$TOKEN"]) == ["rasa run -t $$TOKEN"]


def test_compose_gives_rasa_the_token_as_a_secret_file(compose: dict[str, Any]) -> None:
    assert compose["secrets"]["rasa_api_token"] == {"environment": "RASA_API_TOKEN"}
    assert "RASA_API_TOKEN=" in (DEPLOY / "compose.env.example").read_text()
    for name in ("rasa-1", "rasa-2"):
        service = compose["services"][name]
        assert "rasa_api_token" in service["secrets"]
        environment = service["environment"]
        assert (
            environment[rasa_entry.TOKEN_FILE_VARIABLE] == "/run/secrets/rasa_api_token"
        )
        # docker inspect shows a container's environment: the token is not in it.
        assert not {rasa_entry.TOKEN_VARIABLE, "RASA_API_TOKEN"} & set(environment)


SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|_KEY")
"""Variables that hold a secret: passwords, tokens, signing secrets, keys."""


def plain_secrets(environment: dict[str, Any]) -> list[str]:
    """The variables of a container's environment that hold a secret as they are.

    A secret is given as ``<NAME>_FILE``, a file the container mounts; a variable named
    for a secret, or a value taken from one (``${ACTION_SERVER_TOKEN}``), is in plain
    sight of ``docker inspect``.
    """
    found = []
    for key, value in environment.items():
        taken = re.findall(r"\$\{(\w+)", str(value))
        names = {key.removesuffix("_FILE")} if key.endswith("_FILE") else {key}
        names |= set(taken)
        secret = {name for name in names if SECRET_NAME.search(name)}
        if secret and (
            not key.endswith("_FILE") or taken or not str(value).startswith("/run/")
        ):
            found.append(key)
    return found


def test_the_check_finds_a_secret_in_plain_sight() -> None:
    assert plain_secrets(
        {
            "ACTION_SERVER_TOKEN": "${ACTION_SERVER_TOKEN:?set it}",
            "WIDGET_SESSION_SECRET": "x",
            "CONSOLE_AUDIT_KEY": "k",
            "REDIS_PASSWORD": "",
            "UPSTREAM": "http://u:${REDIS_PASSWORD}@redis",
            "TOKEN_FILE": "/run/secrets/${RASA_API_TOKEN}",
            "ACTION_SERVER_TOKEN_FILE": "/run/secrets/action_server_token",
            "CONSOLE_AUDIT_ANCHOR_FILE": "/var/lib/console/audit-anchors.log",
            "CONSOLE_AUDIT_KEYS_RETIRED": "${CONSOLE_AUDIT_KEYS_RETIRED:-}",
            "CONSOLE_DB_PASSWORD_FILE": "/var/lib/console/password",
            "WIDGET_ALLOWED_ORIGINS": "${CORS_ORIGINS:?set it}",
        }
    ) == [
        "ACTION_SERVER_TOKEN",
        "WIDGET_SESSION_SECRET",
        "CONSOLE_AUDIT_KEY",
        "REDIS_PASSWORD",
        "UPSTREAM",
        "TOKEN_FILE",
        "CONSOLE_AUDIT_KEYS_RETIRED",
        "CONSOLE_DB_PASSWORD_FILE",
    ]


def test_compose_gives_every_secret_as_a_secret_file(compose: dict[str, Any]) -> None:
    """Not a variable (docker inspect shows those): a file the service mounts."""
    example = (DEPLOY / "compose.env.example").read_text()
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        assert plain_secrets(environment) == [], name
        mounted = service.get("secrets", [])
        for key, value in environment.items():
            if not str(value).startswith("/run/secrets/"):
                continue
            secret = str(value).removeprefix("/run/secrets/")
            assert secret in mounted, (name, key)
            (source,) = compose["secrets"][secret].values()
            assert f"{source}=" in example, (name, key)
        for secret in mounted:
            path = f"/run/secrets/{secret}"
            assert path in environment.values() or path in str(service), (name, secret)


def test_k8s_gives_every_secret_from_the_secret() -> None:
    """A variable named for a secret is a reference to the Secret, never a value."""
    config_maps = set()
    for name, template in workloads():
        spec = template["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            config_maps |= {
                source["configMapRef"]["name"]
                for source in container.get("envFrom", [])
                if "configMapRef" in source
            }
            environment = {
                item["name"]: item.get("value", "") for item in container.get("env", [])
            }
            references = {
                item["name"]
                for item in container.get("env", [])
                if "secretKeyRef" in item.get("valueFrom", {})
            }
            plain = set(plain_secrets(environment)) - references
            assert plain == set(), (name, container["name"])
    # The ConfigMaps that become environments (not postgres-init's script, a file).
    assert config_maps == {"hamstring-config"}
    for _, document in k8s_documents():
        if (
            document["kind"] == "ConfigMap"
            and document["metadata"]["name"] in config_maps
        ):
            assert plain_secrets(document["data"]) == [], document["metadata"]["name"]


def test_compose_gives_the_console_its_audit_keys_as_files(
    compose: dict[str, Any],
) -> None:
    """The audit key and the retired keys (which verify old entries) are files too."""
    console = compose["services"]["console"]["environment"]
    assert {"CONSOLE_AUDIT_KEY_FILE", "CONSOLE_AUDIT_KEYS_RETIRED_FILE"} <= set(console)


def mounted(environment: dict[str, Any], files: dict[str, Path]) -> dict[str, str]:
    """A service's environment with its secrets' paths pointing at ``files``."""
    return {
        key: str(files.get(str(value).removeprefix("/run/secrets/"), value))
        for key, value in environment.items()
    }


def test_compose_services_read_their_passwords_from_the_files(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """What each service's own code makes of its environment, the secrets as files."""
    files = {}
    for secret in compose["secrets"]:
        files[secret] = tmp_path / secret
        files[secret].write_text(f"{secret} value\n")
    services = {
        name: mounted(service.get("environment") or {}, files)
        for name, service in compose["services"].items()
    }

    # Rasa: the entry module puts them where deploy/endpoints.prod.yml expands them,
    # and the widget's channel reads its own.
    rasa = services["rasa-1"]
    rasa_entry.secrets_from_files(rasa)
    assert endpoint_variables() <= set(rasa)
    assert rasa["TRACKER_DB_PASSWORD"] == "tracker_db_password value"
    assert rasa["REDIS_PASSWORD"] == "redis_password value"
    assert rasa["ACTION_SERVER_TOKEN"] == "action_server_token value"
    assert session_secret(rasa) == b"widget_session_secret value"
    # The action servers ask for the token Rasa sends.
    assert required_token(services["actions"]) == "action_server_token value"
    # The action servers, retention and the console: privacy/store.py names the
    # databases (the console's own too).
    for name in ("actions", "retention", "console"):
        password = make_url(tracker_db_url(services[name])).password
        assert password == "tracker_db_password value", name
    console = make_url(postgres_url(services["console"], "CONSOLE_DB_", database="c"))
    assert console.password == "console_db_password value"
    # The console's audit keys (console/settings.py reads them the same way).
    for variable, secret in (
        ("CONSOLE_AUDIT_KEY", "console_audit_key"),
        ("CONSOLE_AUDIT_KEYS_RETIRED", "console_audit_keys_retired"),
    ):
        value = configured_secret(services["console"], variable)
        assert value == f"{secret} value", variable


def test_k8s_gives_rasa_the_token_from_the_secret() -> None:
    environment = {item["name"]: item for item in k8s_rasa_container()["env"]}
    assert environment[rasa_entry.TOKEN_VARIABLE]["valueFrom"]["secretKeyRef"] == {
        "name": "hamstring-secrets",
        "key": "RASA_API_TOKEN",
    }


def test_nothing_in_deploy_looks_like_a_real_secret() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".yaml", ".example", ".conf"):
            text = path.read_text()
            for value in re.findall(
                r"(?:PASSWORD|TOKEN)[\"']?\s*[:=](?!\?)\s*[\"']?([^\s\"'$(]+)", text
            ):
                assert value.startswith(("replace-me", "change-me")), (path, value)
