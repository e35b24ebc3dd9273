"""How Compose, Kubernetes and the image start Rasa.

Through the token entry module, with the options and files of ``make cluster``'s Rasa,
which tests/deploy drives.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from deploy import cluster
from tests.deploy.manifests import (
    RASA_ENTRY,
    copied_sources,
    dockerfile_instructions,
    imported_modules,
    k8s_rasa_container,
    sets_pythonpath,
)


def test_compose_and_k8s_start_rasa_through_the_token_entry_module(
    compose: dict[str, Any],
) -> None:
    for name in ("rasa-1", "rasa-2"):
        assert compose["services"][name]["entrypoint"] == RASA_ENTRY, name
    assert k8s_rasa_container()["command"] == RASA_ENTRY
    entrypoints = [
        json.loads(arguments)
        for instruction, arguments in dockerfile_instructions("rasa")
        if instruction == "ENTRYPOINT"
    ]
    assert entrypoints == [RASA_ENTRY]


def test_compose_and_k8s_run_rasa_as_the_deployment_tests_do(
    compose: dict[str, Any],
) -> None:
    """The options and files of ``make cluster``'s Rasa, which tests/deploy drives."""
    settings = cluster.ClusterSettings(cors_origins=("https://clinic.example",))
    secrets = cluster.Secrets(
        **{field.name: "x" for field in dataclasses.fields(cluster.Secrets)}
    )
    tested = cluster.rasa_command(settings, secrets, 0, model=Path("model.tar.gz"))
    assert tested[1:3] == RASA_ENTRY[1:]

    def options(words: list[str]) -> set[str]:
        return {word for word in words if word.startswith("--")}

    def files(words: list[str]) -> set[str]:
        return {Path(word).name for word in words if word.endswith(".yml")}

    # Containers listen on every interface of their own network namespace.
    expected = options(tested) - {"--interface"}
    for where, arguments in (
        ("compose", compose["services"]["rasa-1"]["command"]),
        ("k8s", k8s_rasa_container()["args"]),
    ):
        assert options(arguments) == expected, where
        assert files(arguments) == files(tested), where


def test_rasa_image_holds_the_entry_module_and_what_it_imports() -> None:
    instructions = dockerfile_instructions("rasa")
    assert ("COPY", "supervisor/rasa_entry.py /app/supervisor/rasa_entry.py") in (
        instructions
    )
    assert sets_pythonpath(instructions)
    sources = copied_sources(instructions)
    imported = imported_modules(cluster.REPO / "supervisor" / "rasa_entry.py")
    for module in imported:
        path = module.replace(".", "/")
        if (cluster.REPO / module.split(".")[0]).is_dir():
            assert {path, f"{path}.py"} & sources or any(
                path.startswith(f"{source}/") for source in sources
            ), module
