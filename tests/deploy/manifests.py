"""The deployment files as the manifest tests read them (``tests/deploy/test_manifests_*``).

Compose, Kubernetes, the Dockerfile and ``deploy/endpoints.prod.yml`` are parsed here
once; the tests check their structure and policy.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml

from deploy import cluster

DEPLOY = cluster.DEPLOY
K8S = DEPLOY / "k8s"

RASA_ENTRY = ["python", "-m", "supervisor.rasa_entry"]
"""How a deployment starts Rasa: the API token comes from the environment or a secret
file, never from the process arguments (supervisor/rasa_entry.py)."""


def endpoint_variables() -> set[str]:
    """The environment variables that deploy/endpoints.prod.yml expands."""
    lines = (DEPLOY / "endpoints.prod.yml").read_text().splitlines()
    values = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{([A-Z_]+)\}", values))


def k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) of every manifest in deploy/k8s."""
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((path.name, document))
    return documents


def workloads() -> list[tuple[str, dict[str, Any]]]:
    """(name, pod spec) of every Deployment, StatefulSet and CronJob."""
    found = []
    for _, document in k8s_documents():
        kind = document["kind"]
        if kind in ("Deployment", "StatefulSet"):
            found.append((document["metadata"]["name"], document["spec"]["template"]))
        elif kind == "CronJob":
            found.append(
                (
                    document["metadata"]["name"],
                    document["spec"]["jobTemplate"]["spec"]["template"],
                )
            )
    return found


def k8s_rasa_container() -> dict[str, Any]:
    """The Rasa container of the Kubernetes Deployment."""
    (template,) = [template for name, template in workloads() if name == "rasa"]
    (container,) = template["spec"]["containers"]
    return container


def dockerfile_instructions(stage: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of one stage of deploy/Dockerfile, continuations joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    found = []
    current = ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction == "FROM":
            current = arguments.split(" AS ")[-1]
        elif current == stage:
            found.append((instruction, arguments))
    return found


def copied_sources(instructions: list[tuple[str, str]]) -> set[str]:
    """What a stage's COPY instructions take from the build context."""
    return {
        source.rstrip("/")
        for instruction, arguments in instructions
        if instruction == "COPY" and not arguments.startswith("--from")
        for source in arguments.split()[:-1]
    }


def sets_pythonpath(instructions: list[tuple[str, str]]) -> bool:
    """Whether a stage puts /app on Python's path."""
    return any(
        instruction == "ENV" and "PYTHONPATH=/app" in arguments.split()
        for instruction, arguments in instructions
    )


def imported_modules(*paths: Path) -> set[str]:
    """The modules the given Python files import (dotted names)."""
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def servers(site: str) -> dict[str, str]:
    """Each ``server`` block of a rendered site (up to the next one), by its listen."""
    found = {}
    for block in re.split(r"^server \{", site, flags=re.MULTILINE)[1:]:
        listen = re.search(r"listen (\S+);", block)
        assert listen, block
        found[listen.group(1)] = block
    return found


def locations(server: str) -> set[str]:
    """The paths a server block routes."""
    return {path for _, path in re.findall(r"location\s+(=\s+)?(\S+)\s*\{", server)}
