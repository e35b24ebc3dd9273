"""deploy/k8s: the Kubernetes manifests, against the schema and the project's policy.

The schema check needs kubernetes-validate (``make deploy-tools``); without it those
tests are skipped.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy import cluster
from tests.deploy.manifests import (
    K8S,
    endpoint_variables,
    k8s_documents,
    workloads,
)

KUBE_VALIDATE = cluster.REPO / "build" / "deploy-tools" / "bin" / "kubernetes-validate"


def kube_validate(*paths: str) -> subprocess.CompletedProcess:
    """Run kubernetes-validate (strict) on ``paths``; skip the test when it is missing."""
    if not KUBE_VALIDATE.exists():
        pytest.skip("kubernetes-validate missing: make deploy-tools")
    return subprocess.run(
        [str(KUBE_VALIDATE), "--strict", "--quiet", *paths],
        capture_output=True,
        text=True,
        check=False,
    )


def test_kustomization_lists_existing_manifests() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    assert "secret.example.yaml" not in kustomization["resources"]


def test_k8s_manifests_pass_the_kubernetes_schema() -> None:
    manifests = sorted(
        str(p) for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"
    )
    completed = kube_validate(*manifests)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_k8s_schema_check_can_fail(tmp_path: Path) -> None:
    broken = yaml.safe_load((K8S / "rasa.yaml").read_text().split("---")[1])
    broken["spec"]["replicas"] = "two"
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    assert kube_validate(str(path)).returncode != 0


def test_k8s_long_running_containers_have_probes_and_limits() -> None:
    probes = {"rasa": "/", "actions": "/health", "widget": "/widget/clinic-chat.js"}
    for name, template in workloads():
        for container in template["spec"]["containers"]:
            assert "memory" in container["resources"]["limits"], name
            if name in probes:
                for probe in ("readinessProbe", "livenessProbe"):
                    assert container[probe]["httpGet"]["path"] == probes[name], (
                        name,
                        probe,
                    )
            elif name != "conversation-retention":
                assert "readinessProbe" in container and "livenessProbe" in container, (
                    name
                )


def test_k8s_config_and_secret_references_exist() -> None:
    documents = {
        document["metadata"]["name"]: document
        for _, document in k8s_documents()
        if document["kind"] in ("ConfigMap", "Secret")
    }
    text = "".join(path.read_text() for path in K8S.glob("*.yaml"))
    for kind, name, key in re.findall(
        r"(configMapKeyRef|secretKeyRef): \{name: ([\w-]+), key: (\w+)\}", text
    ):
        section = "data" if kind == "configMapKeyRef" else "stringData"
        assert key in documents[name][section], (name, key)
    config = documents["hamstring-config"]["data"]
    assert config["RASA_TELEMETRY_ENABLED"] == "false"
    needed = endpoint_variables()
    assert needed <= set(config) | set(documents["hamstring-secrets"]["stringData"])


def test_k8s_services_select_existing_pods() -> None:
    pod_labels = [template["metadata"]["labels"] for _, template in workloads()]
    for _, document in k8s_documents():
        if document["kind"] == "Service":
            selector = document["spec"]["selector"]
            assert any(selector.items() <= labels.items() for labels in pod_labels), (
                selector
            )


def test_k8s_ingress_is_sticky_and_exposes_socketio_only() -> None:
    (ingress,) = [d for f, d in k8s_documents() if f == "ingress.yaml"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/upstream-hash-by"] == "$remote_addr"
    assert "nginx.ingress.kubernetes.io/proxy-body-size" in annotations
    assert "nginx.ingress.kubernetes.io/limit-rps" in annotations
    paths = [
        p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]
    ]
    assert paths == ["/socket.io/"]
