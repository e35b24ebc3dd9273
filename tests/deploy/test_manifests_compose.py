"""deploy/docker-compose.yml: two Rasa instances behind nginx, on an internal network."""

from __future__ import annotations

from typing import Any

from tests.deploy.manifests import DEPLOY, endpoint_variables


def test_compose_runs_two_rasa_instances_behind_nginx(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "actions", "rasa-1", "rasa-2", "nginx"} <= set(
        services
    )
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["nginx"]
    assert compose["networks"]["backend"]["internal"] is True
    for name in ("rasa-1", "rasa-2"):
        command = services[name]["command"]
        assert "--enable-api" in command
        assert "/app/deploy/logging.yml" in command


def test_compose_services_have_health_checks(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "jobs" not in service.get("profiles", []):
            assert "healthcheck" in service, name


def test_compose_secrets_come_from_the_environment(compose: dict[str, Any]) -> None:
    environment = compose["services"]["rasa-1"]["environment"]
    assert environment["RASA_TELEMETRY_ENABLED"] == "false"
    for key in ("TRACKER_DB_PASSWORD", "REDIS_PASSWORD"):
        assert environment[key].startswith("${" + key + ":?")
    needed = endpoint_variables()
    assert needed <= set(environment)


def test_compose_nginx_mounts_the_rendered_config(compose: dict[str, Any]) -> None:
    (volume,) = compose["services"]["nginx"]["volumes"]
    source = volume.split(":")[0]
    assert (DEPLOY / source).is_file()
