"""The conversation purge runs daily: a Kubernetes CronJob and a systemd timer."""

from __future__ import annotations

from tests.deploy.manifests import DEPLOY, k8s_documents


def test_k8s_retention_job_runs_the_purge_daily() -> None:
    (job,) = [d for _, d in k8s_documents() if d["kind"] == "CronJob"]
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "privacy.retention"]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"


def test_systemd_timer_runs_the_retention_service() -> None:
    service = (DEPLOY / "systemd" / "hamstring-retention.service").read_text()
    assert "ExecStart=/opt/hamstring/.venv/bin/python -m privacy.retention" in service
    assert (
        "OnCalendar=" in (DEPLOY / "systemd" / "hamstring-retention.timer").read_text()
    )
