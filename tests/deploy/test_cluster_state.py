"""The services' folder of a cluster run as root belongs to one state folder's secrets."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from deploy import cluster
from deploy.cluster.data import OWNER_FILE, _secrets_digest, forget_orphaned_service_dir


def secrets_with(password: str) -> cluster.Secrets:
    fields = dataclasses.fields(cluster.Secrets)
    return cluster.Secrets(**{f.name: f"{f.name}-{password}" for f in fields})


@pytest.fixture
def settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> cluster.ClusterSettings:
    if os.geteuid() != 0:
        pytest.skip("only root runs the services outside the state folder")
    monkeypatch.setenv("SERVICE_DATA_ROOT", str(tmp_path / "services"))
    settings = cluster.ClusterSettings(state_dir=tmp_path / "state")
    assert settings.service_dir != settings.state_dir
    return settings


def made_for(
    settings: cluster.ClusterSettings, secrets: cluster.Secrets | None
) -> Path:
    folder = cluster.prepare_service_dir(settings)
    (folder / "pg").mkdir()
    (folder / "pg" / "PG_VERSION").write_text("15\n")
    if secrets is not None:
        (folder / OWNER_FILE).write_text(_secrets_digest(secrets) + "\n")
    return folder


def test_the_clusters_own_folder_is_kept(settings: cluster.ClusterSettings) -> None:
    mine = secrets_with("a")
    folder = made_for(settings, mine)
    assert not forget_orphaned_service_dir(settings, mine)
    assert (folder / "pg" / "PG_VERSION").exists()


def test_a_folder_made_with_other_secrets_is_removed(
    settings: cluster.ClusterSettings,
) -> None:
    """A new checkout at the same path gets new secrets: the old database is unusable."""
    folder = made_for(settings, secrets_with("old"))
    assert forget_orphaned_service_dir(settings, secrets_with("new"))
    assert not folder.exists()


def test_a_folder_from_before_owners_were_recorded_is_kept(
    settings: cluster.ClusterSettings,
) -> None:
    folder = made_for(settings, None)
    assert not forget_orphaned_service_dir(settings, secrets_with("any"))
    assert (folder / "pg" / "PG_VERSION").exists()
