"""The deployment files as the manifest tests read them (``tests/deploy/test_manifests_*``).

Compose, Kubernetes, the Dockerfile and ``deploy/endpoints.prod.yml`` are parsed here
once; the tests check their structure and policy.
"""

from __future__ import annotations

import re
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
