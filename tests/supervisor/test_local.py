"""``make run`` configures Rasa's origins as the deployments do: no ``--cors``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from deploy import cluster
from supervisor.assistant import Assistant, AssistantConfig
from supervisor.local import widget_origins


def options(words: list[str]) -> set[str]:
    """The options of a command line."""
    return {word for word in words if word.startswith("--")}


def test_by_default_only_the_demo_page_may_open_the_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CORS_ORIGINS", raising=False)

    assert widget_origins(8123) == ["http://localhost:8123", "http://127.0.0.1:8123"]


def test_the_origins_come_from_the_variable_make_cluster_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://clinic.example  http://127.0.0.1:9000")

    deployed = list(cluster.ClusterSettings.from_env().cors_origins)
    assert deployed == ["https://clinic.example", "http://127.0.0.1:9000"]
    assert widget_origins(8123) == deployed


def test_rasa_takes_no_option_the_deployments_do_not(tmp_path: Path) -> None:
    """No ``--cors``: the socket channel answers CORS for its origins alone."""
    local = AssistantConfig(
        model=tmp_path / "model.tar.gz",
        rasa_port=5005,
        actions_port=5055,
        token="x",
        log_dir=tmp_path,
    )
    secrets = cluster.Secrets(
        **{field.name: "x" for field in dataclasses.fields(cluster.Secrets)}
    )
    deployed = cluster.rasa_command(
        cluster.ClusterSettings(cors_origins=("https://clinic.example",)),
        secrets,
        0,
        model=Path("model.tar.gz"),
    )

    command = Assistant(local).rasa_service().command

    assert options(command) <= options(deployed)
    assert "--cors" not in options(deployed)
