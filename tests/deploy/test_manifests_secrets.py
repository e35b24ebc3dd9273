"""Secrets in the deployment files.

The API token is never on a command line nor in a container's environment, and no
real secret is committed.
"""

from __future__ import annotations

import re
from typing import Any

from supervisor import rasa_entry
from tests.deploy.manifests import DEPLOY, k8s_rasa_container, workloads


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
        assert service["secrets"] == ["rasa_api_token"]
        environment = service["environment"]
        assert (
            environment[rasa_entry.TOKEN_FILE_VARIABLE] == "/run/secrets/rasa_api_token"
        )
        # docker inspect shows a container's environment: the token is not in it.
        assert not {rasa_entry.TOKEN_VARIABLE, "RASA_API_TOKEN"} & set(environment)


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
